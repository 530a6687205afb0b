"""Data sets of the course: digits (bundled, offline), toy 2-D sets, and CIFAR-10.

Every loader returns plain NumPy arrays in the course's notation: ``X`` holds one example
per row, ``y`` holds integer labels ``0..C-1``.

* :func:`load_digits` - scikit-learn's bundled 8x8 digits (1,797 images), no network needed.
* :func:`blobs`, :func:`xor`, :func:`circles`, :func:`spiral` - seeded toy 2-D sets.
* :func:`load_cifar10_sample` - 100 CIFAR-10 test images (10 per class) committed with the
  package as PNGs, so the book can show CIFAR-10 with no data copy present.
* :func:`load_cifar10` - the lecture's data set, read from the official python archive
  ``cifar-10-python.tar.gz`` (or its extracted folder ``cifar-10-batches-py``), or from an
  image-folder copy (``train/<class>/*.jpg``, ``test/<class>/*.jpg``, as a folder or a .tar.gz).

The data folder is ``~/.cache/lcb`` unless the environment variable ``LCB_DATA_DIR`` names
another one. It holds downloads and a cache of decoded arrays (``cifar10-*.npz``), so a second
load takes about a second. ``LCB_CIFAR10`` may point at a local copy of CIFAR-10 (any layout).

From a terminal::

    python -m book.data download cifar10 [--dir DIR]
"""
from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import importlib.util
import io
import os
import pickle
import re
import sys
import tarfile
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Data", "load_digits", "blobs", "xor", "circles", "spiral",
    "CIFAR10_CLASSES", "CIFAR10_URL", "CIFAR10_MD5", "CIFAR10_ARCHIVE",
    "data_dir", "load_cifar10", "load_cifar10_sample", "cifar10_available", "download_cifar10", "main",
]


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


# --------------------------------------------------------------------------- CIFAR-10
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"      # published with the archive
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_FOLDER = "cifar-10-batches-py"
_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# Names looked for in the data folder when no root is given, in order.
_SEARCH_NAMES = (CIFAR10_FOLDER, CIFAR10_ARCHIVE, "cifar10-jpg.tar.gz", "cifar10-jpg", "cifar10")
_urlopen = urllib.request.urlopen                    # replaced in tests: no network there


def data_dir() -> Path:
    """The data folder: $LCB_DATA_DIR if set, else ~/.cache/lcb (not created here)."""
    env = os.environ.get("LCB_DATA_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "lcb"


def _md5(path, chunk=1 << 20):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _missing_message(looked_in):
    where = "\n".join(f"  - {p}" for p in looked_in) or "  (nowhere)"
    return (
        "CIFAR-10 not found. Looked in:\n" + where + "\n"
        "Get it in one of these ways:\n"
        "  1. from a terminal:   python -m book.data download cifar10   (about 163 MB, into "
        f"{data_dir()}; add --dir DIR for another folder)\n"
        "  2. from Python:       book.data.load_cifar10(download=True)\n"
        "  3. point at a local copy with load_cifar10(root=PATH) or the environment variable "
        "LCB_CIFAR10=PATH (or LCB_DATA_DIR=FOLDER holding it), PATH being either\n"
        f"     - the official python archive {CIFAR10_ARCHIVE} or its extracted folder "
        f"{CIFAR10_FOLDER}/ (data_batch_1..5, test_batch, batches.meta), or\n"
        "     - an image-folder layout train/<class>/*.jpg and test/<class>/*.jpg, as a folder "
        "or a .tar.gz of it."
    )


def _natural_key(name):
    """Sort key that orders '2.jpg' before '10.jpg' (digit runs compare as numbers)."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", name) if t]


def _tar_layout(path):
    """'python' or 'images' from the member names of a .tar.gz, None if neither."""
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            parts = Path(m.name).parts
            if parts and parts[-1] in _BATCHES + ["batches.meta"]:
                return "python"
            if m.isfile() and m.name.lower().endswith(_IMAGE_SUFFIXES) and (
                    "train" in parts[:-2] or "test" in parts[:-2]):
                return "images"
    return None


def _dir_layout(path):
    """(layout, folder) for a directory holding one of the layouts, or None."""
    path = Path(path)
    if (path / "data_batch_1").is_file():
        return "python", path
    if (path / CIFAR10_FOLDER / "data_batch_1").is_file():
        return "python", path / CIFAR10_FOLDER
    if (path / "train").is_dir() and (path / "test").is_dir():
        return "images", path
    return None


def _resolve(root):
    """Find a CIFAR-10 copy. Returns (kind, path): kind in {'python-tar', 'python-dir',
    'images-tar', 'images-dir'}; raises FileNotFoundError with instructions when absent."""
    if root is not None:
        candidates = [Path(root).expanduser()]
    else:
        candidates = []
        if os.environ.get("LCB_CIFAR10"):
            candidates.append(Path(os.environ["LCB_CIFAR10"]).expanduser())
        candidates += [data_dir()] + [data_dir() / name for name in _SEARCH_NAMES]
    looked_in = []
    for path in candidates:
        looked_in.append(str(path))
        if path.is_dir():
            found = _dir_layout(path)
            if found is None and root is not None:       # e.g. a folder holding the archive
                for name in _SEARCH_NAMES:
                    if (path / name).exists():
                        return _resolve(path / name)
            if found is not None:
                return found[0] + "-dir", found[1]
        elif path.is_file():
            layout = _tar_layout(path) if tarfile.is_tarfile(path) else None
            if layout is None:
                raise ValueError(f"root {str(path)!r} is a file but not a CIFAR-10 archive: expected "
                                 f"the official {CIFAR10_ARCHIVE} or a .tar.gz holding "
                                 "train/<class>/*.jpg and test/<class>/*.jpg")
            return layout + "-tar", path
    raise FileNotFoundError(_missing_message(looked_in))


def _stack_batches(batches, meta):
    """Official pickled batches -> (X_train, y_train, X_test, y_test, class_names)."""
    def images(b):
        data = np.asarray(b[b"data"], dtype=np.uint8)
        if data.ndim != 2 or data.shape[1] != 3072:
            raise ValueError(f"a CIFAR-10 batch's b'data' must have shape (N, 3072); got {data.shape}")
        return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)   # channels last: (N, 32, 32, 3)
    train = [batches[name] for name in _BATCHES[:-1]]
    X_train = np.ascontiguousarray(np.concatenate([images(b) for b in train]))
    y_train = np.concatenate([np.asarray(b[b"labels"], dtype=np.int64) for b in train])
    X_test = np.ascontiguousarray(images(batches["test_batch"]))
    y_test = np.asarray(batches["test_batch"][b"labels"], dtype=np.int64)
    names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in meta[b"label_names"])
    return X_train, y_train, X_test, y_test, names


def _read_python_dir(folder):
    folder = Path(folder)
    missing = [n for n in _BATCHES + ["batches.meta"] if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)} of the official CIFAR-10 "
                                "python layout")
    def load(name):
        with open(folder / name, "rb") as f:
            return pickle.load(f, encoding="bytes")
    return _stack_batches({n: load(n) for n in _BATCHES}, load("batches.meta"))


def _read_python_tar(path):
    if Path(path).name == CIFAR10_ARCHIVE:
        md5 = _md5(path)
        if md5 != CIFAR10_MD5:
            raise ValueError(f"{path} has MD5 {md5}, not the published {CIFAR10_MD5}: the file is "
                             "incomplete or corrupt. Delete it and run "
                             "`python -m book.data download cifar10` again.")
    found = {}
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            name = Path(m.name).name
            if m.isfile() and name in _BATCHES + ["batches.meta"]:
                found[name] = pickle.load(tf.extractfile(m), encoding="bytes")
    missing = [n for n in _BATCHES + ["batches.meta"] if n not in found]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)} of the official CIFAR-10 python layout")
    meta = found.pop("batches.meta")
    return _stack_batches(found, meta)


def _decode_images(files, where):
    """files: dict split -> dict class -> list of (name, bytes). Decoded in a fixed order:
    classes in CIFAR-10 order when the class set is CIFAR-10's, else sorted; names numerically."""
    from PIL import Image

    for split in ("train", "test"):
        if not files.get(split):
            raise ValueError(f"{where} has no {split}/<class>/*.jpg images")
    classes = sorted(files["train"])
    if set(classes) == set(CIFAR10_CLASSES):
        classes = list(CIFAR10_CLASSES)
    if set(files["test"]) != set(classes):
        raise ValueError(f"{where}: train/ and test/ must hold the same class folders; got "
                         f"train {sorted(files['train'])} and test {sorted(files['test'])}")
    out = []
    for split in ("train", "test"):
        items = [(c, name, blob) for c, cls in enumerate(classes)
                 for name, blob in sorted(files[split][cls], key=lambda t: _natural_key(t[0]))]
        X = np.empty((len(items), 32, 32, 3), dtype=np.uint8)
        for i, (_, name, blob) in enumerate(items):
            with Image.open(io.BytesIO(blob)) as im:
                if im.size != (32, 32):
                    raise ValueError(f"{where}: {split}/{classes[items[i][0]]}/{name} is "
                                     f"{im.size[0]}x{im.size[1]} pixels; CIFAR-10 images are 32x32")
                X[i] = np.asarray(im.convert("RGB"))
        out += [X, np.array([c for c, _, _ in items], dtype=np.int64)]
    return (*out, tuple(classes))


def _is_image(name):
    """An image file name (hidden files such as macOS's ._x.jpg excluded)."""
    return name.lower().endswith(_IMAGE_SUFFIXES) and not name.startswith(".")


def _read_images_tar(path):
    files = {"train": {}, "test": {}}
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            parts = Path(m.name).parts
            if m.isfile() and len(parts) >= 3 and parts[-3] in files and _is_image(parts[-1]):
                files[parts[-3]].setdefault(parts[-2], []).append((parts[-1], tf.extractfile(m).read()))
    return _decode_images(files, path)


def _read_images_dir(folder):
    files = {"train": {}, "test": {}}
    for split in files:
        for cls in sorted(p for p in (Path(folder) / split).iterdir()
                          if p.is_dir() and not p.name.startswith(".")):
            files[split][cls.name] = [(f.name, f.read_bytes()) for f in cls.iterdir()
                                      if f.is_file() and _is_image(f.name)]
    return _decode_images(files, folder)


_READERS = {"python-tar": _read_python_tar, "python-dir": _read_python_dir,
            "images-tar": _read_images_tar, "images-dir": _read_images_dir}


def _fingerprint(kind, path):
    """Short hashes of the source's identity: (of its kind and resolved path, of its sizes and
    modification times)."""
    path = Path(path).resolve()
    where = hashlib.sha256(f"{kind}|{path}".encode()).hexdigest()[:8]
    h = hashlib.sha256()
    if path.is_file():
        st = path.stat()
        h.update(f"|{st.st_size}|{st.st_mtime_ns}".encode())
    else:
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for name in sorted(filenames):
                st = os.stat(os.path.join(dirpath, name))
                h.update(f"|{os.path.relpath(os.path.join(dirpath, name), path)}"
                         f"|{st.st_size}|{st.st_mtime_ns}".encode())
    return where, h.hexdigest()[:12]


def _cache_file(kind, path):
    """The cache file of a source: cifar10-<kind>-<path hash>-<state hash>.npz in data_dir()."""
    where, state = _fingerprint(kind, path)
    return data_dir() / f"cifar10-{kind}-{where}-{state}.npz"


def _write_cache(cache, arrays):
    """Save the decoded arrays atomically (a temporary file renamed when complete)."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".cifar10-", suffix=".npz.part")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, cache)
            stem = cache.name.rsplit("-", 1)[0]               # older caches of the same source
            for old in cache.parent.glob(f"{stem}-*.npz"):
                if old != cache:
                    old.unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:                                  # a read-only folder only costs speed
        warnings.warn(f"could not write the CIFAR-10 cache {cache}: {e}", stacklevel=3)


def cifar10_available(root=None) -> bool:
    """True when load_cifar10(root) would find a copy of CIFAR-10 without downloading."""
    try:
        _resolve(root)
    except (FileNotFoundError, ValueError):
        return False
    return True


def load_cifar10(root=None, download=False, cache=True) -> Data:
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32x32, in 10 classes.

    root : a path to the official archive cifar-10-python.tar.gz, its extracted folder
        cifar-10-batches-py, a folder holding either, or an image-folder copy
        (train/<class>/*.jpg, test/<class>/*.jpg) as a folder or a .tar.gz.
        None: $LCB_CIFAR10 if set, else the data folder (data_dir(): $LCB_DATA_DIR or ~/.cache/lcb).
    download : if no copy is found, fetch the official archive into the data folder (or into
        root when root is a folder), checksum-verified; see download_cifar10.
    cache : keep the decoded arrays as an .npz in the data folder, keyed by the source's path,
        size and modification time, so the next load takes about a second.

    The official archive (named cifar-10-python.tar.gz) is checked against its published MD5.
    Returns Data with X_train (50000, 32, 32, 3) uint8, y_train (50000,) int64, X_test
    (10000, 32, 32, 3) uint8, y_test (10000,) int64, X_val = y_val = None (take a validation
    split from train), class_names CIFAR10_CLASSES, image_shape (32, 32, 3). Order: the official
    batch order, or for image folders class by class, file names sorted numerically.
    Raises FileNotFoundError, saying how to get the data, when there is none.
    """
    try:
        kind, path = _resolve(root)
    except FileNotFoundError:
        if not download:
            raise
        target = Path(root).expanduser() if root is not None else data_dir()
        if target.suffix in (".gz", ".tgz") or target.is_file():
            target = target.parent
        path = download_cifar10(target)
        kind = "python-tar"
    cache_file = _cache_file(kind, path) if cache else None
    if cache_file is not None and cache_file.is_file():
        try:
            with np.load(cache_file) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError):          # damaged cache: read the source again
            arrays = None
    else:
        arrays = None
    if arrays is None:
        X_train, y_train, X_test, y_test, names = _READERS[kind](path)
        arrays = dict(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test,
                      class_names=np.array(names))
        if cache_file is not None:
            _write_cache(cache_file, arrays)
    return Data(arrays["X_train"], arrays["y_train"], None, None, arrays["X_test"], arrays["y_test"],
                tuple(str(c) for c in arrays["class_names"]), (32, 32, 3), str(path))


def download_cifar10(dest_dir=None, *, url=None, md5=None, progress=True) -> Path:
    """Download the official CIFAR-10 python archive into dest_dir (default: data_dir()).

    The bytes go to a temporary file in dest_dir, renamed to cifar-10-python.tar.gz only after
    their MD5 equals `md5`; on any error or interruption (Ctrl-C too) the partial file is removed.
    If the archive is already there with the right MD5 nothing is fetched. Returns its path.
    url, md5 default to CIFAR10_URL and the published CIFAR10_MD5.
    """
    from tqdm.auto import tqdm

    url = CIFAR10_URL if url is None else url
    md5 = CIFAR10_MD5 if md5 is None else md5
    dest_dir = Path(dest_dir).expanduser() if dest_dir is not None else data_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / CIFAR10_ARCHIVE
    if dest.is_file() and _md5(dest) == md5:
        return dest
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{CIFAR10_ARCHIVE}.", suffix=".part")
    try:
        h = hashlib.md5()
        with os.fdopen(fd, "wb") as f, _urlopen(url) as response:
            total = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
            with tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                      unit_divisor=1024, desc=CIFAR10_ARCHIVE, disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 20), b""):
                    f.write(block)
                    h.update(block)
                    bar.update(len(block))
        if h.hexdigest() != md5:
            raise ValueError(f"the download from {url} has MD5 {h.hexdigest()}, expected {md5}: it "
                             "is incomplete or corrupt and was removed; try again.")
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


# --------------------------------------------------------------------------- CIFAR-10 sample
CIFAR10_SAMPLE_DIR = Path(__file__).resolve().parent / "assets" / "cifar10" / "sample"


def load_cifar10_sample(path=None):
    """The CIFAR-10 sample shipped with the package: 10 test images per class of the JPEG copy,
    drawn by a seeded script (python -m book.experiments cifar10-sample; its record is
    sample/provenance.json). Reads only the committed PNGs: no data copy needed.

    Returns (X, y, class_names): X (N, 32, 32, 3) uint8 RGB images, y (N,) int64 labels in
    0..9, class_names a tuple of 10 str (CIFAR-10's order), images sorted by class.
    path : the sample folder (default book/assets/cifar10/sample).
    """
    import json
    from PIL import Image

    folder = CIFAR10_SAMPLE_DIR if path is None else Path(path).expanduser()
    record_file = folder / "provenance.json"
    if not record_file.is_file():
        raise FileNotFoundError(
            f"no CIFAR-10 sample in {folder} (provenance.json missing). Write it with\n"
            f"  python -m book.experiments cifar10-sample --data PATH_TO_CIFAR10_JPG --out {folder}")
    record = json.loads(record_file.read_text())
    items = record["images"]
    X = np.empty((len(items), 32, 32, 3), dtype=np.uint8)
    for i, item in enumerate(items):
        with Image.open(folder / item["file"]) as im:
            if im.size != (32, 32):
                raise ValueError(f"{folder / item['file']} is {im.size[0]}x{im.size[1]}; the sample "
                                 "holds 32x32 images: rewrite it with the command in provenance.json")
            X[i] = np.asarray(im.convert("RGB"))
    y = np.array([item["label"] for item in items], dtype=np.int64)
    return X, y, tuple(record["class_names"])


# --------------------------------------------------------------------------- command line
def main(argv=None):
    """python -m book.data download cifar10 [--dir DIR]"""
    parser = argparse.ArgumentParser(prog="python -m book.data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dl = sub.add_parser("download", help="download a data set (checksum-verified) into the data folder")
    dl.add_argument("dataset", choices=["cifar10"])
    dl.add_argument("--dir", default=None, help=f"target folder (default: {data_dir()}, "
                    "or $LCB_DATA_DIR)")
    args = parser.parse_args(argv)
    try:
        path = download_cifar10(args.dir)
    except KeyboardInterrupt:
        print("interrupted; the partial download was removed", file=sys.stderr)
        return 130
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"CIFAR-10 ready: {path}")
    if args.dir is not None and Path(args.dir).expanduser().resolve() != data_dir().resolve():
        print(f"load it with book.data.load_cifar10(root={str(path)!r}) or set LCB_DATA_DIR={args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
