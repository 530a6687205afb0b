"""CIFAR-10: 60,000 colour images of 32x32 pixels in 10 classes, the lecture's data set.

* :func:`load_cifar10` - read a copy: the official python archive ``cifar-10-python.tar.gz`` (or
  its extracted folder ``cifar-10-batches-py``), or an image-folder copy (``train/<class>/*.jpg``,
  ``test/<class>/*.jpg``, as a folder or a .tar/.tar.gz of one). Returns a :class:`book.data.Data`.
* :func:`download_cifar10` - fetch the official archive, checked against its published MD5.
* :func:`load_cifar10_sample` - 100 CIFAR-10 test images (10 per class) committed with the
  package as PNGs, so the book can show CIFAR-10 with no data copy present;
  :func:`write_cifar10_sample` draws them (seeded) from an image-folder copy.

The data folder is ``~/.cache/lcb`` unless the environment variable ``LCB_DATA_DIR`` names
another one. It holds downloads and a cache of decoded arrays (``cifar10-*.npz``), so a second
load takes about a second. ``LCB_CIFAR10`` may point at a local copy of CIFAR-10 (any layout).

From a terminal::

    python -m book.cifar10 download [--dir DIR]
    python -m book.cifar10 sample --data PATH [--out book/assets/cifar10/sample]

The training runs on CIFAR-10 behind the book's numbers are in :mod:`book.experiments`.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import pickle
import re
import sys
import tarfile
import urllib.request
import warnings
from pathlib import Path

import numpy as np

from ._files import atomic_open, atomic_write, digest
from .data import Data

__all__ = [
    "CIFAR10_CLASSES", "CIFAR10_URL", "CIFAR10_MD5", "CIFAR10_ARCHIVE", "CIFAR10_SAMPLE_DIR",
    "data_dir", "load_cifar10", "cifar10_available", "download_cifar10",
    "load_cifar10_sample", "write_cifar10_sample", "main",
]

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


def _missing_message(looked_in):
    where = "\n".join(f"  - {p}" for p in looked_in) or "  (nowhere)"
    return (
        "CIFAR-10 not found. Looked in:\n" + where + "\n"
        "Get it in one of these ways:\n"
        "  1. from a terminal:   python -m book.cifar10 download   (about 163 MB, into "
        f"{data_dir()}; add --dir DIR for another folder)\n"
        "  2. from Python:       book.cifar10.load_cifar10(download=True)\n"
        "  3. point at a local copy with load_cifar10(root=PATH) or the environment variable "
        "LCB_CIFAR10=PATH (or LCB_DATA_DIR=FOLDER holding it), PATH being either\n"
        f"     - the official python archive {CIFAR10_ARCHIVE} or its extracted folder "
        f"{CIFAR10_FOLDER}/ (data_batch_1..5, test_batch, batches.meta), or\n"
        "     - an image-folder layout train/<class>/*.jpg and test/<class>/*.jpg, as a folder "
        "or a .tar or .tar.gz of it."
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
        md5 = digest(path, "md5")
        if md5 != CIFAR10_MD5:
            raise ValueError(f"{path} has MD5 {md5}, not the published {CIFAR10_MD5}: the file is "
                             "incomplete or corrupt. Delete it and run "
                             "`python -m book.cifar10 download` again.")
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
                    raise ValueError(f"{where}: {name} is {im.size[0]}x{im.size[1]} pixels; "
                                     "CIFAR-10 images are 32x32")
                X[i] = np.asarray(im.convert("RGB"))
        out += [X, np.array([c for c, _, _ in items], dtype=np.int64)]
    return (*out, tuple(classes))


def _is_image(name):
    """An image file name (hidden files such as macOS's ._x.jpg excluded)."""
    return name.lower().endswith(_IMAGE_SUFFIXES) and not name.startswith(".")


def _image_files(path, splits=("train", "test")):
    """The images of an image-folder copy (a folder, or a .tar/.tar.gz of one, holding
    <split>/<class>/*.jpg): {split: {class: [(path in the source, bytes), ...]}}."""
    path = Path(path)
    files = {split: {} for split in splits}
    if path.is_file():
        with tarfile.open(path, "r:*") as tf:
            for m in tf:
                parts = Path(m.name).parts
                if m.isfile() and len(parts) >= 3 and parts[-3] in files and _is_image(parts[-1]):
                    files[parts[-3]].setdefault(parts[-2], []).append((m.name, tf.extractfile(m).read()))
        return files
    for split in splits:
        if not (path / split).is_dir():
            continue
        for cls in sorted(p for p in (path / split).iterdir() if p.is_dir() and not p.name.startswith(".")):
            files[split][cls.name] = [(str(f.relative_to(path)), f.read_bytes()) for f in cls.iterdir()
                                      if f.is_file() and _is_image(f.name)]
    return files


def _read_images(path):
    return _decode_images(_image_files(path), path)


_READERS = {"python-tar": _read_python_tar, "python-dir": _read_python_dir,
            "images-tar": _read_images, "images-dir": _read_images}


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
    """Save the decoded arrays atomically, then remove older caches of the same source."""
    try:
        with atomic_open(cache, "wb") as f:
            np.savez(f, **arrays)
        stem = cache.name.rsplit("-", 1)[0]
        for old in cache.parent.glob(f"{stem}-*.npz"):
            if old != cache:
                old.unlink(missing_ok=True)
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

    The bytes are written atomically: a partial download never stands under the archive's name,
    and on any error or interruption (Ctrl-C too) it is removed. The complete file's MD5 is then
    checked against `md5`; a file that differs is removed. If the archive is already there with
    the right MD5 nothing is fetched. Returns its path.
    url, md5 default to CIFAR10_URL and the published CIFAR10_MD5.
    """
    from tqdm.auto import tqdm

    url = CIFAR10_URL if url is None else url
    md5 = CIFAR10_MD5 if md5 is None else md5
    dest = (Path(dest_dir).expanduser() if dest_dir is not None else data_dir()) / CIFAR10_ARCHIVE
    if dest.is_file() and digest(dest, "md5") == md5:
        return dest
    with atomic_open(dest, "wb") as f, _urlopen(url) as response:
        total = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
        with tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                  unit_divisor=1024, desc=CIFAR10_ARCHIVE, disable=not progress) as bar:
            for block in iter(lambda: response.read(1 << 20), b""):
                f.write(block)
                bar.update(len(block))
    found = digest(dest, "md5")
    if found != md5:
        dest.unlink()
        raise ValueError(f"the download from {url} has MD5 {found}, expected {md5}: it "
                         "is incomplete or corrupt and was removed; try again.")
    return dest


# --------------------------------------------------------------------------- the sample the book shows
CIFAR10_SAMPLE_DIR = Path(__file__).resolve().parent / "assets" / "cifar10" / "sample"
SAMPLE_PER_CLASS = 10  # the data rules allow at most 10 test images per class
SAMPLE_MAX_BYTES = 300_000


def load_cifar10_sample(path=None):
    """The CIFAR-10 sample shipped with the package: 10 test images per class of the JPEG copy,
    drawn by write_cifar10_sample (python -m book.cifar10 sample; its record is
    sample/provenance.json). Reads only the committed PNGs: no data copy needed.

    Returns (X, y, class_names): X (N, 32, 32, 3) uint8 RGB images, y (N,) int64 labels in
    0..9, class_names a tuple of 10 str (CIFAR-10's order), images sorted by class.
    path : the sample folder (default book/assets/cifar10/sample).
    """
    from PIL import Image

    folder = CIFAR10_SAMPLE_DIR if path is None else Path(path).expanduser()
    record_file = folder / "provenance.json"
    if not record_file.is_file():
        raise FileNotFoundError(
            f"no CIFAR-10 sample in {folder} (provenance.json missing). Write it with\n"
            f"  python -m book.cifar10 sample --data PATH_TO_CIFAR10_JPG --out {folder}")
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


def write_cifar10_sample(data_path, out=CIFAR10_SAMPLE_DIR, *, per_class=SAMPLE_PER_CLASS, seed=0,
                         command=None, max_bytes=SAMPLE_MAX_BYTES):
    """Draw `per_class` test images of each class at random (seeded) from the image-folder copy
    at data_path and write them as 32x32 PNGs <class>_<k>.png into `out`, with provenance.json.

    Returns the provenance dict. Raises ValueError if per_class > 10 (the data rules' limit), if an
    image is not 32x32, or if the PNGs together exceed max_bytes.
    """
    from PIL import Image

    if not 1 <= per_class <= SAMPLE_PER_CLASS:
        raise ValueError(f"per_class must be 1..{SAMPLE_PER_CLASS} (the data rules allow at most "
                         f"{SAMPLE_PER_CLASS} test images per class); got {per_class}")
    data_path = Path(data_path).expanduser()
    members = _image_files(data_path, splits=("test",))["test"]
    if not any(members.values()):
        raise ValueError(f"{data_path} holds no test/<class>/*.jpg images: the sample is drawn from "
                         "an image-folder copy of CIFAR-10 (a folder or .tar.gz with "
                         "train/<class>/*.jpg and test/<class>/*.jpg)")
    classes = list(CIFAR10_CLASSES) if set(members) == set(CIFAR10_CLASSES) else sorted(members)
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    images = []
    for c, name in enumerate(classes):
        pool = sorted(members[name], key=lambda t: _natural_key(t[0]))
        if len(pool) < per_class:
            raise ValueError(f"class {name!r} has {len(pool)} test images; {per_class} asked for")
        for k, i in enumerate(sorted(rng.choice(len(pool), size=per_class, replace=False))):
            source, blob = pool[i]
            with Image.open(io.BytesIO(blob)) as im:
                if im.size != (32, 32):
                    raise ValueError(f"{source} is {im.size[0]}x{im.size[1]}; CIFAR-10 images are 32x32")
                rgb = im.convert("RGB")
            file = f"{name}_{k}.png"
            with atomic_open(out / file, "wb") as f:
                rgb.save(f, format="PNG", optimize=True)
            images.append({"file": file, "label": c, "class": name, "source": source,
                           "sha256": digest(out / file)})
    total = sum((out / im["file"]).stat().st_size for im in images)
    if total > max_bytes:
        raise ValueError(f"the sample's PNGs take {total} bytes, over the limit of {max_bytes}; "
                         "ask for fewer images per class")
    record = {"provenance": {
        "dataset": "CIFAR-10 (JPEG copy)" if any(im["source"].lower().endswith((".jpg", ".jpeg"))
                                                 for im in images) else "CIFAR-10",
        "credit": "CIFAR-10: A. Krizhevsky, Learning Multiple Layers of Features from Tiny "
                  "Images, 2009 (https://www.cs.toronto.edu/~kriz/cifar.html)",
        "data_file": data_path.name,
        "data_sha256": digest(data_path),
        "split": "test",
        "per_class": per_class,
        "seed": int(seed),
        "rule": "per class, numpy.random.default_rng(seed).choice of `per_class` distinct test "
                "images (classes in CIFAR-10 order, images in file-name order), decoded to RGB "
                "and written as PNG",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "script": "book/cifar10.py (write_cifar10_sample)",
        "total_bytes": total,
        "files": {im["file"]: im["sha256"] for im in images}},
        "class_names": classes,
        "images": [{k: im[k] for k in ("file", "label", "class", "source")} for im in images]}
    atomic_write(out / "provenance.json", json.dumps(record, indent=1) + "\n")
    return record


# --------------------------------------------------------------------------- command line
def main(argv=None):
    """python -m book.cifar10 download [--dir DIR]
    python -m book.cifar10 sample --data PATH [--out DIR] [--seed N] [--per-class K]"""
    parser = argparse.ArgumentParser(prog="python -m book.cifar10", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dl = sub.add_parser("download", help="download the official archive (checksum-verified) into the data folder")
    dl.add_argument("--dir", default=None, help=f"target folder (default: {data_dir()}, "
                    "or $LCB_DATA_DIR)")
    sample = sub.add_parser("sample", help="write the committed sample of test images (PNG)")
    sample.add_argument("--data", required=True, help="an image-folder copy of CIFAR-10 (.tar.gz or folder)")
    sample.add_argument("--out", default=str(CIFAR10_SAMPLE_DIR), help="folder (default: %(default)s)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--per-class", type=int, default=SAMPLE_PER_CLASS)
    args = parser.parse_args(argv)

    if args.command == "sample":
        command = "python -m book.cifar10 " + " ".join(
            a if a != args.data else Path(a).name for a in (sys.argv[1:] if argv is None else argv))
        try:
            rec = write_cifar10_sample(args.data, args.out, per_class=args.per_class, seed=args.seed,
                                       command=command)
        except ValueError as e:
            raise SystemExit(f"error: {e}")
        print(f"wrote {len(rec['images'])} images ({rec['provenance']['total_bytes']} bytes) "
              f"and provenance.json into {args.out}")
        return 0
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
        print(f"load it with book.cifar10.load_cifar10(root={str(path)!r}) or set LCB_DATA_DIR={args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
