"""Writing and fingerprinting files: one way for the whole package.

atomic_open / atomic_write: the file appears complete or not at all (a temporary file beside it,
renamed when written; removed on any error), with the permissions a plain open would give.
digest: the hex digest of a file, or of a folder's files (relative names and contents, sorted).
"""
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_open", "atomic_write", "digest"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path, mode="w", **kwargs):
    """Open a temporary file beside `path` for writing ("w" or "wb", with open()'s keywords);
    when the block ends without an error it replaces `path`, otherwise it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path, data, **kwargs):
    """Write str or bytes `data` to `path` atomically (see atomic_open); keywords go to open()."""
    with atomic_open(path, "wb" if isinstance(data, (bytes, bytearray)) else "w", **kwargs) as f:
        f.write(data)


def digest(path, algorithm="sha256", chunk=1 << 20):
    """Hex digest of a file's bytes; of a folder: of each file's relative name and bytes, in
    sorted order. algorithm: a hashlib name ("sha256", "md5", ...)."""
    h = hashlib.new(algorithm)
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        if f != path:
            h.update(str(f.relative_to(path).as_posix()).encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(chunk), b""):
                h.update(block)
    return h.hexdigest()
