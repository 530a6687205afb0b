"""book.cifar10: the loader on tiny generated copies, the download, the cache, the command line,
and the sample of test images the book shows.

No test touches the network: book.cifar10._urlopen is replaced by in-memory openers.
"""
import hashlib
import io
import json
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from book import cifar10 as bd
from tiny_cifar10 import CLASSES as TINY_CLASSES, N_TEST, write_tiny_copy


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own empty data folder and no network."""
    monkeypatch.setenv("LCB_DATA_DIR", str(tmp_path / "lcb"))
    monkeypatch.delenv("LCB_CIFAR10", raising=False)

    def no_network(url, *a, **k):
        raise AssertionError(f"a test tried to open {url}")
    monkeypatch.setattr(bd, "_urlopen", no_network)


@pytest.fixture
def tiny_images(tmp_path, monkeypatch):
    """The tiny image-folder copy (tiny_cifar10.py) in tmp_path/tiny-jpg, with an empty data folder."""
    monkeypatch.setenv("LCB_DATA_DIR", str(tmp_path / "cache"))
    return write_tiny_copy(tmp_path / "tiny-jpg")


# --------------------------------------------------------------------------- tiny CIFAR-10 copies
NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer",
         b"dog", b"frog", b"horse", b"ship", b"truck"]


def _official_batches(per_batch=4, n_test=6):
    """Batches in the official pickled format. Image k of the whole set has R = k, G = 100 + k,
    B = 200 - k in every pixel (channel-first rows of 3072 bytes), label k % 10."""
    batches, k = {}, 0
    for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
        ks = np.arange(k, k + n)
        rgb = np.stack([ks, 100 + ks, 200 - ks], axis=1).astype(np.uint8)          # (n, 3)
        data = np.repeat(rgb, 1024, axis=1)                                        # (n, 3072) R..G..B
        batches[name] = {b"batch_label": name.encode(), b"labels": [int(i % 10) for i in ks],
                         b"data": data, b"filenames": [b"x.png"] * n}
        k += n
    meta = {b"label_names": NAMES, b"num_cases_per_batch": per_batch, b"num_vis": 3072}
    return batches, meta


def _write_official(folder):
    folder.mkdir(parents=True)
    batches, meta = _official_batches()
    for name, b in list(batches.items()) + [("batches.meta", meta)]:
        with open(folder / name, "wb") as f:
            pickle.dump(b, f)
    return folder


def _tar(src_folder, archive, arcname):
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src_folder, arcname=arcname)
    return archive


def _check_official(d):
    assert d.X_train.shape == (20, 32, 32, 3) and d.X_train.dtype == np.uint8
    assert d.X_test.shape == (6, 32, 32, 3) and d.y_test.dtype == np.int64
    assert d.X_val is None and d.y_val is None
    assert d.class_names == bd.CIFAR10_CLASSES and d.image_shape == (32, 32, 3)
    # channels last, official order kept: image k is (k, 100 + k, 200 - k) everywhere
    k = np.arange(26)
    X = np.concatenate([d.X_train, d.X_test])
    np.testing.assert_array_equal(X[:, 5, 7], np.stack([k, 100 + k, 200 - k], axis=1))
    np.testing.assert_array_equal(np.concatenate([d.y_train, d.y_test]), k % 10)


def test_official_layout_folder_and_archive(tmp_path):
    folder = _write_official(tmp_path / "src" / "cifar-10-batches-py")
    archive = _tar(folder, tmp_path / "mini-cifar.tar.gz", "cifar-10-batches-py")
    _check_official(bd.load_cifar10(folder))
    _check_official(bd.load_cifar10(folder.parent))       # a folder holding the extracted one
    _check_official(bd.load_cifar10(archive))
    assert bd.cifar10_available(archive) and bd.cifar10_available(folder)


def test_official_archive_is_md5_verified(tmp_path, monkeypatch):
    folder = _write_official(tmp_path / "src" / "cifar-10-batches-py")
    archive = _tar(folder, tmp_path / bd.CIFAR10_ARCHIVE, "cifar-10-batches-py")
    with pytest.raises(ValueError, match="MD5 .* not the published c58f30108f718f92721af3b95e74349a"):
        bd.load_cifar10(archive)
    monkeypatch.setattr(bd, "CIFAR10_MD5", hashlib.md5(archive.read_bytes()).hexdigest())
    _check_official(bd.load_cifar10(archive))


def test_root_none_finds_copies_in_the_data_folder_and_env(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError):
        bd.load_cifar10()
    assert not bd.cifar10_available()
    _write_official(bd.data_dir() / "cifar-10-batches-py")
    assert bd.cifar10_available()
    _check_official(bd.load_cifar10())
    other = _write_official(tmp_path / "elsewhere" / "cifar-10-batches-py")
    monkeypatch.setenv("LCB_DATA_DIR", str(tmp_path / "empty"))
    assert not bd.cifar10_available()
    monkeypatch.setenv("LCB_CIFAR10", str(other))
    _check_official(bd.load_cifar10())


def test_cache_is_used_then_invalidated_by_a_change(tmp_path, monkeypatch):
    folder = _write_official(tmp_path / "src" / "cifar-10-batches-py")
    archive = _tar(folder, tmp_path / "mini.tar.gz", "cifar-10-batches-py")
    first = bd.load_cifar10(archive)
    assert len(list(bd.data_dir().glob("cifar10-*.npz"))) == 1

    def boom(path):
        raise AssertionError("the source was read again despite the cache")
    read = bd._READERS["python-tar"]
    monkeypatch.setitem(bd._READERS, "python-tar", boom)
    second = bd.load_cifar10(archive)
    np.testing.assert_array_equal(first.X_train, second.X_train)
    assert second.class_names == first.class_names
    st = archive.stat()
    os.utime(archive, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))      # "a new file"
    with pytest.raises(AssertionError, match="read again"):
        bd.load_cifar10(archive)
    monkeypatch.setitem(bd._READERS, "python-tar", read)
    third = bd.load_cifar10(archive)                    # the new cache replaces the stale one
    np.testing.assert_array_equal(first.X_test, third.X_test)
    assert len(list(bd.data_dir().glob("cifar10-*.npz"))) == 1
    monkeypatch.setitem(bd._READERS, "python-tar", boom)
    with pytest.raises(AssertionError, match="read again"):
        bd.load_cifar10(archive, cache=False)


def _write_image_folder(root, classes=("cat", "dog", "ship"), names=("10", "2", "1")):
    """Solid-colour 32x32 JPEGs; image `name` of class c has colour (40 c + 5 int(name), 128, 60)."""
    for split in ("train", "test"):
        for c, cls in enumerate(classes):
            (root / split / cls).mkdir(parents=True)
            for name in names:
                colour = (40 * c + 5 * int(name), 128, 60)
                Image.new("RGB", (32, 32), colour).save(root / split / cls / f"{name}.jpg", quality=95)
    return root


def _check_images(d, classes=("cat", "dog", "ship")):
    C = len(classes)
    assert d.X_train.shape == (3 * C, 32, 32, 3) and d.X_train.dtype == np.uint8
    assert d.X_test.shape == (3 * C, 32, 32, 3) and d.y_train.dtype == np.int64
    assert d.class_names == tuple(classes) and d.X_val is None
    np.testing.assert_array_equal(d.y_train, np.repeat(np.arange(C), 3))
    # numeric order 1, 2, 10 within each class (JPEG is lossy: allow a few levels)
    expected_red = [40 * c + 5 * n for c in range(C) for n in (1, 2, 10)]
    assert np.abs(d.X_test[:, 16, 16, 0].astype(int) - expected_red).max() <= 3
    assert np.abs(d.X_train[:, :, :, 1].astype(int) - 128).max() <= 3


def test_image_folder_layout_folder_and_tar(tmp_path):
    root = _write_image_folder(tmp_path / "jpg")
    (root / "train" / "cat" / "._1.jpg").write_bytes(b"macOS metadata, not an image")
    archive = _tar(root, tmp_path / "jpg.tar.gz", ".")
    a, b = bd.load_cifar10(root), bd.load_cifar10(archive)
    _check_images(a)
    _check_images(b)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    with tarfile.open(tmp_path / "jpg.tar", "w") as tf:          # an uncompressed tar reads the same
        tf.add(root, arcname="cifar10-jpg")
    c = bd.load_cifar10(tmp_path / "jpg.tar")
    np.testing.assert_array_equal(a.X_test, c.X_test)
    np.testing.assert_array_equal(a.y_train, c.y_train)


def test_image_folder_uses_cifar10_class_order(tmp_path):
    root = _write_image_folder(tmp_path / "jpg", classes=bd.CIFAR10_CLASSES, names=("0",))
    d = bd.load_cifar10(_tar(root, tmp_path / "c10.tar.gz", "."))
    assert d.class_names == bd.CIFAR10_CLASSES
    np.testing.assert_array_equal(d.y_test, np.arange(10))


def test_image_folder_errors(tmp_path):
    root = _write_image_folder(tmp_path / "a")
    (root / "test" / "cat" / "1.jpg").unlink()
    Image.new("RGB", (16, 16)).save(root / "test" / "cat" / "1.jpg")
    with pytest.raises(ValueError, match="16x16 pixels; CIFAR-10 images are 32x32"):
        bd.load_cifar10(root)
    root = _write_image_folder(tmp_path / "b")
    (root / "test" / "ship").rename(root / "test" / "boat")
    with pytest.raises(ValueError, match="same class folders"):
        bd.load_cifar10(root)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="not a CIFAR-10 archive"):
        bd.load_cifar10(junk)


def test_missing_data_message_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        bd.load_cifar10(tmp_path / "nothing-here")
    msg = str(info.value)
    for needed in ["python -m book.cifar10 download", "download=True", "LCB_DATA_DIR",
                   "LCB_CIFAR10", "root=", "cifar-10-python.tar.gz", "cifar-10-batches-py",
                   "train/<class>/*.jpg", str(tmp_path / "nothing-here")]:
        assert needed in msg, needed


# --------------------------------------------------------------------------- download (no network)
class FakeResponse(io.BytesIO):
    """What urlopen returns, served from memory; optionally raises after `fail_after` bytes."""

    def __init__(self, payload, fail_after=None, exc=OSError("connection reset")):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}
        self.fail_after, self.exc = fail_after, exc

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise self.exc
        return super().read(size if self.fail_after is None else min(size, 1000))


def _opener(payload, **kw):
    seen = []

    def urlopen(url, *a, **k):
        seen.append(url)
        return FakeResponse(payload, **kw)
    urlopen.seen = seen
    return urlopen


def _official_archive_bytes(tmp_path):
    folder = _write_official(tmp_path / "payload" / "cifar-10-batches-py")
    return _tar(folder, tmp_path / "payload.tar.gz", "cifar-10-batches-py").read_bytes()


def test_download_verifies_md5_and_loads(tmp_path, monkeypatch):
    payload = _official_archive_bytes(tmp_path)
    opener = _opener(payload)
    monkeypatch.setattr(bd, "_urlopen", opener)
    monkeypatch.setattr(bd, "CIFAR10_MD5", hashlib.md5(payload).hexdigest())
    d = bd.load_cifar10(download=True)
    _check_official(d)
    assert opener.seen == [bd.CIFAR10_URL]
    assert sorted(p.name for p in bd.data_dir().iterdir() if not p.name.endswith(".npz")) \
        == [bd.CIFAR10_ARCHIVE]
    bd.load_cifar10(download=True)                      # present now: no second fetch
    assert len(opener.seen) == 1


def test_download_md5_mismatch_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(bd, "_urlopen", _opener(b"x" * 5000))
    with pytest.raises(ValueError, match="MD5 .* expected c58f30108f718f92721af3b95e74349a"):
        bd.download_cifar10(tmp_path / "dl", progress=False)
    assert list((tmp_path / "dl").iterdir()) == []


@pytest.mark.parametrize("exc", [OSError("connection reset"), KeyboardInterrupt()])
def test_interrupted_download_is_removed(tmp_path, monkeypatch, exc):
    monkeypatch.setattr(bd, "_urlopen", _opener(b"y" * 5000, fail_after=3000, exc=exc))
    with pytest.raises(type(exc)):
        bd.download_cifar10(tmp_path / "dl", progress=False)
    assert list((tmp_path / "dl").iterdir()) == []


def test_command_line_download(tmp_path, monkeypatch, capsys):
    payload = b"z" * 4096
    monkeypatch.setattr(bd, "CIFAR10_MD5", hashlib.md5(payload).hexdigest())
    monkeypatch.setattr(bd, "_urlopen", _opener(payload))
    assert bd.main(["download", "--dir", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / bd.CIFAR10_ARCHIVE).read_bytes() == payload
    assert "CIFAR-10 ready" in capsys.readouterr().out
    monkeypatch.setattr(bd, "_urlopen", _opener(payload, fail_after=1000, exc=KeyboardInterrupt()))
    assert bd.main(["download", "--dir", str(tmp_path / "cli2")]) == 130
    assert list((tmp_path / "cli2").iterdir()) == []
    with pytest.raises(SystemExit):
        bd.main(["download", "mnist"])              # the data set is CIFAR-10: no name to give


# --------------------------------------------------------------------------- the image sample
def test_sample_script_and_loader_on_tiny_image_folder(tiny_images, tmp_path):
    out = tmp_path / "sample"
    argv = ["sample", "--data", str(tiny_images), "--out", str(out), "--per-class", "3"]
    assert bd.main(argv) == 0
    record = json.loads((out / "provenance.json").read_text())
    prov = record["provenance"]
    assert prov["seed"] == 0 and prov["data_file"] == "tiny-jpg" and len(prov["data_sha256"]) == 64
    assert prov["command"] == "python -m book.cifar10 " + " ".join(argv).replace(str(tiny_images), "tiny-jpg")
    X, y, names = bd.load_cifar10_sample(out)
    assert X.shape == (12, 32, 32, 3) and X.dtype == np.uint8 and names == TINY_CLASSES
    np.testing.assert_array_equal(np.bincount(y), [3, 3, 3, 3])
    # every PNG holds exactly the decoded source image it names
    data = bd.load_cifar10(tiny_images)
    for x, item in zip(X, record["images"]):
        source = Path(item["source"])
        assert source.parts[0] == "test" and source.parts[1] == names[item["label"]]
        k = int(source.stem)                      # tiny test images are named 0..4 per class
        np.testing.assert_array_equal(x, data.X_test[N_TEST * item["label"] + k])
    # seeded: a second run writes the same files
    again = bd.write_cifar10_sample(tiny_images, tmp_path / "again", per_class=3)
    assert again["provenance"]["files"] == prov["files"]
    with pytest.raises(ValueError, match="at most 10 test images per class"):
        bd.write_cifar10_sample(tiny_images, tmp_path / "x", per_class=11)
    with pytest.raises(ValueError, match="has 5 test images; 6 asked for"):
        bd.write_cifar10_sample(tiny_images, tmp_path / "x", per_class=6)
    with pytest.raises(FileNotFoundError, match="python -m book.cifar10 sample"):
        bd.load_cifar10_sample(tmp_path / "nowhere")


def test_committed_sample_is_small_balanced_and_shipped():
    X, y, names = bd.load_cifar10_sample()
    assert names == bd.CIFAR10_CLASSES and X.shape == (len(y), 32, 32, 3) and X.dtype == np.uint8
    counts = np.bincount(y, minlength=10)
    assert counts.max() <= 10 and counts.min() >= 1
    pngs = sorted(bd.CIFAR10_SAMPLE_DIR.glob("*.png"))
    assert len(pngs) == len(y) and sum(p.stat().st_size for p in pngs) <= 300_000
    assert X.std() > 20                            # real photographs, not blank squares
    record = json.loads((bd.CIFAR10_SAMPLE_DIR / "provenance.json").read_text())
    assert record["provenance"]["dataset"] == "CIFAR-10 (JPEG copy)"
    assert len({im["source"] for im in record["images"]}) == len(y)
    assert all(im["source"].startswith("test/") for im in record["images"])
    # pyproject ships the PNGs and their record with the package
    import tomllib
    patterns = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]["book"]
    assert "assets/cifar10/sample/*" in patterns


# read before the fixture `isolated` clears it
REAL_COPY = os.environ.get("LCB_CIFAR10")


@pytest.mark.skipif(not REAL_COPY,
                    reason="set LCB_CIFAR10 to the CIFAR-10 image-folder copy the sample came from")
def test_committed_sample_reproduces_from_the_data(tmp_path):
    """Optional (needs the data): the seeded script writes exactly the committed files."""
    record = json.loads((bd.CIFAR10_SAMPLE_DIR / "provenance.json").read_text())
    again = bd.write_cifar10_sample(REAL_COPY, tmp_path, seed=record["provenance"]["seed"],
                                    per_class=record["provenance"]["per_class"])
    assert again["provenance"]["data_sha256"] == record["provenance"]["data_sha256"]
    assert again["provenance"]["files"] == record["provenance"]["files"]
