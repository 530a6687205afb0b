"""The long runs behind the book's CIFAR-10 numbers, and the small results they leave behind.

    python -m book.experiments cifar10 --data PATH [--out book/assets/cifar10]

trains, with this library, (a) a softmax linear classifier (book.linear.train_linear) and (b) a
two-layer ReLU net s = W2 max(0, W1 x + b1) + b2 (book.nets.train), on CIFAR-10 read by
book.cifar10.load_cifar10(PATH), and writes into --out:

    results.json             test accuracy, per-class test accuracy, confusion matrix, training
                             curves (downsampled), hyper-parameters, and a provenance record
                             (data file and its sha256, seed, date, versions, elapsed seconds)
    linear_W.npy             (10, 3072) float32: rows are class templates, reshape (32, 32, 3)
    linear_b.npy             (10,) float32
    two_layer_W1_sample.npy  (32, 3072) float16: the 32 most image-like first-layer rows (see
                             smoothest_rows; their indices are in results.json), for display

Both W files act on raw pixels scaled to [0, 1]: s = (image.reshape(N, 3072) / 255) @ W.T + b.
(The models train on standardised pixels, (x / 255 - mean_c) / std_c per colour channel c; the
saved weights fold that in, so no image statistics other than the 3 + 3 channel numbers are kept.)
Nothing made from images (no image, no mean image) is written. Chapters read the results with
load_cifar10_results(); they never train on CIFAR-10 themselves.

Hyper-parameters were chosen on a validation split taken from the training images (the test
images are used once, at the end):

    python -m book.experiments cifar10-tune --data PATH --out book/assets/cifar10/tuning.json

prints, and writes, the validation accuracies of the small grids (LINEAR_GRID, TWO_LAYER_GRID)
that chose them; the defaults are the best row of each.

    python -m book.experiments cifar10-baseline --data PATH [--out book/assets/cifar10/baseline.json]

trains the lecture's network as the lecture describes it, as a baseline beside the tuned one: a
two-layer ReLU net s = W2 max(0, W1 x + b1) + b2 on raw pixels (x / 255, nothing subtracted), plain
minibatch SGD (no momentum, no decay, no augmentation), W1 (h, 3072), W2 (10, h). The learning rate
is chosen on the validation split from BASELINE_LR_GRID; the chosen net is scored on the test set
once. Writes baseline.json (accuracies, per-class accuracies, the grid, a provenance record).

    python -m book.experiments cifar10-ladder --data PATH [--out book/assets/cifar10/ladder.json]

adds the tuned net's refinements to that plain net one at a time (LADDER: standardised pixels;
momentum and learning-rate decay; random flips; h = 500 with weight decay) and writes each step's
validation accuracy (the test images are not used): what closes the gap between the two.

The one thing from CIFAR-10 the book shows as images, a seeded sample of test images, is written
by `python -m book.cifar10 sample` (see book.cifar10).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ._files import atomic_open, atomic_write, digest

__all__ = ["LINEAR_DEFAULTS", "TWO_LAYER_DEFAULTS", "RESULTS_DIR", "standardize_stats", "features",
           "validation_split", "hflip", "train_linear_model", "train_two_layer", "per_class_accuracy",
           "confusion", "downsample", "fold_standardization", "smoothest_rows", "run_cifar10",
           "load_cifar10_results", "tune_cifar10", "run_baseline", "BASELINE_DEFAULTS", "LADDER", "run_ladder", "main"]

RESULTS_DIR = Path(__file__).resolve().parent / "assets" / "cifar10"

# Chosen on the validation split (see cifar10-tune); the test set played no part.
LINEAR_DEFAULTS = dict(lr=3e-3, reg=1e-3, epochs=10, batch_size=200, lr_decay=0.9)
TWO_LAYER_DEFAULTS = dict(hidden=500, lr=3e-2, momentum=0.9, reg=2e-4, epochs=10, batch_size=200,
                          lr_decay=0.8, flip=True)
# The small grids cifar10-tune runs (overrides of the defaults above).
LINEAR_GRID = [dict(lr=lr, reg=reg) for lr in (3e-3, 1e-2, 3e-2) for reg in (1e-4, 1e-3)]
TWO_LAYER_GRID = [dict(lr=2e-2, reg=5e-4), dict(lr=3e-2, reg=2e-4)]
N_VAL = 1000          # validation images taken from train, 100 per class
N_W1_SAMPLE = 32      # first-layer rows kept for display
# The lecture's network, trained the plain way (see run_baseline); lr chosen on validation.
BASELINE_DEFAULTS = dict(hidden=100, epochs=10, batch_size=200, reg=0.0)
BASELINE_LR_GRID = (0.01, 0.03, 0.1)


# --------------------------------------------------------------------------- preprocessing
def standardize_stats(X):
    """Per-channel mean and std of images X (N, 32, 32, 3) uint8 on the [0, 1] scale: (3,), (3,)."""
    mean = np.zeros(3)
    sq = np.zeros(3)
    for i in range(0, len(X), 5000):                      # chunks: no float64 copy of all images
        chunk = X[i:i + 5000].reshape(-1, 3).astype(np.float64) / 255.0
        mean += chunk.sum(axis=0)
        sq += (chunk ** 2).sum(axis=0)
    n = X.shape[0] * X.shape[1] * X.shape[2]
    mean /= n
    return mean, np.sqrt(sq / n - mean ** 2)


def features(X, mean, std):
    """Images (N, H, W, 3) uint8 -> standardised rows (N, H*W*3) float32: (x / 255 - mean_c) / std_c."""
    scale = (1.0 / (255.0 * np.asarray(std))).astype(np.float32)
    shift = (np.asarray(mean) / np.asarray(std)).astype(np.float32)
    out = X.reshape(X.shape[0], -1, 3).astype(np.float32)
    out *= scale
    out -= shift
    return out.reshape(X.shape[0], -1)


def fold_standardization(W, b, mean, std):
    """Weights on standardised pixels -> the same classifier on raw pixels in [0, 1].

    s = ((x - mean_c) / std_c) @ W.T + b = x @ W'.T + b'  with  W' = W / std_c,  b' = b - W' @ mean_c.
    W (K, H*W*3) with channel last (rows reshape to (H, W, 3)); returns (W', b') in float64.
    """
    W = np.asarray(W, dtype=np.float64).reshape(W.shape[0], -1, 3) / np.asarray(std)
    b_raw = np.asarray(b, dtype=np.float64) - (W * np.asarray(mean)).sum(axis=(1, 2))
    return W.reshape(W.shape[0], -1), b_raw


def smoothest_rows(W, k, image_shape=(32, 32, 3)):
    """Indices of the k rows of W (K, H*W*3) that look most like images: largest mean
    correlation between horizontally and vertically neighbouring pixels, largest first."""
    T = W.reshape(W.shape[0], *image_shape)
    T = T - T.mean(axis=(1, 2, 3), keepdims=True)
    power = (T ** 2).sum(axis=(1, 2, 3))
    corr = ((T[:, 1:] * T[:, :-1]).sum(axis=(1, 2, 3)) + (T[:, :, 1:] * T[:, :, :-1]).sum(axis=(1, 2, 3)))
    score = corr / np.maximum(2 * power, 1e-30)
    return np.argsort(-score, kind="stable")[:k]


def validation_split(y, n_val, seed=0):
    """Seeded stratified split of indices 0..N-1: n_val // C per class go to validation.

    Returns (train_idx, val_idx), each sorted. y (N,) labels in 0..C-1.
    """
    rng = np.random.default_rng(seed)
    C = int(y.max()) + 1
    per_class = n_val // C
    val = []
    for c in range(C):
        idx = np.flatnonzero(y == c)
        if len(idx) <= per_class:
            raise ValueError(f"n_val={n_val} asks for {per_class} validation images of class {c}, "
                             f"which has only {len(idx)} training images")
        val.append(rng.choice(idx, size=per_class, replace=False))
    val = np.sort(np.concatenate(val))
    return np.setdiff1d(np.arange(len(y)), val), val


def hflip(X, mask, image_shape=(32, 32, 3)):
    """Copy of rows X (N, H*W*3) where the rows selected by mask (N,) bool are mirrored left-right."""
    out = X.copy()
    imgs = X[mask].reshape(-1, *image_shape)
    out[mask] = imgs[:, :, ::-1].reshape(imgs.shape[0], -1)
    return out


# --------------------------------------------------------------------------- training
def train_linear_model(X, y, X_val, y_val, *, lr, reg, epochs, batch_size, lr_decay, seed=0,
                       progress=False):
    """Softmax linear classifier by book.linear.train_linear. Returns (W, b, history, seconds)."""
    from .linear import train_linear

    t0 = time.perf_counter()
    W, b, history = train_linear(X, y, C=int(y.max()) + 1, loss="softmax", reg=reg, lr=lr,
                                 epochs=epochs, batch_size=batch_size, seed=seed, X_val=X_val,
                                 y_val=y_val, lr_decay=lr_decay, progress=progress)
    return W, b, history, time.perf_counter() - t0


def train_two_layer(X, y, X_val, y_val, *, hidden, lr, momentum, reg, epochs, batch_size, lr_decay,
                    flip=True, seed=0, progress=False, image_shape=(32, 32, 3)):
    """Two-layer ReLU net [D, hidden, C] trained by book.nets.train.

    With flip=True a random half of each minibatch is mirrored left-right (a cat facing left is
    still a cat). Returns (params, history, seconds); history as nets.train's.
    """
    from .nets import init_net, train

    t0 = time.perf_counter()
    params = init_net([X.shape[1], hidden, int(y.max()) + 1], seed=seed, dtype=X.dtype)
    augment = (lambda Xb, rng: hflip(Xb, rng.random(Xb.shape[0]) < 0.5, image_shape)) if flip else None
    params, history = train(X, y, params, X_val, y_val, lr=lr, epochs=epochs, batch_size=batch_size,
                            momentum=momentum, lr_decay=lr_decay, reg=reg, seed=seed, progress=progress,
                            augment=augment)
    return params, history, time.perf_counter() - t0


# --------------------------------------------------------------------------- evaluation
def per_class_accuracy(y_true, y_pred, C):
    """Fraction of each class's examples predicted right: (C,) float (NaN for an absent class)."""
    hits = np.bincount(y_true, weights=(y_true == y_pred), minlength=C)
    counts = np.bincount(y_true, minlength=C)
    with np.errstate(invalid="ignore", divide="ignore"):
        return hits / counts


def confusion(y_true, y_pred, C):
    """Confusion counts M (C, C): M[i, j] = number of class-i examples predicted as j."""
    return np.bincount(C * np.asarray(y_true) + np.asarray(y_pred), minlength=C * C).reshape(C, C)


def downsample(values, max_points=200):
    """Means of consecutive groups so at most max_points remain; returns (steps, means) lists.

    steps[k] is the (0-based) index of the last original value in group k."""
    values = np.asarray(values, dtype=np.float64)
    groups = int(np.ceil(len(values) / max_points)) if len(values) else 1
    n = len(values) // groups * groups
    means = values[:n].reshape(-1, groups).mean(axis=1)
    steps = np.arange(groups - 1, n, groups)
    if n < len(values):                                   # a last, shorter group
        means = np.append(means, values[n:].mean())
        steps = np.append(steps, len(values) - 1)
    return steps.tolist(), [round(float(m), 5) for m in means]


def _curves(history, steps_per_epoch, max_points=200):
    steps, loss = downsample(history["loss"], max_points)
    return {"loss_step": steps, "loss": loss, "steps_per_epoch": steps_per_epoch,
            "train_acc": [round(a, 5) for a in history["train_acc"]],
            "val_acc": [round(a, 5) for a in history["val_acc"]]}


def _summary(y_test, y_pred, class_names):
    C = len(class_names)
    acc = per_class_accuracy(y_test, y_pred, C)
    return {"test_accuracy": round(float(np.mean(y_pred == y_test)), 5),
            "per_class_accuracy": {name: round(float(a), 5) for name, a in zip(class_names, acc)},
            "confusion_matrix": confusion(y_test, y_pred, C).tolist()}


def _write_record(out, record, elapsed, log):
    """Write a run's record as JSON (its folder made if missing), say so, and return it."""
    atomic_write(out, json.dumps(record, indent=1) + "\n")
    log(f"wrote {out} in {elapsed:.0f} s total")
    return record


def _run_record(command, script, elapsed):
    """The part of a run's provenance that says how, when and where it ran."""
    from . import __version__

    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": command, "script": script, "library_version": __version__,
            "python": platform.python_version(), "numpy": np.__version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "elapsed_seconds": round(elapsed, 1),
            "note": "every number in this file was computed by the script above; none was typed"}


def _data_record(data_path, y, y_val, seed, n_test=None):
    """The part of a CIFAR-10 run's provenance that says which data it read and how it split them."""
    from .cifar10 import _resolve

    record = {"dataset": "CIFAR-10 (JPEG copy)" if _resolve(data_path)[0].startswith("images")
              else "CIFAR-10",
              "data_file": data_path.name, "data_sha256": digest(data_path),
              "n_train": int(len(y)), "n_val": int(len(y_val))}
    if n_test is not None:
        record["n_test"] = int(n_test)
    return {**record, "seed": int(seed)}


def _file_hashes(folder, names):
    """{name: sha256} of the files `names` in folder that exist (a record's "files")."""
    return {n: digest(Path(folder) / n) for n in names if (Path(folder) / n).is_file()}


def record_file_hashes(record_file, names):
    """Write the sha256 of the files `names` (beside record_file) into its provenance["files"],
    with the date they were recorded; returns that map. The cifar10 run does this itself; this
    adds it to a record written before it did."""
    record_file = Path(record_file)
    doc = json.loads(record_file.read_text())
    doc["provenance"]["files"] = _file_hashes(record_file.parent, names)
    doc["provenance"]["files_recorded"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds")
    atomic_write(record_file, json.dumps(doc, indent=1) + "\n")
    return doc["provenance"]["files"]


# --------------------------------------------------------------------------- the experiment
def run_cifar10(data_path, out=RESULTS_DIR, *, seed=0, n_val=N_VAL, linear=None, two_layer=None,
                progress=True, command=None, log=print):
    """Train both models on CIFAR-10 from data_path and write the results into `out`.

    linear, two_layer : dicts overriding LINEAR_DEFAULTS / TWO_LAYER_DEFAULTS.
    Returns the results dict (as written to results.json).
    """
    from .cifar10 import load_cifar10
    from .linear import predict as linear_predict
    from .nets import predict as net_predict

    hp_linear = {**LINEAR_DEFAULTS, **(linear or {})}
    hp_net = {**TWO_LAYER_DEFAULTS, **(two_layer or {})}
    unknown = (set(hp_linear) - set(LINEAR_DEFAULTS)) | (set(hp_net) - set(TWO_LAYER_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown hyper-parameters {sorted(unknown)}; expected keys of "
                         f"LINEAR_DEFAULTS {sorted(LINEAR_DEFAULTS)} or TWO_LAYER_DEFAULTS "
                         f"{sorted(TWO_LAYER_DEFAULTS)}")
    t_start = time.perf_counter()
    data_path = Path(data_path).expanduser()
    data = load_cifar10(data_path)
    log(f"data: {data}")
    train_idx, val_idx = validation_split(data.y_train, n_val, seed)
    mean, std = standardize_stats(data.X_train[train_idx])
    X_all = features(data.X_train, mean, std)
    X, y, X_val, y_val = X_all[train_idx], data.y_train[train_idx], X_all[val_idx], data.y_train[val_idx]
    del X_all
    X_test = features(data.X_test, mean, std)
    names = data.class_names
    log(f"train {X.shape}, validation {X_val.shape}, test {X_test.shape}, float32, "
        f"channel mean {np.round(mean, 4)}, std {np.round(std, 4)}")

    cpu0 = time.process_time()
    W, b, hist_lin, sec_lin = train_linear_model(X, y, X_val, y_val, seed=seed, progress=progress,
                                                 **hp_linear)
    cpu_lin = time.process_time() - cpu0
    res_lin = _summary(data.y_test, linear_predict(X_test, W, b), names)
    log(f"linear: test accuracy {res_lin['test_accuracy']:.4f} in {sec_lin:.0f} s")

    cpu0 = time.process_time()
    params, hist_net, sec_net = train_two_layer(X, y, X_val, y_val, seed=seed, progress=progress,
                                                image_shape=data.image_shape, **hp_net)
    cpu_net = time.process_time() - cpu0
    res_net = _summary(data.y_test, net_predict(X_test, params), names)
    log(f"two-layer: test accuracy {res_net['test_accuracy']:.4f} in {sec_net:.0f} s")

    steps_per_epoch = int(np.ceil(len(y) / hp_linear["batch_size"]))
    res_lin.update(hyperparameters=hp_linear, train_seconds=round(sec_lin, 2),
                   train_cpu_seconds=round(cpu_lin, 2),
                   val_accuracy=hist_lin["val_acc"][-1] if hist_lin["val_acc"] else None,
                   history=_curves(hist_lin, steps_per_epoch))
    steps_per_epoch = int(np.ceil(len(y) / hp_net["batch_size"]))
    res_net.update(hidden=int(hp_net["hidden"]), hyperparameters=hp_net,
                   train_seconds=round(sec_net, 2), train_cpu_seconds=round(cpu_net, 2),
                   val_accuracy=hist_net["val_acc"][-1] if hist_net["val_acc"] else None,
                   history=_curves(hist_net, steps_per_epoch))

    W_raw, b_raw = fold_standardization(W, b, mean, std)
    W1_all, _ = fold_standardization(params["W1"], params["b1"], mean, std)
    rows = smoothest_rows(W1_all, N_W1_SAMPLE, data.image_shape)
    W1_raw = W1_all[rows]
    res_net["W1_sample_rows"] = rows.tolist()
    res_net["W1_sample_rule"] = ("the first-layer rows (after folding the standardisation) whose "
                                 "neighbouring pixels are most correlated: the most image-like "
                                 "rows, most image-like first; most rows look like noise")
    elapsed = time.perf_counter() - t_start
    results = {
        "provenance": {
            **_data_record(data_path, y, y_val, seed, n_test=len(data.y_test)),
            "preprocessing": {"scale": "x / 255", "channel_mean": [round(float(m), 6) for m in mean],
                              "channel_std": [round(float(s), 6) for s in std],
                              "features": "(x / 255 - channel_mean) / channel_std, float32"},
            "weights_act_on": "raw pixels / 255, rows flattened from (32, 32, 3)",
            "selection": "hyper-parameters chosen on the validation split (cifar10-tune); "
                         "test set used once, after training",
            "figures": {"linear_test_accuracy": res_lin["test_accuracy"],
                        "two_layer_test_accuracy": res_net["test_accuracy"]},
            "timing": "train_seconds: wall-clock time of training (machine shared with other "
                      "work); train_cpu_seconds: CPU time of all threads of this process",
            **_run_record(command, "book/experiments.py", elapsed),
        },
        "class_names": list(names),
        "linear": res_lin,
        "two_layer": res_net,
        "files": {"linear_W": "linear_W.npy", "linear_b": "linear_b.npy",
                  "two_layer_W1_sample": "two_layer_W1_sample.npy"},
    }
    out = Path(out)
    for name, array in (("linear_W.npy", W_raw.astype(np.float32)), ("linear_b.npy", b_raw.astype(np.float32)),
                        ("two_layer_W1_sample.npy", W1_raw.astype(np.float16))):
        with atomic_open(out / name, "wb") as f:
            np.save(f, array)
    results["provenance"]["files"] = _file_hashes(out, list(results["files"].values()) + ["tuning.json"])
    return _write_record(out / "results.json", results, elapsed, log)


def load_cifar10_results(path=None):
    """The committed CIFAR-10 results: results.json as a dict plus the arrays
    "linear_W" (10, 3072) float32, "linear_b" (10,) float32, "two_layer_W1_sample" (k, 3072) float16,
    and, when baseline.json is there, "baseline": the lecture's plain two-layer net (run_baseline)
    with its own "provenance"; when ladder.json is there, "ladder" (run_ladder's record).

    path : the results folder (default book/assets/cifar10). Raises FileNotFoundError if absent.
    """
    path = RESULTS_DIR if path is None else Path(path)
    if not (path / "results.json").is_file():
        raise FileNotFoundError(
            f"no CIFAR-10 results in {path} (results.json missing). Make them with\n"
            f"  python -m book.experiments cifar10 --data PATH_TO_CIFAR10 --out {path}\n"
            "where PATH_TO_CIFAR10 is any copy book.cifar10.load_cifar10 reads "
            "(see `python -m book.cifar10 download`).")
    with open(path / "results.json") as f:
        results = json.load(f)
    for key, name in results["files"].items():
        results[key] = np.load(path / name)
    if (path / "baseline.json").is_file():             # the lecture's plain net (cifar10-baseline)
        baseline = json.loads((path / "baseline.json").read_text())
        results["baseline"] = {**baseline["baseline"], "provenance": baseline["provenance"]}
    if (path / "ladder.json").is_file():               # refinements one at a time (cifar10-ladder)
        results["ladder"] = json.loads((path / "ladder.json").read_text())
    return results


# --------------------------------------------------------------------------- tuning (validation only)
def tune_cifar10(data_path, *, seed=0, n_val=N_VAL, linear_grid=None, net_grid=None, log=print):
    """Validation accuracies of small hyper-parameter grids; the test images are not loaded into
    any model. Each grid is a list of override dicts of the defaults. Returns {"linear": [...],
    "two_layer": [...]}, one dict per grid row: its full hyper-parameters, val_acc (after the last
    epoch), best_val_acc (over epochs), seconds."""
    from .cifar10 import load_cifar10

    data = load_cifar10(Path(data_path).expanduser())
    train_idx, val_idx = validation_split(data.y_train, n_val, seed)
    mean, std = standardize_stats(data.X_train[train_idx])
    X_all = features(data.X_train, mean, std)
    X, y, X_val, y_val = X_all[train_idx], data.y_train[train_idx], X_all[val_idx], data.y_train[val_idx]
    del X_all
    out = {"linear": [], "two_layer": []}
    log(f"train {X.shape}, validation {X_val.shape}; the test images are not used")
    for over in linear_grid or []:
        hp = {**LINEAR_DEFAULTS, **over}
        *_, hist, sec = train_linear_model(X, y, X_val, y_val, seed=seed, **hp)
        out["linear"].append({**hp, "val_acc": hist["val_acc"][-1], "best_val_acc": max(hist["val_acc"]),
                              "seconds": round(sec, 1)})
        log(f"linear {over}: val {hist['val_acc'][-1]:.4f} (best {max(hist['val_acc']):.4f}) {sec:.0f} s")
    for over in net_grid or []:
        hp = {**TWO_LAYER_DEFAULTS, **over}
        _, hist, sec = train_two_layer(X, y, X_val, y_val, seed=seed, image_shape=data.image_shape, **hp)
        out["two_layer"].append({**hp, "val_acc": hist["val_acc"][-1],
                                 "best_val_acc": max(hist["val_acc"]), "seconds": round(sec, 1)})
        log(f"two-layer {over}: val {hist['val_acc'][-1]:.4f} (best {max(hist['val_acc']):.4f}) {sec:.0f} s")
    return out


# --------------------------------------------------------------------------- the lecture's baseline
def raw_features(X):
    """Images (N, H, W, 3) uint8 -> rows (N, H*W*3) float32 x / 255: raw pixels, nothing subtracted."""
    return (X.reshape(X.shape[0], -1).astype(np.float32) / np.float32(255.0))


def run_baseline(data_path, out=RESULTS_DIR / "baseline.json", *, seed=0, n_val=N_VAL,
                 lr_grid=BASELINE_LR_GRID, command=None, log=print, **overrides):
    """The lecture's two-layer net trained plainly on CIFAR-10 from data_path; writes `out`.

    Raw pixels x / 255 (no mean subtracted, no scaling per channel), s = W2 max(0, W1 x + b1) + b2
    with W1 (hidden, 3072), W2 (10, hidden), He initialisation, minibatch SGD with a constant
    learning rate (no momentum, no decay), no augmentation; overrides change BASELINE_DEFAULTS.
    One net per learning rate in lr_grid is trained on the training split; the one with the best
    validation accuracy after the last epoch is scored on the test images (once).
    Returns the dict written to `out`.
    """
    from .cifar10 import load_cifar10
    from .nets import init_net, predict, train

    hp = {**BASELINE_DEFAULTS, **overrides}
    unknown = set(hp) - set(BASELINE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown hyper-parameters {sorted(unknown)}; expected keys of "
                         f"BASELINE_DEFAULTS {sorted(BASELINE_DEFAULTS)}")
    if not lr_grid:
        raise ValueError("lr_grid must hold at least one learning rate")
    t_start = time.perf_counter()
    data_path = Path(data_path).expanduser()
    data = load_cifar10(data_path)
    train_idx, val_idx = validation_split(data.y_train, n_val, seed)
    X_all = raw_features(data.X_train)
    X, y, X_val, y_val = X_all[train_idx], data.y_train[train_idx], X_all[val_idx], data.y_train[val_idx]
    del X_all
    names = data.class_names
    C = len(names)
    grid, best = [], None
    for lr in lr_grid:
        t0, cpu0 = time.perf_counter(), time.process_time()
        params = init_net([X.shape[1], hp["hidden"], C], seed=seed, dtype=np.float32)
        params, hist = train(X, y, params, X_val, y_val, lr=float(lr), epochs=hp["epochs"],
                             batch_size=hp["batch_size"], momentum=0.0, lr_decay=1.0, reg=hp["reg"],
                             seed=seed, progress=False, eval_train=False)
        row = {"lr": float(lr), "val_acc": round(float(hist["val_acc"][-1]), 5),
               "val_acc_per_epoch": [round(float(a), 5) for a in hist["val_acc"]],
               "final_loss": round(float(np.mean(hist["loss"][-50:])), 5),
               "train_seconds": round(time.perf_counter() - t0, 2),
               "train_cpu_seconds": round(time.process_time() - cpu0, 2)}
        grid.append(row)
        log(f"baseline lr={lr}: val {row['val_acc']:.4f} in {row['train_seconds']:.0f} s")
        if best is None or row["val_acc"] > best[0]["val_acc"]:
            best = (row, params, hist)
    row, params, hist = best
    res = _summary(data.y_test, predict(raw_features(data.X_test), params), names)
    log(f"baseline (lr={row['lr']}): test accuracy {res['test_accuracy']:.4f}")
    steps_per_epoch = int(np.ceil(len(y) / hp["batch_size"]))
    res.update(hidden=int(hp["hidden"]), hyperparameters={**hp, "lr": row["lr"], "momentum": 0.0,
                                                          "lr_decay": 1.0, "flip": False},
               val_accuracy=row["val_acc"], lr_grid=grid,
               history=_curves({**hist, "train_acc": []}, steps_per_epoch))
    elapsed = time.perf_counter() - t_start
    record = {
        "provenance": {
            **_data_record(data_path, y, y_val, seed, n_test=len(data.y_test)),
            "model": "s = W2 max(0, W1 x + b1) + b2, W1 (hidden, 3072), W2 (10, hidden), He init",
            "preprocessing": "x / 255 (raw pixels; no mean subtracted, no standardisation)",
            "training": "minibatch SGD, constant learning rate, no momentum, no decay, no "
                        "augmentation; softmax cross-entropy",
            "selection": "learning rate chosen on the validation split (lr_grid); the chosen net "
                         "scored on the test set once",
            **_run_record(command, "book/experiments.py (run_baseline)", elapsed),
            "files": {},
        },
        "class_names": list(names),
        "baseline": res,
    }
    return _write_record(out, record, elapsed, log)


# What closes the gap between the plain net and the tuned one: one refinement at a time, each step
# keeping the ones before it. Learning rates: the baseline's validated 0.03 throughout (it is also
# TWO_LAYER_DEFAULTS'). The last step would be exactly the tuned net (TWO_LAYER_DEFAULTS, same seed,
# same function), so it is not trained again: its row is the tuned run's validation accuracy.
LADDER = [
    ("plain: raw pixels, SGD", dict(standardize=False, hidden=100, lr=0.03, momentum=0.0,
                                    lr_decay=1.0, flip=False, reg=0.0)),
    ("+ standardised pixels", dict(standardize=True)),
    ("+ momentum 0.9, learning-rate decay 0.8", dict(momentum=0.9, lr_decay=0.8)),
    ("+ random left-right flips", dict(flip=True)),
    ("+ h = 500, weight decay 2e-4 (the tuned net)", dict(hidden=500, reg=2e-4)),
]


def run_ladder(data_path, out=RESULTS_DIR / "ladder.json", *, seed=0, n_val=N_VAL, epochs=10,
               batch_size=200, command=None, log=print, results=None):
    """Validation accuracy as the tuned net's refinements are added one by one (LADDER).

    Every step but the last trains book.nets' two-layer net with train_two_layer for `epochs`;
    the last step's settings are TWO_LAYER_DEFAULTS, so its row is copied from the tuned run in
    `results` (default: the committed results.json), which trained exactly that net. Only the
    validation split is scored: the test images are not used. Writes `out`; returns its dict.
    """
    from .cifar10 import load_cifar10

    t_start = time.perf_counter()
    results = load_cifar10_results() if results is None else results
    data_path = Path(data_path).expanduser()
    data = load_cifar10(data_path)
    train_idx, val_idx = validation_split(data.y_train, n_val, seed)
    mean, std = standardize_stats(data.X_train[train_idx])
    y, y_val = data.y_train[train_idx], data.y_train[val_idx]
    steps, config = [], {}
    for k, (name, change) in enumerate(LADDER):
        config = {**config, **change}
        hp = {key: v for key, v in config.items() if key != "standardize"}
        if k == len(LADDER) - 1:
            tuned = results["two_layer"]
            if {key: tuned["hyperparameters"][key] for key in hp} != hp or \
                    tuned["hyperparameters"]["epochs"] != epochs:
                raise ValueError(f"the last step {hp} is not the tuned run's settings "
                                 f"{tuned['hyperparameters']}: train it, or fix LADDER")
            steps.append({"step": name, "config": dict(config), "val_accuracy": tuned["val_accuracy"],
                          "train_accuracy": tuned["history"]["train_acc"][-1],
                          "source": "results.json two_layer (the tuned run: same settings, seed, data)"})
            continue
        prep = features if config["standardize"] else (lambda X, *_: raw_features(X))
        X, X_val = prep(data.X_train[train_idx], mean, std), prep(data.X_train[val_idx], mean, std)
        _, hist, sec = train_two_layer(X, y, X_val, y_val, epochs=epochs, batch_size=batch_size,
                                       seed=seed, image_shape=data.image_shape, **hp)
        del X
        steps.append({"step": name, "config": dict(config),
                      "val_accuracy": round(float(hist["val_acc"][-1]), 5),
                      "train_accuracy": round(float(hist["train_acc"][-1]), 5), "seconds": round(sec, 1),
                      "source": "trained by run_ladder"})
        log(f"{name}: val {steps[-1]['val_accuracy']:.4f} train {steps[-1]['train_accuracy']:.4f} "
            f"in {sec:.0f} s")
    elapsed = time.perf_counter() - t_start
    record = {
        "provenance": {
            **_data_record(data_path, y, y_val, seed),
            "epochs": epochs, "batch_size": batch_size,
            "selection": "validation split only; the test images are not used",
            **_run_record(command, "book/experiments.py (run_ladder)", elapsed),
            "files": {},
        },
        "steps": steps,
    }
    return _write_record(out, record, elapsed, log)


# --------------------------------------------------------------------------- command line
def _parse_overrides(pairs, defaults, flag):
    over = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or key not in defaults:
            raise SystemExit(f"{flag} expects KEY=VALUE with KEY in {sorted(defaults)}; got {pair!r}")
        kind = type(defaults[key])
        over[key] = (value.lower() in ("1", "true", "yes")) if kind is bool else kind(float(value)) \
            if kind is int else kind(value)
    return over


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m book.experiments", description=__doc__.splitlines()[0],
                                     epilog="The CIFAR-10 download and the sample of test images the book "
                                            "shows: python -m book.cifar10 download | sample")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("cifar10", help="train both models on CIFAR-10 and write the results")
    run.add_argument("--data", required=True, help="a CIFAR-10 copy that book.cifar10.load_cifar10 reads")
    run.add_argument("--out", default=str(RESULTS_DIR), help="results folder (default: %(default)s)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--n-val", type=int, default=N_VAL, help="validation images from train")
    run.add_argument("--linear", nargs="*", metavar="KEY=VALUE",
                     help=f"override linear hyper-parameters {LINEAR_DEFAULTS}")
    run.add_argument("--two-layer", nargs="*", metavar="KEY=VALUE",
                     help=f"override two-layer hyper-parameters {TWO_LAYER_DEFAULTS}")
    run.add_argument("--no-progress", action="store_true")
    tune = sub.add_parser("cifar10-tune", help="print validation accuracies of a small grid")
    tune.add_argument("--data", required=True)
    tune.add_argument("--seed", type=int, default=0)
    tune.add_argument("--which", choices=["linear", "two_layer", "both"], default="both")
    tune.add_argument("--out", default=None, help="also write the table to this .json file")
    base = sub.add_parser("cifar10-baseline", help="train the lecture's plain two-layer net (baseline)")
    base.add_argument("--data", required=True, help="a CIFAR-10 copy that book.cifar10.load_cifar10 reads")
    base.add_argument("--out", default=str(RESULTS_DIR / "baseline.json"), help="(default: %(default)s)")
    base.add_argument("--seed", type=int, default=0)
    base.add_argument("--n-val", type=int, default=N_VAL)
    base.add_argument("--lr", type=float, nargs="+", default=list(BASELINE_LR_GRID),
                      help="learning rates tried on the validation split (default: %(default)s)")
    base.add_argument("--set", nargs="*", metavar="KEY=VALUE", default=None,
                      help=f"override {BASELINE_DEFAULTS}")
    lad = sub.add_parser("cifar10-ladder", help="validation accuracy as refinements are added one by one")
    lad.add_argument("--data", required=True, help="a CIFAR-10 copy that book.cifar10.load_cifar10 reads")
    lad.add_argument("--out", default=str(RESULTS_DIR / "ladder.json"), help="(default: %(default)s)")
    lad.add_argument("--seed", type=int, default=0)
    lad.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args(argv)

    if args.command == "cifar10-baseline":
        command = "python -m book.experiments " + " ".join(
            a if a != args.data else Path(a).name for a in (sys.argv[1:] if argv is None else argv))
        run_baseline(args.data, args.out, seed=args.seed, n_val=args.n_val, lr_grid=args.lr,
                     command=command, **_parse_overrides(args.set, BASELINE_DEFAULTS, "--set"))
        return 0
    if args.command == "cifar10-ladder":
        command = "python -m book.experiments " + " ".join(
            a if a != args.data else Path(a).name for a in (sys.argv[1:] if argv is None else argv))
        run_ladder(args.data, args.out, seed=args.seed, epochs=args.epochs, command=command)
        return 0
    if args.command == "cifar10":
        command = "python -m book.experiments " + " ".join(
            a if a != args.data else Path(a).name for a in (sys.argv[1:] if argv is None else argv))
        run_cifar10(args.data, args.out, seed=args.seed, n_val=args.n_val,
                    linear=_parse_overrides(args.linear, LINEAR_DEFAULTS, "--linear"),
                    two_layer=_parse_overrides(args.two_layer, TWO_LAYER_DEFAULTS, "--two-layer"),
                    progress=not args.no_progress, command=command)
    else:
        found = tune_cifar10(args.data, seed=args.seed,
                             linear_grid=LINEAR_GRID if args.which in ("linear", "both") else None,
                             net_grid=TWO_LAYER_GRID if args.which in ("two_layer", "both") else None)
        if args.out:
            if Path(args.out).is_file():                  # keep the other model's table
                previous = json.loads(Path(args.out).read_text())
                found = {k: found[k] or previous.get(k, []) for k in found}
            found = {"data_file": Path(args.data).name, "seed": args.seed, "n_val": N_VAL,
                     "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     **found}
            atomic_write(args.out, json.dumps(found, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
