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
DATA_ROOT = notebook.home() / "data"   # put (or download) the corpora here
CORPORA = ["cremad", "ravdess", "tess", "savee"]
SEED = 0
USE_KAGGLE = False    # True: download every corpus from its Kaggle mirror (needs kagglehub + credentials)
USE_DIRECT = False    # True: download RAVDESS (Zenodo) and TESS (Borealis) directly

# %% [markdown]
# ## 1. Get the corpora
#
# The four corpora are free for research but are not redistributed with sermodels. Each
# comes from its publisher or from a Kaggle mirror whose folder layout differs from the
# original (extra top-level folders, duplicated sub-trees, flat SAVEE). sermodels reads
# both layouts, so download them however suits you and unpack them under `DATA_ROOT`.

# %%
from sermodels import download

for corpus, how in download.HOW_TO_GET.items():
    print(f"{corpus:8s} {how}")

# %% [markdown]
# The helpers resume interrupted downloads and check what they unpacked against the
# shipped manifests. In Colab you can also upload a zip and pass its path as `source`.

# %%
if USE_KAGGLE:
    for corpus in CORPORA:
        print(download.download(corpus, DATA_ROOT, source="kaggle").check)
if USE_DIRECT:
    for corpus in ("ravdess", "tess"):
        print(download.download(corpus, DATA_ROOT, source="direct").check)

# %% [markdown]
# `verify` compares what you have with every file each release should contain (the shipped
# `data_manifests/`): expected, present, missing, unexpected.

# %%
from sermodels.verify import to_frame, verify

to_frame(verify(DATA_ROOT)) if DATA_ROOT.is_dir() else print(f"{DATA_ROOT} does not exist yet")

# %% [markdown]
# ## 2. Load and harmonise
#
# `get_data` loads the real corpora if they are under `DATA_ROOT`; otherwise it says how to
# get them and continues on a synthetic corpus written in the same layouts and file-name
# conventions, so everything below still runs. The loader tells the corpora apart by their
# file names, loads duplicated sub-trees once, and lists every file it skipped, by name.

# %%
data = notebook.get_data(DATA_ROOT, CORPORA, seed=SEED)
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
# ## 3. Why speakers must not be shared
#
# A model that has heard a speaker in training can recognise *the voice* instead of
# *the emotion*. The papers that report 96-99% mostly split utterances at random, so
# the same actors (and, in TESS and RAVDESS, the same sentences) are in training and
# test. sermodels splits speakers per corpus (70/10/20, paper 000's Table 4) and ships
# that assignment, so everyone gets the same split.

# %%
frame.groupby(["corpus", "split"])["speaker"].nunique().unstack(fill_value=0)

# %%
from sermodels import splits

leaky = splits.apply_protocol(frame, "random", seed=SEED)
shared = splits.speaker_overlap(leaky)
print(f"random split: {len(shared)} of {frame['speaker'].nunique()} speakers are in training AND test")
print(f"speaker split: {len(splits.speaker_overlap(frame))} speakers shared")

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
