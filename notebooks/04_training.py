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
# # **04 · Training the models of paper 000: DNN, 1D-CNN, CNN-LSTM, in Keras**
#
# *Run time: CPU, smoke mode 2 min, 30 s with the features cached (measured, 2 cores);
# CPU, full mode on real RAVDESS + TESS 5.8 min, measured once (2026-11-25, 2 cores, after
# notebooks 01-03 and 08 had filled part of the feature cache);
# T4 GPU, full mode a few minutes (estimated: the training is faster, the feature
# extraction on Colab's 2 CPUs is not).*
#
# Write paper 000's CNN-LSTM layer by layer in Keras, feed it through a `tf.data` pipeline,
# fit it on unseen-speaker splits with early stopping, and check it is exactly the model
# sermodels builds; then build the CNN-BiLSTM (fitting it is exercise 1), fit the
# soft-attention model, and look at its attention weights.
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
SPEC = "mfcc40"     # 40 MFCCs, z-scored with training statistics
LABEL_SET = "unified7"
MODELS = ["dnn", "cnn1d", "cnn_lstm"]
EPOCHS = 2 if SMOKE else 20
BATCH_SIZE = 32
USE_DRIVE = False   # Colab: True keeps the corpora on Google Drive, so they survive the runtime
KAGGLE = []         # e.g. ["cremad", "savee"]: fetched from Kaggle (see 01_dataset_fusion)

# %% [markdown]
# ## Data
#
# RAVDESS speech and TESS are downloaded into `DATA_ROOT` when missing (no account
# needed). If that is impossible the notebook says so in a red banner and continues on the
# *hard* synthetic corpus, so "Run all" never stops; numbers on synthetic audio only
# illustrate the method.

# %%
data = notebook.course_data(DATA_ROOT, drive=USE_DRIVE, kaggle=KAGGLE, seed=SEED)

# %%
import numpy as np
import pandas as pd

from sermodels import labels, manifest, models, plots
from sermodels.features import get_spec
from sermodels.training import TrainConfig, train

spec = get_spec(SPEC)
shape = spec.output_shape()
print(f"input: {shape} (frames x MFCCs); registered models: {', '.join(models.names())}")

# %% [markdown]
# ## 1. From the feature cache to a `tf.data` pipeline
#
# Features are computed once per clip and kept as `.npy` files in a cache keyed by the
# clip and every extraction parameter, so a second run (or a second notebook) reads arrays
# instead of decoding audio. `extract_features` returns them stacked: `x[i]` belongs to
# manifest row `rows.iloc[i]`. The label set maps each corpus's labels onto 7 classes.

# %%
from sermodels.cache import extract_features
from sermodels.features import Normalizer

selected = manifest.select(data.frame, LABEL_SET)  # adds `target` (class name) and `y` (index)
features = extract_features(selected, data.root, spec, cache_dir=notebook.cache_dir(),
                            progress=False)
x_raw, rows = features.x, features.rows
y = rows["y"].to_numpy()
split = rows["split"].to_numpy()
classes = labels.get(LABEL_SET).classes  # class names in the order of the model's outputs
print(f"{x_raw.shape[0]} clips of {x_raw.shape[1:]}; {features.hits} read from the cache")
print(rows.groupby("split")["speaker"].nunique().rename("speakers").to_frame().T)

# %% [markdown]
# The normaliser learns its mean and standard deviation on the **training split only**:
# fitting it on all clips would let test statistics leak into training. Then each split
# becomes a `tf.data.Dataset`: shuffled every epoch (training only), batched, and
# prefetched so the next batch is ready while the model works on this one.

# %%
import tensorflow as tf

normalizer = Normalizer("zscore").fit(x_raw[split == "train"])
x = normalizer.transform(x_raw)
train_ds = (tf.data.Dataset.from_tensor_slices((x[split == "train"], y[split == "train"]))
            .shuffle(int((split == "train").sum()), seed=SEED)
            .batch(BATCH_SIZE)
            .prefetch(tf.data.AUTOTUNE))
val_ds = (tf.data.Dataset.from_tensor_slices((x[split == "val"], y[split == "val"]))
          .batch(BATCH_SIZE)
          .prefetch(tf.data.AUTOTUNE))
batch_x, batch_y = next(iter(train_ds))
print(f"one training batch: features {batch_x.shape}, labels {batch_y.shape}")

# %% [markdown]
# ## 2. Paper 000's CNN-LSTM, layer by layer
#
# Two Conv1D + MaxPool blocks find local spectral patterns (a kernel of 3 frames is 30 ms)
# and halve the time axis twice; two LSTMs follow what they found over time, the second
# keeping only its last state; a small dense head classifies. The cell below is the body of
# `sermodels.models.paper000.build_cnn_lstm` with its defaults written out: a *teaching
# copy*, and `tests/test_notebooks.py` runs this very cell and checks it equals the
# library's builder.

# %%
import keras
from keras import layers, ops

input_shape, num_classes = x.shape[1:], len(classes)

# %%
# TEACHING COPY of models.build("cnn_lstm"), tested equal to the library's
inputs = keras.Input(shape=input_shape, name="features")        # (frames, 40 MFCCs)
h = layers.Conv1D(64, 3, activation="relu", name="conv1")(inputs)
h = layers.MaxPooling1D(2, name="pool1")(h)                      # half the frames
h = layers.Conv1D(128, 3, activation="relu", name="conv2")(h)
h = layers.MaxPooling1D(2, name="pool2")(h)
h = layers.LSTM(256, return_sequences=True, name="lstm1")(h)    # one output per time step
h = layers.LSTM(128, name="lstm2")(h)                            # the last state only
h = layers.Dense(64, activation="relu", name="dense")(h)
h = layers.Dropout(0.3, name="dropout")(h)
# float32 output: the softmax stays exact when a GPU trains in mixed precision
outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(h)
cnn_lstm = keras.Model(inputs, outputs, name="cnn_lstm")

# %%
cnn_lstm.summary()

# %% [markdown]
# **Compile and fit.** Adam at 1e-3 as in the paper; the labels are class indices, so the
# loss is the *sparse* categorical cross-entropy. Early stopping watches the loss on the
# validation speakers (people the model never trains on) and restores the best epoch's
# weights. sermodels' `train` also weights classes and reduces the learning rate on
# plateaus (section 5); here it is the bare recipe.

# %%
keras.utils.set_random_seed(SEED)
cnn_lstm.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
history = cnn_lstm.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, verbose=2,
                       shuffle=False,  # the pipeline shuffles; fit cannot shuffle a Dataset
                       callbacks=[keras.callbacks.EarlyStopping("val_loss", patience=5,
                                                                restore_best_weights=True)])
fig = plots.learning_curves(pd.DataFrame(history.history), title="CNN-LSTM written in the notebook")

# %%
from sermodels.evaluation import unweighted_accuracy

predicted = cnn_lstm.predict(x[split == "test"], verbose=0).argmax(axis=1)
ua = unweighted_accuracy(y[split == "test"], predicted)
print(f"unseen test speakers: unweighted accuracy {ua:.3f} (chance {1 / num_classes:.3f})")

# %% [markdown]
# **Is it the same model?** Same number of parameters and the same weight shapes, layer by
# layer, as `models.build("cnn_lstm", ...)`; the library version is what `train`, the
# command line and the paper presets use.

# %%
# NBVAL_CHECK_OUTPUT
library = models.build("cnn_lstm", input_shape, num_classes)
assert cnn_lstm.count_params() == library.count_params()
assert [w.shape for w in cnn_lstm.weights] == [w.shape for w in library.weights]
print(f"teaching copy = library builder: {library.count_params():,} parameters")

# %% [markdown]
# ## 3. The CNN-BiLSTM (paper 002)
#
# Paper 002 feeds one time-averaged log-mel vector (128 numbers) and reads it as a
# sequence of 128 one-channel steps. A *bidirectional* LSTM reads that sequence both
# ways and concatenates the two final states (64 + 64).

# %%
bilstm_spec = get_spec("paper002")
input_shape = bilstm_spec.output_shape()
print(f"paper 002's input: {input_shape} (time-averaged log-mel bands)")

# %%
# TEACHING COPY of models.build("cnn_bilstm"), tested equal to the library's
inputs = keras.Input(shape=input_shape, name="features")
h = layers.Reshape((input_shape[0], 1), name="as_sequence")(inputs)  # 128 steps, 1 channel
h = layers.Conv1D(32, 3, activation="relu", padding="same", name="conv")(h)
h = layers.MaxPooling1D(2, name="pool")(h)
h = layers.Dropout(0.5, name="dropout")(h)
h = layers.Bidirectional(layers.LSTM(64), name="bilstm")(h)     # forward and backward states
h = layers.Dense(64, activation="relu", name="dense")(h)
outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(h)
cnn_bilstm = keras.Model(inputs, outputs, name="cnn_bilstm")

# %% [markdown]
# ## 4. Soft attention (paper 004): where in the clip does the model listen?
#
# Paper 004 replaces "keep the last LSTM state" with a weighted average of *all* states:
# each time step `t` gets a score `e_t = tanh(W h_t + b)`, a softmax over time turns the
# scores into weights `alpha_t` that sum to 1, and the clip is `v = sum_t alpha_t h_t`
# (its equations 5-6). The features are 13 MFCCs + RMS energy with their deltas and
# delta-deltas, each z-scored within its own utterance, 400 frames (4 s).
#
# The library packs the three attention lines into one layer, `SoftAttention`
# (`sermodels/models/layers.py`), so saved models carry it; written with stock layers
# here, the weights `alpha` are the output of a layer we can read.

# %%
attention_spec = get_spec("paper004")
attention_features = extract_features(selected, data.root, attention_spec,
                                      cache_dir=notebook.cache_dir(), progress=False)
xa, ya = attention_features.x, attention_features.rows["y"].to_numpy()
split_a = attention_features.rows["split"].to_numpy()
input_shape = xa.shape[1:]
print(f"paper 004's input: {input_shape} (frames x features)")

# %%
# TEACHING COPY of models.build("cnn_bilstm_attention"), tested equal to the library's
inputs = keras.Input(shape=input_shape, name="features")
h = inputs
for i, (filters, kernel) in enumerate([(64, 3), (128, 5), (256, 7)], start=1):
    h = layers.Conv1D(filters, kernel, padding="same", name=f"conv{i}")(h)
    h = layers.PReLU(shared_axes=[1], name=f"prelu{i}")(h)   # one learned slope per channel
    h = layers.MaxPooling1D(2, name=f"pool{i}")(h)
    h = layers.Dropout(0.3, name=f"dropout{i}")(h)
h = layers.Bidirectional(layers.LSTM(64, return_sequences=True), name="bilstm")(h)
e = layers.Dense(1, activation="tanh", name="attention_score")(h)     # e_t = tanh(W h_t + b)
alpha = layers.Softmax(axis=1, name="attention_weights")(e)          # sums to 1 over time
h = ops.sum(h * alpha, axis=1)                                        # v = sum_t alpha_t h_t
for i, units in enumerate([128, 64], start=1):
    h = layers.Dense(units, name=f"dense{i}")(h)
    h = layers.PReLU(name=f"dense{i}_prelu")(h)
    h = layers.Dropout(0.3, name=f"dense{i}_dropout")(h)
outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(h)
attention_model = keras.Model(inputs, outputs, name="cnn_bilstm_attention")

# %% [markdown]
# Same pipeline, same fit. The features are already normalised per utterance, so no
# normaliser is fitted.

# %%
keras.utils.set_random_seed(SEED)
attention_train = (tf.data.Dataset.from_tensor_slices((xa[split_a == "train"], ya[split_a == "train"]))
                   .shuffle(int((split_a == "train").sum()), seed=SEED)
                   .batch(BATCH_SIZE).prefetch(tf.data.AUTOTUNE))
attention_val = (tf.data.Dataset.from_tensor_slices((xa[split_a == "val"], ya[split_a == "val"]))
                 .batch(BATCH_SIZE).prefetch(tf.data.AUTOTUNE))
attention_model.compile(optimizer=keras.optimizers.Adam(1e-3),
                        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
attention_history = attention_model.fit(
    attention_train, validation_data=attention_val, epochs=EPOCHS, verbose=2, shuffle=False,
    callbacks=[keras.callbacks.EarlyStopping("val_loss", patience=5, restore_best_weights=True)])

# %% [markdown]
# **Reading the weights.** A second `keras.Model` shares the trained layers but stops at the
# attention weights: one weight per time step after three poolings, each aligned with 8
# input frames (80 ms). After the bidirectional LSTM every step's state has seen the whole
# clip, so a weight says which *positions' summaries* the model uses, not strictly which
# 80 ms it hears: read the profile as a rough guide. A flat profile (the dashed line) means
# the model averages over the clip; peaks show the positions it relies on. Watch the zero
# padding after the end of the speech (the flat band in the upper panel): nothing in this
# layer tells it that padding is silence (there is no mask), so an undertrained model may
# well put its weight there, as it does after the two epochs of smoke mode. A trained
# model learns to give it little weight; exercise 3 measures how much.

# %%
attention_weights = keras.Model(attention_model.input,
                                attention_model.get_layer("attention_weights").output)
clip = int(np.flatnonzero(split_a == "test")[0])
alpha_clip = attention_weights.predict(xa[clip:clip + 1], verbose=0)[0, :, 0]
row = attention_features.rows.iloc[clip]
probabilities = attention_model.predict(xa[clip:clip + 1], verbose=0)[0]
fig = plots.attention_over_time(
    xa[clip], alpha_clip, hop_seconds=attention_spec.hop_ms / 1000,
    title=f"{row['corpus']} speaker {row['speaker']}, '{row['target']}'; "
          f"predicted '{classes[int(probabilities.argmax())]}'")

# %% [markdown]
# **Same model as the library's?** The library's `SoftAttention` layer holds exactly the
# two tensors of the `attention_score` Dense layer (`W` and `b`). Copy the trained weights
# into the library's model and it predicts the same probabilities.

# %%
# NBVAL_CHECK_OUTPUT
for copy, name, shape_used in [(cnn_bilstm, "cnn_bilstm", bilstm_spec.output_shape()),
                               (attention_model, "cnn_bilstm_attention", input_shape)]:
    library = models.build(name, shape_used, num_classes)
    assert copy.count_params() == library.count_params(), name
    assert [w.shape for w in copy.weights] == [w.shape for w in library.weights], name
    print(f"{name}: teaching copy = library builder, {library.count_params():,} parameters")
library.set_weights(attention_model.get_weights())
same = np.allclose(library.predict(xa[:4], verbose=0), attention_model.predict(xa[:4], verbose=0),
                   atol=1e-5)
assert same
print("trained weights copied into the library's model: same predictions")

# %% [markdown]
# ## 5. The same, in one call: `train`
#
# `train` does all of the above for any registered model, and a little more: it fits the
# normaliser on the training split only, stops early on the validation split (held-out
# *speakers*), reduces the learning rate on plateaus, weights classes by inverse frequency
# and writes every artefact (model, history, metrics, report) to a run folder.
# The three networks of paper 000. The CNN-LSTM is section 2's; here are the other two, as
# `models.build` makes them (`sermodels/models/paper000.py`), for the same MFCC sequences.
# Paper 000's **DNN** flattens the whole sequence into one vector and stacks seven Dense(50)
# layers: it sees every frame at a fixed position, so a word said 100 ms later is a
# different input to it.

# %%
input_shape = shape   # (frames, MFCCs): the features `train` uses below

# %%
# TEACHING COPY of models.build("dnn")
inputs = keras.Input(shape=tuple(input_shape), name="features")
x = layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
for i in range(1, 8):
    x = layers.Dense(50, activation="relu", name=f"dense{i}")(x)
outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)
dnn = keras.Model(inputs, outputs, name="dnn")
print(f"DNN: {dnn.count_params():,} parameters")

# %% [markdown]
# Its **1D-CNN** slides 256, 128 and 128 filters of width 3 along time (each followed by
# max-pooling by 2), then flattens and classifies with Dense(64) and Dense(32): the same
# filter finds a pattern wherever it occurs, but Flatten still ties the answer to positions.

# %%
# TEACHING COPY of models.build("cnn1d")
inputs = keras.Input(shape=tuple(input_shape), name="features")
x = inputs
for i, n in enumerate((256, 128, 128), 1):
    x = layers.Conv1D(n, 3, activation="relu", padding="same", name=f"conv{i}")(x)
    x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
x = layers.Flatten(name="flatten")(x)
for i, n in enumerate((64, 32), 1):
    x = layers.Dense(n, activation="relu", name=f"dense{i}")(x)
outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)
cnn1d = keras.Model(inputs, outputs, name="cnn1d")
print(f"1D-CNN: {cnn1d.count_params():,} parameters")

# %%
# NBVAL_CHECK_OUTPUT
for copy in (dnn, cnn1d):
    library = models.build(copy.name, input_shape, num_classes)
    assert [w.shape for w in copy.weights] == [w.shape for w in library.weights]
    print(f"{copy.name}: teaching copy = library builder, {library.count_params():,} parameters")

# %%
for name in MODELS:
    print(f"{name}: {models.build(name, shape, num_classes).count_params():,} parameters")

# %%
results = {}
for name in MODELS:
    config = TrainConfig(model=name, label_set=LABEL_SET, epochs=EPOCHS, seed=SEED, verbose=0)
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

# %% [markdown]
# ## Exercises
#
# 1. **Fit the CNN-BiLSTM.** Extract paper 002's features (`bilstm_spec`), normalise them
#    with a z-score fitted on the training split, build the `tf.data` pipelines and fit
#    `cnn_bilstm` as in section 2. How does it compare with the CNN-LSTM on unseen speakers?
# 2. **One LSTM or two?** Change the teaching copy to a single `LSTM(256)` (no
#    `return_sequences`). How many parameters does it lose, and which library call builds
#    the same model?
# 3. **Where is the padding?** In the attention plot, find where the clip's features end
#    (zero padding after the speech). Sum `alpha_clip` over the padded steps: how much
#    weight does the model give to silence?
# 4. **Without attention.** Replace the three attention lines by
#    `layers.GlobalAveragePooling1D()` on the BiLSTM's sequences (every step weighted
#    equally). Refit: what does attention buy on the validation speakers?

# %% [markdown]
# <details><summary>Solution 1</summary>
#
# ```python
# xb = extract_features(selected, data.root, bilstm_spec, cache_dir=notebook.cache_dir(),
#                       progress=False)
# sb, yb = xb.rows["split"].to_numpy(), xb.rows["y"].to_numpy()
# norm = Normalizer("zscore").fit(xb.x[sb == "train"])
# xbn = norm.transform(xb.x)
# tr = tf.data.Dataset.from_tensor_slices((xbn[sb == "train"], yb[sb == "train"])).shuffle(512).batch(32)
# va = tf.data.Dataset.from_tensor_slices((xbn[sb == "val"], yb[sb == "val"])).batch(32)
# cnn_bilstm.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
# cnn_bilstm.fit(tr, validation_data=va, epochs=EPOCHS,
#                callbacks=[keras.callbacks.EarlyStopping("val_loss", patience=5,
#                                                         restore_best_weights=True)])
# unweighted_accuracy(yb[sb == "test"], cnn_bilstm.predict(xbn[sb == "test"]).argmax(1))
# ```
#
# One time-averaged vector has lost the time course of the clip, and 58K parameters are few:
# on unseen speakers it usually lands below the CNN-LSTM. Its paper's 96% comes from a random
# split of TESS + SAVEE (speakers in training and test), see `07_paper_reproductions.ipynb`.
# </details>
#
# <details><summary>Solution 2</summary>
#
# Drop `lstm2` and give `lstm1` no `return_sequences`: the second LSTM's
# 4 x (256 + 128 + 1) x 128 = 197,120 parameters go, and the Dense(64) now reads 256
# inputs instead of 128 (+8,192), so 632,519 - 197,120 + 8,192 = 443,591 parameters. The
# library builds it with `models.build("cnn_lstm", input_shape, num_classes, lstm_layers=1)`
# (check with `count_params()`); paper 000's depth ablation varies exactly this
# (`07_paper_reproductions.ipynb`).
# </details>
#
# <details><summary>Solution 3</summary>
#
# ```python
# frames = np.flatnonzero(np.any(xa[clip] != 0, axis=1))   # frames that hold speech
# last_step = (frames[-1] + 1) // 8                          # 8 frames per attention step
# print(f"weight on padding: {alpha_clip[last_step + 1:].sum():.2f}")
# ```
#
# A trained model gives padding little weight: its BiLSTM states there carry no new
# evidence. After the two epochs of smoke mode the share can be far above the padded
# fraction of the clip: the model has not yet learned to ignore the zeros. A mask, or
# clips cropped to their speech, removes the question.
# </details>
#
# <details><summary>Solution 4</summary>
#
# Replace `e = ...`, `alpha = ...` and `h = ops.sum(...)` by
# `h = layers.GlobalAveragePooling1D(name="time_pool")(h)`; the model loses 129 parameters.
# The library builds this step of paper 004's ablation ladder with
# `models.build("cnn_bilstm_attention", input_shape, num_classes, attention=False)`, but
# with the last BiLSTM state instead of the average (`07_paper_reproductions.ipynb` runs
# the whole ladder). Expect a difference within the noise of a few validation speakers on
# synthetic audio; judge it over several seeds or folds, never on the test speakers.
# </details>
