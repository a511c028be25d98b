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
DATA_ROOT = notebook.home() / "data"
SEED = 0
SPEC = "paper000"   # 40 MFCCs, 25 ms frames, 10 ms hop, 22,050 Hz, 3 s clips

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd

from sermodels import features
from sermodels.audio import load_audio
from sermodels.features import FeatureSpec, get_spec

data = notebook.get_data(DATA_ROOT, seed=SEED)
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
