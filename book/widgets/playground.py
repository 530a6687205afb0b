"""A small neural-network playground, in the spirit of TensorFlow Playground.

Pick a 2-D data set, the number of hidden units and hidden layers, an activation, a learning rate
and how many epochs to train; see the net's decision regions and its loss curve.

    from book.widgets.playground import playground
    playground()

Every picture is a net trained here with full-batch gradient descent (with momentum) on about
150 points: one training run per (data set, hidden units, hidden layers, activation, learning
rate), cached, and the epochs control shows snapshots of that one run. The pieces are small
functions: :func:`make_data`, :func:`train_snapshots`, :func:`playground`.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import data, nets
from ..layers import ACTIVATIONS
from ..losses import softmax_cross_entropy
from . import choice, explorer, log_slider, slider

__all__ = ["DATASETS", "make_data", "train_snapshots", "playground"]

#: name -> function(seed) -> (X (N, 2), y (N,)); about 150 points each
DATASETS = {
    "blobs": lambda seed: data.blobs(n=150, classes=3, seed=seed, spread=0.8),
    "xor": lambda seed: data.xor(n=152, noise=0.1, seed=seed),
    "circles": lambda seed: data.circles(n=150, noise=0.1, seed=seed),
    "spiral": lambda seed: data.spiral(n_per_class=50, arms=3, noise=0.2, seed=seed),
}
_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c"]   # tab10's first three, as in book.plots


def make_data(name, seed=0):
    """The toy set `name` (one of DATASETS): training points from `seed`, test points from seed + 1.

    Returns (X, y, X_test, y_test) with X (N, 2) float64 and y (N,) int labels.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}; got {name!r}")
    X, y = DATASETS[name](seed)
    X_test, y_test = DATASETS[name](seed + 1)
    return X, y, X_test, y_test


def train_snapshots(X, y, *, hidden, layers, activation="relu", lr=0.3, epochs=(300,), momentum=0.9,
                    reg=1e-4, seed=0, X_test=None, y_test=None, test_every=5):
    """Train a net [2, hidden x layers, C] by full-batch gradient descent, keeping snapshots.

    X : (N, D), y : (N,) labels 0..C-1.  hidden : units per hidden layer.  layers : hidden layers.
    epochs : the epoch counts at which to keep a copy of the parameters (0 = the initial net);
    training runs to max(epochs). Each epoch is one step v = momentum v - lr g, param += v on
    the whole training set, g the gradient of softmax cross-entropy + reg * sum W**2.
    X_test, y_test : optional held-out points, whose loss is measured every `test_every` epochs.
    Returns (snapshots {epoch: params}, history) with history = {"loss": [per epoch, 0 .. max],
    "test_epoch": [0, test_every, ...], "test_loss": [at those epochs]}; losses are measured
    before each step, so "loss"[t] is the loss after t epochs.
    """
    epochs = sorted({int(e) for e in np.atleast_1d(epochs)})
    if epochs[0] < 0:
        raise ValueError(f"epochs must be counts >= 0; got {epochs}")
    if int(layers) < 1 or int(hidden) < 1:
        raise ValueError(f"hidden and layers must be >= 1; got hidden={hidden}, layers={layers}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    C = int(np.max(y)) + 1
    params = nets.init_net([X.shape[1]] + [int(hidden)] * int(layers) + [C], seed=seed)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    snapshots, history = {}, {"loss": [], "test_epoch": [], "test_loss": []}
    for t in range(epochs[-1] + 1):
        if t in epochs:
            snapshots[t] = {k: v.copy() for k, v in params.items()}
        L, grads = nets.loss_and_grads(params, X, y, reg=reg, activation=activation)
        history["loss"].append(L)
        if X_test is not None and (t % test_every == 0 or t == epochs[-1]):
            s, _ = nets.forward(params, X_test, activation=activation)
            history["test_epoch"].append(t)
            history["test_loss"].append(softmax_cross_entropy(s, y_test)[0])
        if t == epochs[-1]:
            break
        for k in params:
            velocity[k] *= momentum
            velocity[k] -= lr * grads[k]
            params[k] += velocity[k]
        if not np.isfinite(L):
            raise FloatingPointError(f"the loss became {L} at epoch {t}; lower lr (got lr={lr})")
    return snapshots, history


def _values(name, values, kind=float):
    values = tuple(kind(v) for v in np.atleast_1d(values))
    if not values:
        raise ValueError(f"{name} needs at least one value; got {values}")
    return values


def playground(datasets=tuple(DATASETS), hidden=(3, 16), layers=(1, 2, 3), activations=("relu", "tanh"),
               lr=(0.3,), epochs=(30, 300), seed=0, resolution=60, max_frames=100, dpi=72):
    """The playground explorer: a small net on a 2-D toy set, its decision regions and loss curve.

    Each argument lists the values its control offers (in the book's page and in Jupyter alike);
    the defaults are the spiral, the most hidden units, the fewest hidden layers, the first
    activation and learning rate, and the most epochs. Nets are trained on first use and cached by every setting but
    epochs (the epochs control shows snapshots of one run). The number of pictures is the
    product of the numbers of values, at most max_frames.
    Returns a book.widgets.Explorer.
    """
    datasets = tuple(datasets)
    for d in datasets:
        if d not in DATASETS:
            raise ValueError(f"datasets must be names from {sorted(DATASETS)}; got {d!r}")
    hidden_values = _values("hidden", hidden, int)
    layer_values = _values("layers", layers, int)
    epoch_values = _values("epochs", epochs, int)
    lr_values = _values("lr", lr)
    activations = tuple(activations)
    for a in activations:
        if a not in ACTIVATIONS:
            raise ValueError(f"activations must be names from {sorted(ACTIVATIONS)}; got {a!r}")
    if min(hidden_values) < 1 or min(layer_values) < 1 or min(epoch_values) < 0:
        raise ValueError(f"hidden and layers must be >= 1 and epochs >= 0; got hidden={hidden_values}, "
                         f"layers={layer_values}, epochs={epoch_values}")

    sets = {}        # data set name -> (X, y, X_test, y_test, grid (M, 2), extent)
    runs = {}        # (data set, hidden, layers, activation, lr) -> (snapshots, history)

    def get_set(name):
        if name not in sets:
            X, y, X_test, y_test = make_data(name, seed)
            lo, hi = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
            g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
            sets[name] = (X, y, X_test, y_test, np.column_stack([g0.ravel(), g1.ravel()]),
                          (lo[0], hi[0], lo[1], hi[1]))
        return sets[name]

    def get_run(name, h, k, act, alpha):
        key = (name, h, k, act, alpha)
        if key not in runs:
            X, y, X_test, y_test, _, _ = get_set(name)
            runs[key] = train_snapshots(X, y, hidden=h, layers=k, activation=act, lr=alpha,
                                        epochs=epoch_values, seed=seed, X_test=X_test, y_test=y_test)
        return runs[key]

    def make():
        fig = Figure(figsize=(7.5, 3.2))
        ax, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.15])
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.22)
        regions = ax.imshow(np.zeros((resolution, resolution)), origin="lower", cmap=ListedColormap(_COLORS),
                            vmin=-0.5, vmax=len(_COLORS) - 0.5, alpha=0.3, aspect="auto",
                            interpolation="nearest")
        points = ax.scatter([], [], s=12, edgecolor="k", linewidth=0.3)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.set_xticks([])                  # tick labels cost most of a frame's drawing time
        ax.set_yticks([])
        train_line, = ax_loss.plot([], [], lw=1.5, label="training loss")
        test_line, = ax_loss.plot([], [], lw=1.5, ls="--", label="test loss")
        now = ax_loss.axvline(0, color="0.6", lw=0.8)
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("loss (— train, -- test)")     # a label costs less to draw than a legend
        ax_loss.set_xlim(0, max(epoch_values))
        ax_loss.xaxis.set_major_locator(MaxNLocator(3))
        ax_loss.yaxis.set_major_locator(MaxNLocator(3))

        def update(dataset, hidden, layers, activation, lr, epochs):
            h, k, e, alpha = int(hidden), int(layers), int(epochs), float(lr)
            X, y, X_test, y_test, grid, extent = get_set(dataset)
            snapshots, history = get_run(dataset, h, k, activation, alpha)
            params = snapshots[e]
            Z = nets.predict(params, grid, activation=activation).reshape(resolution, resolution)
            regions.set_data(Z)
            regions.set_extent(extent)
            points.set_offsets(X)
            points.set_facecolors([_COLORS[c] for c in y])
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
            acc = float(np.mean(nets.predict(params, X, activation=activation) == y))
            acc_test = float(np.mean(nets.predict(params, X_test, activation=activation) == y_test))
            t = np.arange(e + 1)
            train_line.set_data(t, history["loss"][:e + 1])
            te = np.asarray(history["test_epoch"])
            test_line.set_data(te[te <= e], np.asarray(history["test_loss"])[te <= e])
            now.set_xdata([e, e])
            all_loss = np.concatenate([history["loss"], history["test_loss"]])
            ax_loss.set_ylim(0, 1.05 * all_loss.max())
            n_params = sum(v.size for v in params.values())
            return (f"epoch {e}: training loss {history['loss'][e]:.3f}, train accuracy {acc:.2f}, "
                    f"test accuracy {acc_test:.2f}; {n_params} parameters")

        return fig, update

    controls = {
        "dataset": choice("data set", datasets, "spiral" if "spiral" in datasets else datasets[0]),
        "hidden": slider("hidden units", min(hidden_values), max(hidden_values), 1, max(hidden_values),
                         static=hidden_values),
        "layers": slider("hidden layers", min(layer_values), max(layer_values), 1, min(layer_values),
                         static=layer_values),
        "activation": choice("activation", activations, activations[0]),
        "lr": log_slider("learning rate α", lr_values, lr_values[0]),
        "epochs": slider("epochs", min(epoch_values), max(epoch_values), 1, max(epoch_values),
                         static=epoch_values),
    }
    return explorer(make, controls, max_frames=max_frames, dpi=dpi,
                    alt="Left: the plane coloured by the class a small neural network predicts, with the "
                        "training points on top. Right: the training and test loss against the epoch.")
