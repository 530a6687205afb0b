"""Data sets of the course: the digits (bundled, offline) and toy 2-D sets.

Every loader returns plain NumPy arrays in the course's notation: ``X`` holds one example
per row, ``y`` holds integer labels ``0..C-1``.

* :func:`load_digits` - scikit-learn's bundled 8x8 digits (1,797 images), no network needed.
* :func:`separable`, :func:`blobs`, :func:`xor`, :func:`circles`, :func:`spiral` - seeded toy 2-D sets.

CIFAR-10 (its readers, download, cache and the sample shipped with the package) lives in
:mod:`book.cifar10`.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Data", "load_digits", "separable", "blobs", "xor", "circles", "spiral"]


@dataclass(frozen=True, repr=False)
class Data:
    """A data set split into train / validation / test.

    X_train, X_val, X_test : (N, D) float64 for digits; (N, 32, 32, 3) uint8 images for CIFAR-10
    y_train, y_val, y_test : (N,) int64 labels in 0..C-1
    X_val, y_val           : None when there is no validation split (CIFAR-10: take one from train)
    class_names            : tuple of C str, class_names[c] names label c
    image_shape            : shape of one image, (8, 8) for digits, (32, 32, 3) for CIFAR-10
    source                 : where the data came from (a path, or a short description)
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    image_shape: tuple
    source: str = ""

    def __repr__(self):
        def shape(a):
            return None if a is None else f"{a.shape} {a.dtype}"
        return (f"Data(X_train={shape(self.X_train)}, X_val={shape(self.X_val)}, "
                f"X_test={shape(self.X_test)}, C={len(self.class_names)}, "
                f"image_shape={self.image_shape}, source={self.source!r})")


# --------------------------------------------------------------------------- argument checks
def _check_int(name, value, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}; got {value!r} of type {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value}")
    return int(value)


def _check_float(name, value, low=0.0, high=None, low_open=False, high_open=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; got {value!r}") from None
    bad_low = v <= low if low_open else v < low
    bad_high = high is not None and (v >= high if high_open else v > high)
    if not np.isfinite(v) or bad_low or bad_high:
        lo = "(" if low_open else "["
        hi = "" if high is None else (f"{high})" if high_open else f"{high}]")
        raise ValueError(f"{name} must lie in {lo}{low}, {hi or 'inf)'}; got {value!r}")
    return v


# --------------------------------------------------------------------------- digits
def _stratified_split(y, fractions, rng):
    """Indices of each split, drawn class by class so every split keeps the class proportions.

    y (N,) int labels; fractions: list of fractions for all splits but the first (which gets the rest).
    Returns a list of index arrays (first split first), each shuffled.
    """
    parts = [[] for _ in range(len(fractions) + 1)]
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        counts = [int(round(f * len(idx))) for f in fractions]
        start = len(idx) - sum(counts)
        parts[0].append(idx[:start])
        for k, n in enumerate(counts, start=1):
            parts[k].append(idx[start:start + n])
            start += n
    return [rng.permutation(np.concatenate(p)) for p in parts]


@functools.lru_cache(maxsize=1)
def _digits_arrays():
    """The raw digits (pixels 0..16 as float64 (1797, 64), labels (1797,)), read once per process.

    Read straight from the file scikit-learn bundles (datasets/data/digits.csv.gz, the file its
    load_digits parses the same way) without importing scikit-learn, whose import takes about a
    second; scikit-learn's own loader is the fallback. The arrays are read-only (shared by calls).
    """
    spec = importlib.util.find_spec("sklearn")
    path = None
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    if path is not None and path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            table = np.loadtxt(f, delimiter=",")
        raw, target = table[:, :-1], table[:, -1].astype(int)
    else:
        from sklearn.datasets import load_digits as _sk_load_digits
        digits = _sk_load_digits()
        raw, target = digits.data.astype(np.float64), digits.target
    raw.flags.writeable = False
    target.flags.writeable = False
    return raw, target


def load_digits(seed=0, val_fraction=0.2, test_fraction=0.2) -> Data:
    """scikit-learn's bundled handwritten digits: 1,797 grey 8x8 images of 0..9, no network needed.

    Pixels are scaled to [0, 1] (the raw values are 0..16, so X = raw / 16). The split is
    stratified (each class keeps its proportion in every split) and seeded.

    Returns Data with X_* (N, 64) float64, y_* (N,) int64, class_names ("0", ..., "9"),
    image_shape (8, 8). With val_fraction=0, X_val and y_val are None.
    About 60 % / 20 % / 20 % with the defaults: 1,079 train, 359 validation, 359 test.
    """
    val_fraction = _check_float("val_fraction", val_fraction, 0.0, 1.0)
    test_fraction = _check_float("test_fraction", test_fraction, 0.0, 1.0, low_open=True)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError("val_fraction + test_fraction must be below 1 to leave training data; "
                         f"got {val_fraction} + {test_fraction}")
    rng = np.random.default_rng(seed)
    raw, target = _digits_arrays()
    X = raw / 16.0
    y = target.astype(np.int64)
    train, val, test = _stratified_split(y, [val_fraction, test_fraction], rng)
    has_val = val_fraction > 0
    return Data(X[train], y[train], X[val] if has_val else None, y[val] if has_val else None,
                X[test], y[test], tuple(str(c) for c in range(10)), (8, 8),
                "sklearn.datasets.load_digits")


# --------------------------------------------------------------------------- toy 2-D sets
def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order].astype(np.int64)


def blobs(n=300, classes=3, seed=0, spread=0.5):
    """Gaussian blobs, one per class, whose centres sit on a circle: linearly separable.

    Each blob has standard deviation `spread`; points farther than 0.45 times the distance
    between neighbouring centres from their own centre are redrawn, so each class stays inside a
    disc that lies in its centre's nearest-centre region. The nearest-centre rule is a linear
    classifier (argmax_c  m_c . x - |m_c|^2 / 2), hence the classes are always linearly separable.

    Returns X (n, 2) float64, y (n,) int64 in 0..classes-1 (sizes differ by at most 1), shuffled.
    """
    n = _check_int("n", n, 1)
    classes = _check_int("classes", classes, 2)
    spread = _check_float("spread", spread, 0.0, low_open=True)
    rng = np.random.default_rng(seed)
    radius = max(2.0, 1.5 / np.sin(np.pi / classes))          # neighbours at least 3 apart
    angles = 2 * np.pi * np.arange(classes) / classes + np.pi / 2
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)   # (classes, 2)
    r_max = 0.45 * 2 * radius * np.sin(np.pi / classes)
    y = np.arange(n) % classes
    offsets = rng.normal(0.0, spread, size=(n, 2))
    far = np.linalg.norm(offsets, axis=1) >= r_max
    while far.any():                                          # redraw the few far points
        offsets[far] = rng.normal(0.0, spread, size=(far.sum(), 2))
        far = np.linalg.norm(offsets, axis=1) >= r_max
    return _shuffled(centres[y] + offsets, y, rng)


def xor(n=200, noise=0.1, seed=0):
    """The XOR problem: points uniform in the four quadrants of [-1, 1]^2, label 1 where the
    signs of the two coordinates differ, 0 where they agree, plus Gaussian noise of std `noise`
    on the positions. No line separates the classes.

    Returns X (n, 2) float64, y (n,) int64 in {0, 1} (class sizes differ by at most 1), shuffled.
    """
    n = _check_int("n", n, 1)
    noise = _check_float("noise", noise, 0.0)
    rng = np.random.default_rng(seed)
    quadrant = np.arange(n) % 4
    signs = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1]], dtype=np.float64)[quadrant]
    X = signs * rng.uniform(0.0, 1.0, size=(n, 2)) + rng.normal(0.0, noise, size=(n, 2))
    y = quadrant % 2                                          # signs differ in quadrants 1, 3
    return _shuffled(X, y, rng)


def circles(n=200, noise=0.1, factor=0.5, seed=0):
    """Two concentric circles: class 0 on the unit circle, class 1 on a circle of radius `factor`,
    angles uniform at random, plus Gaussian noise of std `noise`. Not linearly separable.

    Returns X (n, 2) float64, y (n,) int64 in {0, 1} (n // 2 of class 1), shuffled.
    """
    n = _check_int("n", n, 2)
    noise = _check_float("noise", noise, 0.0)
    factor = _check_float("factor", factor, 0.0, 1.0, low_open=True)
    rng = np.random.default_rng(seed)
    y = (np.arange(n) >= n - n // 2).astype(np.int64)
    r = np.where(y == 1, factor, 1.0)
    t = rng.uniform(0.0, 2 * np.pi, size=n)
    X = r[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1) + rng.normal(0.0, noise, size=(n, 2))
    return _shuffled(X, y, rng)


def spiral(n_per_class=100, arms=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one class per arm (the CS231n spiral): along arm k the radius
    grows from 0 to 1 while the angle sweeps 4 radians from 4k, with Gaussian noise of std
    `noise` on the angle.

    Returns X (n_per_class * arms, 2) float64, y (n_per_class * arms,) int64 in 0..arms-1, shuffled.
    """
    n_per_class = _check_int("n_per_class", n_per_class, 1)
    arms = _check_int("arms", arms, 2)
    noise = _check_float("noise", noise, 0.0)
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), arms)
    y = np.repeat(np.arange(arms), n_per_class)
    t = 4.0 * y + np.tile(np.linspace(0.0, 4.0, n_per_class), arms)
    t = t + rng.normal(0.0, noise, size=t.shape)
    X = r[:, None] * np.stack([np.sin(t), np.cos(t)], axis=1)
    return _shuffled(X, y, rng)


def separable(n=100, margin=0.1, seed=4):
    """Two classes on either side of the line x1 + 2 x2 = 1, none closer to it than `margin`: a
    line separates them (the perceptron chapter's set; the defaults draw the chapter's points).

    The points are uniform in [-2, 2]^2; those within `margin` of the line are dropped, from 4n
    candidates. Returns X (n, 2) float64, y (n,) int64 in {0, 1}: 1 above the line
    (x1 + 2 x2 > 1), 0 below. The perceptron's labels in {-1, +1} are 2 * y - 1.
    """
    n = _check_int("n", n, 1)
    margin = _check_float("margin", margin, 0.0)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(4 * n, 2))
    dist = (X @ np.array([1.0, 2.0]) - 1.0) / np.sqrt(5)     # signed distance to the line
    far = np.abs(dist) >= margin
    if far.sum() < n:
        raise ValueError(f"margin={margin} leaves {int(far.sum())} of {4 * n} candidate points, "
                         f"fewer than n={n}: choose a smaller margin")
    return X[far][:n], (dist[far][:n] > 0).astype(np.int64)


if __name__ == "__main__":
    raise SystemExit("book.data has no command line; CIFAR-10's is book.cifar10: "
                     "python -m book.cifar10 download")
