"""The playground of the chapter "Neural networks" (module ``js/playground.js``).

A small fully connected network trains in the page (or in Jupyter's front end) by minibatch SGD
on a 2-D toy set: play, pause, step and reset; data set, noise and train/test split; 0 to 3 hidden
layers of 1 to 8 units; relu, tanh, sigmoid or linear; learning rate, L2 and batch size;
cross-entropy or squared error, or both side by side. It draws the decision regions at the
screen's resolution, a heat map per hidden unit (hover for its weights) and the train and test
loss curves. The module's maths (forward, backward, one SGD step) is tested against book.nets.

The Python half supplies the data: for each set, points without noise, the labels, and a fixed
order of the points (the first share of it trains, the rest tests). The page adds Gaussian noise
sigma * e to each point, e one fixed standard normal draw per point from a seeded generator, so
the noise slider is continuous and the same sigma always gives the same points.
"""
from __future__ import annotations

import numpy as np
import traitlets

from .. import data
from . import Explorer, on_grid

__all__ = ["DATASETS", "dataset", "Playground", "playground"]

#: name -> function(seed) -> (X (N, 2), y (N,)) without noise; about 160 points each
DATASETS = {
    "circles": lambda seed: data.circles(n=160, noise=0.0, seed=seed),
    "xor": lambda seed: data.xor(n=160, noise=0.0, seed=seed),
    "blobs": lambda seed: data.blobs(n=160, classes=3, seed=seed, spread=0.3),
    "spiral": lambda seed: data.spiral(n_per_class=54, arms=3, noise=0.0, seed=seed),
}
SETTINGS = {"dataset": "spiral", "noise": 0.05, "train_share": 0.5, "hidden": [8, 8], "activation": "tanh",
            "lr": 0.1, "reg": 0.0, "batch": 10, "loss": "ce", "compare": False, "speed": 10, "seed": 0}
_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def dataset(name, seed=0):
    """The playground's data for set `name`: {"X": (N, 2) without noise, "y": (N,), "lim":
    half-width of the square drawn}, as plain lists, and the order of the points (a permutation
    of 0..N-1) from which the train/test split is cut."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}; got {name!r}")
    X, y = DATASETS[name](seed)
    order = np.random.default_rng(seed + 1).permutation(len(y))
    lim = float(np.ceil((np.abs(X).max() + 0.3) * 4) / 4)
    return {"X": np.round(X, 3).tolist(), "y": y.tolist(), "lim": lim}, order.tolist()


class Playground(Explorer):
    """State: datasets {name: dataset(name)[0]}, perm {name: order}, settings (the controls)."""

    module = "playground"
    datasets = traitlets.Dict().tag(sync=True)
    perm = traitlets.Dict().tag(sync=True)
    settings = traitlets.Dict().tag(sync=True)


def playground(seed=0, **settings):
    """The playground; keyword arguments override SETTINGS (the controls' starting values), e.g.
    playground(dataset="xor", hidden=[4], activation="relu", lr=0.3, loss="se", compare=True)."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown setting(s) {sorted(unknown)}; the settings are {sorted(SETTINGS)}")
    st = {**SETTINGS, **settings, "seed": int(seed)}
    if st["dataset"] not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}; got {st['dataset']!r}")
    hidden = list(st["hidden"])
    if len(hidden) > 3 or any(int(u) != u or not 1 <= u <= 8 for u in hidden):
        raise ValueError(f"hidden must list 0 to 3 layer sizes, each 1 to 8 units; got {st['hidden']!r}")
    if st["activation"] not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}; got {st['activation']!r}")
    if st["loss"] not in ("ce", "se"):
        raise ValueError(f"loss must be 'ce' (cross-entropy) or 'se' (squared error); got {st['loss']!r}")
    checks = {"noise": (0, 0.5), "train_share": (0.1, 0.9), "lr": (0.001, 10), "reg": (0, 0.05), "batch": (1, 400)}
    for key, (lo, hi) in checks.items():
        if not lo <= st[key] <= hi:
            raise ValueError(f"{key} must lie in the control's range [{lo}, {hi}]; got {st[key]!r}")
    if st["speed"] not in (1, 2, 5, 10, 20, 50):
        raise ValueError(f"speed (steps per frame) must be one of 1, 2, 5, 10, 20, 50; got {st['speed']!r}")
    st["hidden"] = [int(u) for u in hidden]
    st["lr"] = on_grid(st["lr"], 0.001, 10, n=1000)            # where the page's sliders can be
    st["noise"], st["train_share"] = on_grid(st["noise"], 0, 0.5, 0.005), on_grid(st["train_share"], 0.1, 0.9, 0.01)
    st["reg"], st["batch"] = on_grid(st["reg"], 0, 0.05, 0.0001), int(st["batch"])
    sets, perm = {}, {}
    for name in DATASETS:
        sets[name], perm[name] = dataset(name, seed)
    return Playground(datasets=sets, perm=perm, settings=st,
                      alt="A neural network playground: decision regions of a small network training on 2-D "
                          "points, a heat map per hidden unit, and training and test loss curves.")
