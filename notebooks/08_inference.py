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
# *Run time. CPU, smoke mode (CI, small synthetic corpus): 58 s, measured (37 s with the
# feature cache warm). CPU, full mode: 3.6 min, measured once on
# real RAVDESS + TESS (2026-11-25, 2 cores, after notebooks 01-03), plus the first
# download. T4 GPU (estimated): about the same, the features are still computed on
# Colab's CPU.*
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
DATA_ROOT = notebook.home() / "data"   # where the corpora are (or get downloaded to)
SEED = 0
EPOCHS = 2 if SMOKE else 20   # an epoch cap for this demo model (early stopping may end sooner)
USE_DRIVE = False     # True: keep the data on Google Drive (MyDrive/sermodels/data), Colab only
KAGGLE = ()           # e.g. ("cremad", "savee"): get them from Kaggle (Colab secrets)
MY_RECORDING = None   # path of your own recording (WAV/FLAC/OGG), or None
UPLOAD_YOUR_OWN = False   # True in Colab: ask for a file to upload (Run all waits for you)

# %% [markdown]
# ## Data
#
# Each Colab notebook runs on a fresh machine, so this one fetches its data itself: RAVDESS
# (speech) and TESS are downloaded into `DATA_ROOT` when they are missing (public archives,
# no account, a few minutes; never twice). `USE_DRIVE = True` keeps them on Google Drive
# (`MyDrive/sermodels/data`) for every notebook and every session. `KAGGLE = ("cremad",
# "savee")` adds the two Kaggle-only corpora once your Kaggle token is stored as the Colab
# secrets `KAGGLE_USERNAME` and `KAGGLE_KEY` (step by step in `01_dataset_fusion`). If no
# real audio can be had, the notebook goes on with the *hard* synthetic corpus and says so
# in a red box.

# %%
data = notebook.course_data(DATA_ROOT, seed=SEED, drive=USE_DRIVE, kaggle=KAGGLE)

# %% [markdown]
# A model to run: paper 000's CNN-LSTM on 40 MFCCs, trained here for at most `EPOCHS`
# epochs on the training speakers (a quick demo model, not the recommended recipe).

# %%
import numpy as np
import soundfile as sf

from sermodels.features import get_spec
from sermodels.inference import Predictor
from sermodels.training import TrainConfig, train

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
# Record yourself on your phone (a few sentences, several emotions, WAV/FLAC/OGG). In Colab,
# set `UPLOAD_YOUR_OWN = True` and run this cell to upload it (choosing no file is fine);
# elsewhere, set `MY_RECORDING` to its path. Without one, we stitch three test clips into a
# "recording" with a 2.5-s pause, so "Run all" never waits.

# %%
if MY_RECORDING is None and UPLOAD_YOUR_OWN and notebook.in_colab():
    from google.colab import files

    uploaded = files.upload()   # waits for you; cancel or choose nothing to skip
    MY_RECORDING = next(iter(uploaded), None)
if MY_RECORDING is None:
    from sermodels.audio import AudioConfig, load_audio

    sr = predictor.spec.sample_rate
    clips = [load_audio(data.root / p, AudioConfig(sample_rate=sr)) for p in result.test_rows["path"].head(3)]
    audio = np.concatenate([clips[0], np.zeros(int(2.5 * sr), np.float32), clips[1], clips[2]])
    MY_RECORDING = notebook.home() / "stitched_recording.wav"
    sf.write(MY_RECORDING, audio, sr)
windows = predictor.predict_windows(MY_RECORDING, window=1.5, hop=0.5)
windows.head(10)

# %% [markdown]
# Listen to the recording, then read the model's answer window by window: the waveform on
# top, and below it each emotion's probability at the centre of each 1.5 s window (a
# window every 0.5 s; a window that falls wholly in a pause gets no answer, so the curves
# break there: the stitched recording's 2.5-s pause holds such windows).

# %%
import matplotlib.pyplot as plt
from IPython.display import Audio, display

from sermodels.audio import AudioConfig, load_audio

heard = load_audio(MY_RECORDING, AudioConfig(sample_rate=16000, duration=None))
display(Audio(heard, rate=16000))
probs = windows.filter(like="p_")
centres = (windows["start"] + windows["end"]) / 2
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True,
                                  gridspec_kw={"height_ratios": [1, 2]})
top.plot([i / 16000 for i in range(len(heard))], heard, linewidth=0.4, color="0.3")
top.set_ylabel("amplitude")
top.set_title(f"{getattr(MY_RECORDING, 'name', MY_RECORDING)}: what the model hears, window by window")
for column in probs.columns:
    bottom.plot(centres, probs[column], marker="o", markersize=3, label=column[2:])
bottom.set_xlabel("time (s), at each window's centre")
bottom.set_ylabel("probability")
bottom.set_ylim(0, 1)
bottom.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
fig.tight_layout()

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

# %% [markdown]
# ## Exercises
#
# 1. **Window length.** Predict the same recording with 3 s windows every second. How many
#    windows do you get, and how do the curves change? What do you gain and lose with
#    shorter windows?
# 2. **Noise.** Add white noise at 5 dB SNR to the first test clip and predict again. Does
#    the label change? Does the confidence drop?
# 3. **Size on the phone.** Compare the sizes of the Keras model and the TFLite file in the
#    export report. Why is the dynamic-range quantised TFLite file about ten times smaller?

# %% [markdown]
# <details><summary>Solution 1</summary>
#
# ```python
# long = predictor.predict_windows(MY_RECORDING, window=3.0, hop=1.0)
# print(len(windows), "windows of 1.5 s;", len(long), "windows of 3 s")
# long[["start", "end", "label", "confidence"]]
# ```
#
# Longer windows give fewer, smoother answers (each sees more of the voice, so it is more
# confident) but blur changes of emotion and straddle pauses; shorter windows follow
# changes but each decides from less speech. The model was trained on 3 s clips, so much
# shorter windows are padded and lose accuracy.
# </details>
#
# <details><summary>Solution 2</summary>
#
# ```python
# from sermodels import augment
#
# sr = predictor.spec.sample_rate
# clean = load_audio(clip, AudioConfig(sample_rate=sr))
# noisy_path = notebook.home() / "noisy_clip.wav"
# sf.write(noisy_path, augment.AddNoise(5, 5)(clean, sr, SEED), sr)
# noisy = predictor.predict_file(noisy_path)
# print(f"clean: {prediction.label} ({prediction.confidence:.2f}); "
#       f"5 dB noise: {noisy.label} ({noisy.confidence:.2f})")
# ```
#
# Usually the confidence drops and the label may flip: the model never heard noise this
# strong in training. Training with `AddNoise` in the augmentation chain (02) is the remedy.
# </details>
#
# <details><summary>Solution 3</summary>
#
# ```python
# print(report["keras_size_kb"], "kB as Keras,", report["tflite_size_kb"], "kB as TFLite")
# ```
#
# In the smoke run: 7,470 kB against 757 kB. Dynamic-range quantisation stores each weight
# as an 8-bit integer instead of a 32-bit float (4 bytes to 1), and the `.keras` file also
# holds Adam's two running averages per weight, so it carries three copies of the weights
# (together about 12 bytes per weight against 1). `top1_agreement` in the same report checks
# that the small model still gives the same answers.
# </details>

