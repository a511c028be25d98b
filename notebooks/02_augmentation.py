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
# # **02 · Augmentation: listen, look, balance**
#
# *Run time. CPU, smoke mode (CI, small synthetic corpus): 18 s, measured. CPU, full mode:
# 8 s, measured once on real RAVDESS + TESS (2026-11-25, 2 cores), plus the first download.
# T4 GPU (estimated): the same, nothing here uses the GPU.*
#
# Hear and see what noise, pitch shift, time stretch, time shift and SpecAugment do to a
# clip, and balance the classes of the training split (never validation or test).
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sermodels/sermodels/blob/main/notebooks/02_augmentation.ipynb)

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
SAMPLE_RATE = 22050
USE_DRIVE = False   # True: keep the data on Google Drive (MyDrive/sermodels/data), Colab only
KAGGLE = ()         # e.g. ("cremad", "savee"): get them from Kaggle (Colab secrets)

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

# %%
import numpy as np
from IPython.display import Audio, display

from sermodels import augment, manifest, plots
from sermodels.audio import AudioConfig, load_audio

train_rows = manifest.select(data.frame[data.frame["split"] == "train"])
row = train_rows.iloc[0]
y = load_audio(data.root / row["path"], AudioConfig(sample_rate=SAMPLE_RATE))
print(f"{row['path']}: {row['target']}, {len(y) / SAMPLE_RATE:.2f} s")
display(Audio(y, rate=SAMPLE_RATE))

# %% [markdown]
# ## 1. Waveform augmentations
#
# Each transform validates its parameters when it is built and draws its randomness from
# a seed, so the same seed gives the same audio. Pitch shift changes the voice's
# fundamental (±2 semitones by default); time stretch changes the tempo but keeps the clip
# length; noise is added at a chosen signal-to-noise ratio. Speed perturbation (Kaldi's
# recipe, used by sermodels' recommended recipe) plays the clip faster or slower, moving
# tempo and pitch together with one resampling: far cheaper than pitch shift plus time
# stretch, and the clip's length changes with the rate.

# %%
variants = {
    "original": y,
    "white noise, SNR 10 dB": augment.AddNoise(10, 10)(y, SAMPLE_RATE, SEED),
    "pitch +2 semitones": augment.PitchShift(2, 2)(y, SAMPLE_RATE, SEED),
    "pitch -2 semitones": augment.PitchShift(-2, -2)(y, SAMPLE_RATE, SEED),
    "time stretch x0.9 (same length)": augment.TimeStretch(0.9, 0.9)(y, SAMPLE_RATE, SEED),
    "time shift up to 0.2 s": augment.TimeShift(0.2)(y, SAMPLE_RATE, SEED),
    "speed x1.1 (tempo and pitch together)": augment.SpeedPerturb(1.1, 1.1)(y, SAMPLE_RATE, SEED),
}
for name, audio in variants.items():
    print(name)
    display(Audio(audio, rate=SAMPLE_RATE))

# %%
fig = plots.example_panel(variants["original"], SAMPLE_RATE, title="Original")
fig = plots.example_panel(variants["pitch +2 semitones"], SAMPLE_RATE, title="Pitch +2 semitones")
fig = plots.example_panel(variants["white noise, SNR 10 dB"], SAMPLE_RATE, title="Noise at 10 dB SNR")

# %% [markdown]
# ## 2. SpecAugment
#
# Paper 003 masks bands of frequency and stretches of time in the spectrogram. During
# training the model must then use several cues instead of one. Training masks
# *normalised* features, setting the bands to 0 (their mean), on every training batch
# (`TrainConfig.spec_augment`); `augment.SpecAugment` runs that same code on one example,
# so we z-score the log-mel first, as the normaliser would.

# %%
import matplotlib.pyplot as plt

from sermodels.features import extract, get_spec

logmel = extract(y, get_spec("logmel64", audio={"duration": None}))
z = (logmel - logmel.mean(axis=0)) / (logmel.std(axis=0) + 1e-6)
masked = augment.SpecAugment(freq_masks=2, freq_width=8, time_masks=2, time_width=25)(z, SEED)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
for ax, image, name in zip(axes, (z, masked), ("log-mel, z-scored", "after SpecAugment"),
                           strict=True):
    ax.imshow(image.T, origin="lower", aspect="auto", cmap="magma", vmin=-3, vmax=3)
    ax.set_title(name)
    ax.set_xlabel("frame (10 ms)")
    ax.set_ylabel("mel band")

# %% [markdown]
# ## 3. Balancing the training split (paper 000)
#
# Minority classes are augmented (pitch shift and time stretch) until each is within 15%
# of the majority; class weights inversely proportional to frequency do the rest. Only
# training items are ever augmented: augmented copies of validation or test clips would
# leak, so the API refuses them.

# %%
chain = augment.Chain([augment.PitchShift(), augment.TimeStretch()])
extra = augment.balance_plan(train_rows, chain, ratio=0.15, seed=SEED)
before = train_rows["target"].value_counts().sort_index()
after = before.add(extra["target"].value_counts(), fill_value=0)
fig = plots.class_distribution(before, after, title="Training items per emotion, before and after balancing")
print(f"{len(extra)} augmented copies planned")
augment.class_weights(manifest.select(train_rows)["y"].to_numpy(), 7)

# %%
try:
    augment.balance_plan(data.frame[data.frame["split"] == "test"].assign(target="x"), chain)
except augment.SplitGuardError as err:
    print("refused:", err)

# %%
# NBVAL_CHECK_OUTPUT
assert len(variants["time stretch x0.9 (same length)"]) == len(y)
assert np.array_equal(augment.PitchShift(2, 2)(y, SAMPLE_RATE, SEED), variants["pitch +2 semitones"])
assert (after.max() - after.min()) <= 0.15 * after.max() + 1

# %% [markdown]
# **Take-away.** Augment the training split only, with seeds, and balance classes there.
# Next: `03_features.ipynb`.

# %% [markdown]
# ## Exercises
#
# 1. **How noisy is 10 dB?** Measure the signal-to-noise ratio of the noisy copy yourself
#    (noise = noisy minus original). Then listen at 20, 10 and 0 dB: where does the emotion
#    stop being clear to you?
# 2. **Speed perturbation.** At rate 0.9, how long is the clip compared with the original,
#    and by how many semitones does the voice move? Check the length in code.
# 3. **Stronger SpecAugment.** Use two time masks of up to 60 frames. What fraction of the
#    frames is masked, and why would too much masking hurt training?

# %% [markdown]
# <details><summary>Solution 1</summary>
#
# ```python
# noisy = variants["white noise, SNR 10 dB"]
# noise = noisy - y
# print(f"SNR {10 * np.log10(np.sum(y ** 2) / np.sum(noise ** 2)):.1f} dB")
# for snr in (20, 10, 0):
#     print(f"{snr} dB")
#     display(Audio(augment.AddNoise(snr, snr)(y, SAMPLE_RATE, SEED), rate=SAMPLE_RATE))
# ```
#
# The measured ratio is the one asked for (10 dB: the noise has a tenth of the signal's
# power). Most listeners still hear the emotion at 10 dB and struggle at 0 dB, where noise
# and voice are equally loud.
# </details>
#
# <details><summary>Solution 2</summary>
#
# ```python
# slow = augment.SpeedPerturb(0.9, 0.9)(y, SAMPLE_RATE, SEED)
# print(len(slow) / len(y))               # about 1.11 = 1 / 0.9: a longer clip
# print(12 * np.log2(0.9))                # -1.8 semitones: a lower voice
# display(Audio(slow, rate=SAMPLE_RATE))
# ```
#
# Playing slower stretches time and lowers pitch by the same factor, like a tape run slowly.
# The features' fixed clip length (3 s, cropped or padded) absorbs the change in duration.
# </details>
#
# <details><summary>Solution 3</summary>
#
# ```python
# strong = augment.SpecAugment(freq_masks=0, time_masks=2, time_width=60)(z, SEED)
# masked_frames = np.all(strong == 0, axis=1)
# print(f"{masked_frames.mean():.0%} of {len(strong)} frames masked")
# ```
#
# Up to 120 frames (1.2 s) of a 2-4 s clip can vanish: a short emotional cue (a laugh, a
# rising pitch) may be masked entirely while the label stays, so the model learns from
# examples that no longer carry their emotion. Paper 003's masks are narrow for this reason.
# </details>
