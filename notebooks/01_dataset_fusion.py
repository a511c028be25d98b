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
# # **01 · Dataset fusion: four corpora, seven emotions, honest splits**
#
# *Run time. CPU, smoke mode (CI, small synthetic corpus): 30 s the first time (it writes
# the synthetic corpus), 12 s after, measured. CPU, full mode: 8 s,
# measured once on real RAVDESS + TESS (2026-11-25, 2 cores), plus the first download
# (several hundred MB, minutes). T4 GPU (estimated): the
# same, nothing here uses the GPU.*
#
# Load CREMA-D, RAVDESS, TESS and SAVEE, map their labels onto seven emotions, build one
# manifest, and see why the split must keep speakers apart.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sermodels/sermodels/blob/main/notebooks/01_dataset_fusion.ipynb)

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
#
# One cell of constants: change them here, nowhere else.

# %%
SMOKE = notebook.smoke_mode()
DATA_ROOT = notebook.home() / "data"   # where the corpora are (or get downloaded to)
CORPORA = ["cremad", "ravdess", "tess", "savee"]
SEED = 0
USE_DRIVE = False     # True: keep the data on Google Drive (MyDrive/sermodels/data), Colab only
KAGGLE = ()           # e.g. ("cremad", "savee"): get them from Kaggle (Colab secrets, see below)

# %% [markdown]
# ## Data: every notebook gets its own
#
# Each Colab notebook runs on a fresh machine, so each one fetches its data itself. The
# next cell downloads **RAVDESS** (speech, 24 actors) and **TESS** (2 actresses) into
# `DATA_ROOT` when they are not there yet: public archives, no account, a few minutes.
#
# - **Keep them between sessions:** set `USE_DRIVE = True`. Colab asks to connect your
#   Google Drive and the corpora go to `MyDrive/sermodels/data`, where every notebook finds
#   them next time (no second download).
# - **CREMA-D and SAVEE** exist only as Kaggle mirrors. On kaggle.com: *Settings > API >
#   Create New Token*. In Colab: the key icon in the left bar, add two secrets
#   `KAGGLE_USERNAME` and `KAGGLE_KEY` with the token's values and allow this notebook
#   to read them. Then set `KAGGLE = ("cremad", "savee")`. (From a terminal:
#   `sermodels download cremad --source kaggle --dest DATA_ROOT`.)
# - **No network, or a download fails?** The notebook carries on with the *hard* synthetic
#   corpus and says so in a red box: its numbers are about synthetic tones, not speech.

# %%
data = notebook.course_data(DATA_ROOT, CORPORA, seed=SEED, drive=USE_DRIVE, kaggle=KAGGLE)

# %% [markdown]
# ## 1. The corpora
#
# The four corpora are free for research but are not redistributed with sermodels. Each
# comes from its publisher or from a Kaggle mirror whose folder layout differs from the
# original (extra top-level folders, duplicated sub-trees, flat SAVEE). sermodels reads
# both layouts, so you may also download them yourself and unpack them under `DATA_ROOT`
# (or upload a zip and call `download.download(corpus, DATA_ROOT, source="my.zip")`).

# %%
from sermodels import download

for corpus, how in download.HOW_TO_GET.items():
    print(f"{corpus:8s} {how}")

# %% [markdown]
# `verify` compares what you have with every file each release should contain (the shipped
# `data_manifests/`): expected, present, missing, unexpected. On the synthetic fallback only
# a few speakers exist, so most files show as missing.

# %%
from sermodels.verify import to_frame, verify

to_frame(verify(data.root))

# %% [markdown]
# ## 2. Load and harmonise
#
# The data cell returned the manifest: one row per utterance. The loader tells the corpora
# apart by their file names, loads duplicated sub-trees once, and lists every file it
# skipped, by name. `data.real_corpora` and `data.synthetic_corpora` say which is which.

# %%
print(f"real: {data.real_corpora}, synthetic: {data.synthetic_corpora}, missing: {data.missing}")
print(data.summary)
frame = data.frame
frame.head()

# %% [markdown]
# Each corpus has its own labels. Paper 000's unified set keeps seven emotions: RAVDESS
# *calm* becomes *neutral*, TESS *pleasant surprise* and RAVDESS *surprised* become
# *surprise*. Papers 003/004 drop *calm* instead (`unified7_nocalm`); the native sets
# (e.g. RAVDESS 8-class) stay available.

# %%
import pandas as pd

from sermodels import labels

pd.DataFrame([
    {"corpus": corpus, "native": native,
     "unified7": labels.get("unified7").map(corpus, native),
     "unified7_nocalm": labels.get("unified7_nocalm").map(corpus, native)}
    for corpus in labels.CORPORA for native in labels.NATIVE_LABELS[corpus]
]).pivot_table(index="native", columns="corpus", values="unified7", aggfunc="first")

# %% [markdown]
# Files per corpus and emotion (paper 000's Table 3). CREMA-D has no *surprise*, so that
# class is small: we will balance it later, on the training split only.

# %%
from sermodels import manifest, plots

manifest.count_table(frame)

# %%
fig = plots.class_distribution(frame["label"].value_counts().sort_index(),
                               title="Utterances per emotion, four corpora fused")

# %%
MANIFEST = notebook.home() / "manifest.csv"
manifest.write_manifest(frame, MANIFEST)
print(f"wrote {MANIFEST}: {len(frame)} rows, columns {list(frame.columns)}")

# %% [markdown]
# ## 3. Listen and look: one clip per emotion
#
# Before any model, listen. Below is one clip of each emotion (the first in the manifest),
# its waveform and its log-mel spectrogram: time left to right, low to high pitch bottom to
# top, loudness as colour. Anger is loud and bright (energy high up), sadness quiet and
# dark; but the differences *between speakers* are often as large as those between
# emotions, which is the whole difficulty of the task.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Audio, display

from sermodels.audio import load_audio
from sermodels.features import extract, get_spec

look = get_spec("logmel64", audio={"duration": None})   # the whole clip, 64 mel bands
sr = look.audio.sample_rate
examples = frame.sort_values(["label", "corpus", "path"]).groupby("label").head(1)
fig, axes = plt.subplots(2, len(examples), figsize=(2.4 * len(examples), 4.8), squeeze=False)
clips = {}
for i, row in enumerate(examples.itertuples()):
    y = load_audio(data.root / row.path, look.audio)
    clips[row.label] = (y, f"{row.corpus} {row.speaker} ({row.gender})")
    seconds = len(y) / sr
    axes[0, i].plot(np.arange(len(y)) / sr, y, linewidth=0.4)
    axes[0, i].set_title(f"{row.label}\n{row.corpus}, {row.gender}", fontsize=9)
    axes[0, i].set_ylim(-1, 1)
    axes[1, i].imshow(extract(y, look).T, origin="lower", aspect="auto", cmap="magma",
                      extent=(0, seconds, 0, look.n_mels))
    axes[1, i].set_xlabel("time (s)")
axes[0, 0].set_ylabel("amplitude")
axes[1, 0].set_ylabel("mel band")
fig.suptitle("One clip per emotion: waveform (top) and log-mel spectrogram (bottom)")
fig.tight_layout()

# %%
for label, (y, who) in clips.items():
    print(f"{label}: {who}")
    display(Audio(y, rate=sr))

# %% [markdown]
# ### Who is speaking?
#
# The corpora differ in who speaks, not only in how much: TESS is two actresses (all
# female), SAVEE four actors (all male). A model can then learn "female voice from TESS"
# instead of an emotion, and any result on TESS alone rests on two voices.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3))
for ax, (what, table) in zip(axes, {
    "speakers": frame.groupby(["corpus", "gender"])["speaker"].nunique().unstack(fill_value=0),
    "utterances": frame.groupby(["corpus", "gender"]).size().unstack(fill_value=0),
}.items(), strict=True):
    table.plot.barh(stacked=True, ax=ax, color={"female": "tab:red", "male": "tab:blue"})
    ax.set_title(f"{what} per corpus and gender")
    ax.set_xlabel(what)
    ax.set_ylabel("")
fig.tight_layout()

# %% [markdown]
# ## 4. Why speakers must not be shared
#
# A model that has heard a speaker in training can recognise *the voice* instead of
# *the emotion*. Under a random split of utterances the same actors (and, in TESS and
# RAVDESS, the same sentences) are in training and test; on TESS's clips a random split of
# RAVDESS + TESS gives 91% to 100% unweighted accuracy for every system sermodels recorded,
# paper 000's CNN-LSTM included (`benchmarks/results/real/results.json`, seed 0), against
# 31% to 81% on RAVDESS's. Of the five papers sermodels reproduces, papers 002
# (96.36%) and 003 (98%) state random or speaker-dependent splits, paper 001 (96.97%)
# does not state its split, and papers 000 (99.13%) and 004 (98.10%) state
# speaker-independent ones but report numbers far above the published speaker-independent
# references (RAVDESS 8-class 70-75% with large self-supervised models); notebook 07 puts
# each claim next to what we measure. sermodels splits speakers per corpus (70/10/20,
# paper 000's Table 4) and ships that assignment, so everyone gets the same split.

# %%
frame.groupby(["corpus", "split"])["speaker"].nunique().unstack(fill_value=0)

# %%
from sermodels import splits

leaky = splits.apply_protocol(frame, "random", seed=SEED)
shared = splits.speaker_overlap(leaky)
print(f"random split: {len(shared)} of {frame['speaker'].nunique()} speakers are in training AND test")
print(f"speaker split: {len(splits.speaker_overlap(frame))} speakers shared")

# %% [markdown]
# On real RAVDESS and TESS, how large is the gap? The benchmark `benchmarks/real.py`
# recorded it for the recommended system (numbers read from the recorded outputs shipped
# with sermodels, not typed in; "not measured yet" until that run is recorded):

# %%
from sermodels import recorded

for protocol in ("random", "canonical"):
    try:
        entry = recorded.real_result("recommended", protocol)
        print(f"{protocol:9s} unweighted accuracy {entry['ua']:.1%} - {entry['protocol_description']}; "
              f"{'+'.join(entry['corpora'])}, {entry['label_set']}, seed {entry['seed']}")
    except (KeyError, FileNotFoundError):
        print(f"{protocol:9s} not measured yet")

# %% [markdown]
# The checks below are the assertions this notebook stands on (CI verifies them).

# %%
# NBVAL_CHECK_OUTPUT
assert splits.speaker_overlap(frame) == {}
assert len(splits.speaker_overlap(leaky)) > 0
assert set(frame["label"]) <= set(labels.UNIFIED7)

# %% [markdown]
# **Take-away.** One manifest describes every utterance: path, corpus, speaker, gender,
# native and unified label, split and fold. Its split is speaker-independent, so the
# numbers you get later measure what matters in practice: emotions of people the model
# has never heard. Next: `02_augmentation.ipynb`.

# %% [markdown]
# ## Exercises
#
# 1. **Speakers per split.** For each corpus and gender, how many speakers are in the
#    training, validation and test splits? Which test set has no male speaker?
# 2. **TESS alone.** Split TESS by speaker. How many speakers does each split get, and what
#    could a "speaker-independent" accuracy measured on TESS alone tell you?
# 3. **Dropping calm.** Papers 003/004 use `unified7_nocalm`. How many utterances does that
#    label set leave out, and from which corpus?
# 4. **Same sentence, same speaker.** Under the random split, what share of the test clips
#    has a training clip by the same speaker saying the same sentence (`statement` for
#    CREMA-D/RAVDESS/SAVEE, `word` for TESS)?

# %% [markdown]
# <details><summary>Solution 1</summary>
#
# ```python
# frame.groupby(["corpus", "gender", "split"])["speaker"].nunique().unstack(fill_value=0)
# ```
#
# TESS has only female and SAVEE only male speakers, so TESS's test speaker is a woman and
# SAVEE's test speaker a man whatever the seed; per corpus, the test set is one voice type.
# </details>
#
# <details><summary>Solution 2</summary>
#
# ```python
# tess = splits.apply_protocol(frame[frame["corpus"] == "tess"], "speaker", seed=SEED)
# tess.groupby("split")["speaker"].unique()
# ```
#
# Two speakers cannot fill three splits: one actress trains, the other is the whole test
# set (and nothing is left for validation). The result is one voice's accuracy, with no
# way to tell the model from the speaker; TESS-only numbers of 99% under a random split
# say even less, as both voices are in training.
# </details>
#
# <details><summary>Solution 3</summary>
#
# ```python
# kept = manifest.select(frame, "unified7_nocalm")
# dropped = frame[~frame["path"].isin(kept["path"])]
# print(len(dropped), dropped.groupby(["corpus", "native_label"]).size())
# ```
#
# Only RAVDESS has *calm* (192 clips on the full corpus: 24 actors x 8 takes).
# </details>
#
# <details><summary>Solution 4</summary>
#
# ```python
# leaky_sentence = leaky["statement"].fillna("").astype(str) + leaky["word"].fillna("").astype(str)
# key = leaky["speaker"] + "/" + leaky_sentence
# seen = set(key[leaky["split"] == "train"])
# test = key[leaky["split"] == "test"]
# print(f"{test.isin(seen).mean():.0%} of the random split's test clips")
# ```
#
# Most of them (about two thirds on the small synthetic corpus; more on the real ones,
# where each RAVDESS actor says only two sentences): in a random split the model has
# already heard the same voice say the same words, so it can match recordings instead of
# recognising emotion. Under the speaker split the share is 0 by construction.
# </details>
