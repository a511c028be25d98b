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
# # **03 · Features: MFCC, log-mel, RMS, ZCR, deltas — and a cache**
#
# *Run time. CPU, smoke mode (CI, small synthetic corpus): 21 s, measured. CPU, full mode:
# 13 s, measured once on real RAVDESS + TESS (2026-11-25, 2 cores), plus the first
# download. T4 GPU (estimated): the same, feature extraction runs on the CPU.*
#
# Compute the features the papers use, look at their shapes, and cache them to .npy so the
# second run is instant.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sermodels/sermodels/blob/main/notebooks/03_features.ipynb)

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
SPEC = "paper000"   # 40 MFCCs, 25 ms frames, 10 ms hop, 22,050 Hz, 3 s clips
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
import time

import matplotlib.pyplot as plt
import pandas as pd

from sermodels import features
from sermodels.audio import load_audio
from sermodels.features import FeatureSpec, get_spec

spec = get_spec(SPEC)
path = data.root / data.frame["path"].iloc[0]
y = load_audio(path, spec.audio)
print(f"{spec.name}: frame {spec.frame_length} samples ({spec.frame_ms} ms), hop {spec.hop_length} "
      f"({spec.hop_ms} ms), FFT {spec.n_fft}")

# %% [markdown]
# ## 1. Frame-level features
#
# Every feature is described by a frozen `FeatureSpec`: two equal specs give equal
# features, and any change gives a new cache entry. MFCCs summarise the spectral
# envelope (vocal tract, timbre), log-mel keeps the whole spectrum, RMS is loudness and
# the zero-crossing rate tracks noisiness. Deltas add how they change over time.

# %%
parts = {
    "MFCC (40)": FeatureSpec(features=("mfcc",), n_mfcc=40, audio=spec.audio),
    "log-mel (64)": FeatureSpec(features=("logmel",), n_mels=64, audio=spec.audio),
    "RMS": FeatureSpec(features=("rms",), audio=spec.audio),
    "ZCR": FeatureSpec(features=("zcr",), audio=spec.audio),
}
fig, axes = plt.subplots(len(parts), 1, figsize=(10, 9))
for ax, (name, part) in zip(axes, parts.items(), strict=True):
    values = features.extract(y, part)
    if values.shape[1] > 1:
        ax.imshow(values.T, origin="lower", aspect="auto", cmap="viridis")
        ax.set_ylabel("coefficient / band")
    else:
        ax.plot(values[:, 0])
        ax.set_ylabel(name)
    ax.set_title(f"{name}: shape {values.shape} (frames x features)")
    ax.set_xlabel("frame (10 ms)")
fig.tight_layout()

# %% [markdown]
# ### Deltas: how the features move
#
# A delta is the local slope of each feature over a few frames (librosa's
# Savitzky-Golay derivative), a delta-delta the slope of that slope. A rising pitch or a
# syllable onset shows as a bright/dark band in the deltas where the MFCCs themselves
# change only a little. Below: 13 MFCCs of the clip, their deltas and delta-deltas, and
# coefficient 1 (the spectral tilt: bright vs dark voice) with its two derivatives.

# %%
moving = FeatureSpec(features=("mfcc",), n_mfcc=13, deltas=2, audio=spec.audio)
stack = features.extract(y, moving)
seconds = len(stack) * moving.hop_ms / 1000
fig, axes = plt.subplots(4, 1, figsize=(10, 9), sharex=True)
for ax, (name, block) in zip(axes[:3], (("MFCC", stack[:, :13]), ("delta", stack[:, 13:26]),
                                        ("delta-delta", stack[:, 26:])), strict=True):
    ax.imshow(block.T, origin="lower", aspect="auto", cmap="coolwarm",
                      extent=(0, seconds, 0, 13))
    ax.set_title(f"{name}: {block.shape[1]} coefficients (red above zero, blue below)")
    ax.set_ylabel("coefficient")
frame_times = [(i + 0.5) * moving.hop_ms / 1000 for i in range(len(stack))]
for column, name in ((1, "MFCC 1"), (14, "its delta"), (27, "its delta-delta")):
    axes[3].plot(frame_times, stack[:, column], label=name, linewidth=1)
axes[3].set_title("coefficient 1 over time")
axes[3].set_xlabel("time (s)")
axes[3].set_ylabel("value")
axes[3].legend(loc="upper right", fontsize=8)
fig.tight_layout()

# %%
with_deltas = features.extract(y, get_spec("paper004"))
print("paper 004: 13 MFCC + RMS, deltas and delta-deltas, z-scored per utterance, 400 frames:",
      with_deltas.shape)

# %% [markdown]
# Every preset and its output shape (sequences for CNN/RNN models, images for the 2-D CNN,
# pooled statistics for the DNN and classical baselines):

# %%
pd.DataFrame([{"spec": name, "kind": get_spec(name).kind, "features": "+".join(get_spec(name).features),
               "deltas": get_spec(name).deltas, "shape": get_spec(name).output_shape(),
               "normalisation (fitted on train)": get_spec(name).normalization}
              for name in features.spec_names()])

# %% [markdown]
# ## 2. The cache: extract once, reuse forever
#
# `extract_features` decodes, resamples and computes each clip once, in parallel, and
# keeps the result as `.npy`, keyed by the file's identity (path, size, modification
# time) and every parameter of the spec. Writes are atomic, so an interrupted run
# resumes where it stopped.

# %%
import tempfile

from sermodels.cache import extract_features

cache = tempfile.mkdtemp(prefix="sermodels-cache-")
rows = data.frame.head(120 if SMOKE else 600)
start = time.perf_counter()
first = extract_features(rows, data.root, spec, cache_dir=cache, n_jobs=2)
cold = time.perf_counter() - start
start = time.perf_counter()
second = extract_features(rows, data.root, spec, cache_dir=cache)
warm = time.perf_counter() - start
print(f"{len(rows)} clips: first run {cold:.2f} s, second run {warm:.3f} s ({cold / warm:.0f}x faster); "
      f"features {first.x.shape}")

# %%
# NBVAL_CHECK_OUTPUT
assert second.hits == len(rows) and warm < cold
assert (first.x == second.x).all()
assert first.x.shape[1:] == spec.output_shape()

# %% [markdown]
# **Take-away.** Features are a pure function of the audio and the spec; cache them. Next:
# `04_training.ipynb`.

# %% [markdown]
# ## Exercises
#
# 1. **A new spec, a new cache entry.** Make paper 000's spec with deltas
#    (`dataclasses.replace(spec, deltas=1)`). What is its output shape? Extract the same rows
#    into the same cache: how many cache hits, and why is that the right answer?
# 2. **Speaker or emotion?** Average each clip's MFCCs over time (one 40-number vector per
#    clip). Are clips closer to other clips of the same *speaker* or of the same *emotion*?
#    Compare the spread of the speaker means with the spread of the emotion means.
# 3. **Deltas by hand.** Compare librosa's delta of MFCC 1 with a plain finite difference
#    (`np.gradient`). Why does librosa smooth over several frames?

# %% [markdown]
# <details><summary>Solution 1</summary>
#
# ```python
# import dataclasses
#
# moving40 = dataclasses.replace(spec, deltas=1)
# print(moving40.output_shape())          # twice the features per frame: 80
# third = extract_features(rows, data.root, moving40, cache_dir=cache)
# print(third.hits)                       # 0: the key holds every parameter of the spec
# ```
#
# The cache key includes every field of the spec, so a changed spec can never reuse stale
# files; a second call with `moving40` would then hit every clip.
# </details>
#
# <details><summary>Solution 2</summary>
#
# ```python
# import numpy as np
#
# clip_means = pd.DataFrame(first.x.mean(axis=1), index=first.rows.index)
# by_speaker = clip_means.groupby(first.rows["speaker"]).mean()
# by_emotion = clip_means.groupby(first.rows["label"]).mean()
# print("spread of speaker means:", float(np.linalg.norm(by_speaker.std())))
# print("spread of emotion means:", float(np.linalg.norm(by_emotion.std())))
# ```
#
# The speaker means usually spread further than the emotion means: MFCCs describe the
# voice first and the emotion second. That is why per-speaker normalisation (subtract each
# speaker's mean, `06_unseen_speakers`) helps so much on unseen speakers.
# </details>
#
# <details><summary>Solution 3</summary>
#
# ```python
# import numpy as np
#
# plain = np.gradient(stack[:, 1])
# smooth = stack[:, 14]
# print("correlation:", np.corrcoef(plain, smooth)[0, 1])
# plt.figure(figsize=(10, 3))
# plt.plot(frame_times, plain, label="np.gradient", linewidth=0.8)
# plt.plot(frame_times, smooth, label="librosa.feature.delta", linewidth=0.8)
# plt.xlabel("time (s)")
# plt.legend()
# ```
#
# A one-frame difference is dominated by frame-to-frame noise; librosa fits a local
# polynomial over 9 frames (fewer for very short clips), which keeps the slower movement
# of the voice and damps the noise.
# </details>
