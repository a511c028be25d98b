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
# # **04 · Training the models of paper 000: DNN, 1D-CNN, CNN-LSTM**
#
# Build the three networks of paper 000, train them on unseen-speaker splits with early
# stopping, and read their learning curves.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sermodels/sermodels/blob/main/notebooks/04_training.ipynb)

# %% [markdown]
# ## Setup
#
# In Colab the first cell installs sermodels (elsewhere, install it once with
# `pip install -e .` from the repository). The second checks versions, seeds everything and
# tells you whether a GPU is available. Set the environment variable `SERMODELS_SMOKE=1` to
# run on a small synthetic corpus with few epochs (that is how CI runs every notebook).

# %%
import sys

if "google.colab" in sys.modules:
    print("Installing sermodels from GitHub into this Colab runtime...")
    # %pip install -q "sermodels @ git+https://github.com/sermodels/sermodels@main"

# %%
from sermodels import notebook

VERSIONS = notebook.setup(seed=0)

# %% [markdown]
# ## Configuration

# %%
SMOKE = notebook.smoke_mode()
DATA_ROOT = notebook.home() / "data"
SEED = 0
SPEC = "mfcc40"     # 40 MFCCs, z-scored with training statistics
MODELS = ["dnn", "cnn1d", "cnn_lstm"]
EPOCHS = 2 if SMOKE else 20

# %%
import pandas as pd

from sermodels import models, plots
from sermodels.features import get_spec
from sermodels.training import TrainConfig, train

data = notebook.get_data(DATA_ROOT, seed=SEED)
spec = get_spec(SPEC)
shape = spec.output_shape()
print(f"input: {shape} (frames x MFCCs); registered models: {', '.join(models.names())}")

# %% [markdown]
# ## 1. The architectures
#
# Each builder follows the paper's table and documents where the paper contradicts
# itself. The CNN-LSTM: two Conv1D + MaxPool blocks find local spectral patterns, two
# LSTMs follow them over time, a small dense head classifies (632,519 parameters with
# 40 MFCCs; the paper says "about 620K").

# %%
for name in MODELS:
    model = models.build(name, shape, 7)
    print(f"{name}: {model.count_params():,} parameters")
models.build("cnn_lstm", shape, 7).summary()

# %% [markdown]
# ## 2. Training
#
# `train` fits the normaliser on the training split only, stops early on the
# validation split (held-out *speakers*), reduces the learning rate on plateaus, weights
# classes by inverse frequency and writes every artefact to a run folder.

# %%
results = {}
for name in MODELS:
    config = TrainConfig(model=name, epochs=EPOCHS, seed=SEED, verbose=0)
    results[name] = train(data.frame, data.root, spec, config, cache_dir=notebook.cache_dir(),
                          run_dir=notebook.runs_dir() / f"04-{name}")
    m = results[name].metrics
    print(f"{name:9s} unseen speakers: accuracy {m['accuracy']:.3f}, "
          f"unweighted {m['unweighted_accuracy']:.3f} (chance {m['chance_uniform']:.3f}), "
          f"{m['epochs_run']} epochs")

# %%
for name, result in results.items():
    fig = plots.learning_curves(result.history, title=name)

# %%
pd.DataFrame([{k: r.metrics[k] for k in ("model", "protocol", "accuracy", "unweighted_accuracy",
                                          "macro_f1", "epochs_run", "seed")} for r in results.values()])

# %%
# NBVAL_CHECK_OUTPUT
assert all(r.metrics["protocol"] == "speaker" for r in results.values())
assert all((r.run_dir / "model.keras").is_file() for r in results.values())

# %% [markdown]
# **Reading the curves.** When training accuracy climbs and validation accuracy stalls,
# the model is learning the training *speakers*. Early stopping keeps the epoch with the
# best validation loss. Next: `05_evaluation.ipynb`.
