# ---
# jupyter:
#   accelerator: GPU
#   colab:
#     gpuType: T4
#     provenance: []
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   language_info:
#     name: python
# ---

# %% [markdown]
# # **08 · Inference on new recordings, and TFLite export**
#
# Run a trained model on a new recording (yours, if you upload one), window by window for
# long audio, and export it to TFLite for a phone.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sermodels/sermodels/blob/main/notebooks/08_inference.ipynb)

# %% [markdown]
# ## Setup
#
# In Colab the first cell installs sermodels (elsewhere, install it once with
# `pip install -e .` from the repository). The second checks versions, seeds everything and
# tells you whether a GPU is available. Set the environment variable `SERMODELS_SMOKE=1` to
# run on a small synthetic corpus with few epochs (that is how CI runs every notebook).

# %%
import sys

# Where Colab installs sermodels from: the same value in every notebook (a test checks it).
# Another way in: upload a wheel (`python -m build` makes one) or a checkout to the runtime or
# to Drive and point here, e.g. "/content/drive/MyDrive/sermodels-0.1.0-py3-none-any.whl" or
# "-e /content/sermodels".
SERMODELS_SOURCE = "git+https://github.com/sermodels/sermodels@main"

if "google.colab" in sys.modules:
    print(f"Installing sermodels from {SERMODELS_SOURCE} into this Colab runtime...")
    # %pip install -q {SERMODELS_SOURCE}

# %%
from sermodels import notebook

VERSIONS = notebook.setup(seed=0)

# %% [markdown]
# ## Configuration

# %%
SMOKE = notebook.smoke_mode()
DATA_ROOT = notebook.home() / "data"
SEED = 0
EPOCHS = 2 if SMOKE else 20
MY_RECORDING = None   # path of your own recording; in Colab, leave None to be asked for an upload

# %%
import numpy as np
import soundfile as sf

from sermodels.features import get_spec
from sermodels.inference import Predictor
from sermodels.training import TrainConfig, train

data = notebook.get_data(DATA_ROOT, seed=SEED)
result = train(data.frame, data.root, get_spec("mfcc40"), TrainConfig(epochs=EPOCHS, seed=SEED, verbose=0),
               cache_dir=notebook.cache_dir(), run_dir=notebook.runs_dir() / "08-model")
predictor = Predictor(result.run_dir)
print(f"run folder {result.run_dir}; classes {predictor.classes}")

# %% [markdown]
# ## 1. One file
#
# The predictor applies exactly the run's preprocessing (rate, normalisation, clip
# length), features and normaliser. A silent, empty or unreadable file raises an error
# that names it: no confident answer about nothing.

# %%
clip = data.root / result.test_rows["path"].iloc[0]
prediction = predictor.predict_file(clip)
truth = result.test_rows["target"].iloc[0]
print(f"{clip.name}: {prediction.label} ({prediction.confidence:.2f}); true: {truth}")
prediction.probabilities

# %% [markdown]
# ## 2. Your own recording
#
# In Colab, run the cell and upload a WAV/FLAC/OGG file (record one on your phone). Elsewhere,
# set `MY_RECORDING`. Without one, we stitch test clips into a "recording" with a pause.

# %%
if MY_RECORDING is None and notebook.in_colab():
    from google.colab import files

    uploaded = files.upload()
    MY_RECORDING = next(iter(uploaded), None)
if MY_RECORDING is None:
    from sermodels.audio import AudioConfig, load_audio

    sr = predictor.spec.sample_rate
    clips = [load_audio(data.root / p, AudioConfig(sample_rate=sr)) for p in result.test_rows["path"].head(3)]
    audio = np.concatenate([clips[0], np.zeros(sr, np.float32), clips[1], clips[2]])
    MY_RECORDING = notebook.home() / "stitched_recording.wav"
    sf.write(MY_RECORDING, audio, sr)
windows = predictor.predict_windows(MY_RECORDING, window=1.5, hop=0.5)
windows.head(10)

# %%
import matplotlib.pyplot as plt

probs = windows.filter(like="p_").fillna(0)
fig, ax = plt.subplots(figsize=(10, 3.5))
ax.stackplot(windows["start"], probs.T.to_numpy(), labels=[c[2:] for c in probs.columns])
ax.set_xlabel("window start (s)")
ax.set_ylabel("probability")
ax.set_title("Emotion probabilities over the recording (silent windows left empty)")
ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)

# %% [markdown]
# ## 3. TFLite export (paper 001's deployment by quantisation)

# %%
from sermodels.export import export_tflite

report = export_tflite(result.run_dir, quantize="dynamic", clips=20)
report

# %%
# NBVAL_CHECK_OUTPUT
assert abs(sum(prediction.probabilities.values()) - 1) < 1e-4
assert report["top1_agreement"] >= 0.9

# %% [markdown]
# **That is the course.** From four corpora to a model on your phone, with every number
# tied to the protocol that produced it. The command line does the same in one line each:
# `sermodels run`, `sermodels compare-protocols`, `sermodels predict`, `sermodels export`.
