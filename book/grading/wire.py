"""The wire format between the trusted kernel and the answer process: plain data, never pickle.

A message is one frame: an 8-byte header (two big-endian uint32: the JSON part's length, the
number of buffers), the JSON part (ASCII), then each buffer as a big-endian uint64 length and its
bytes. Values are encoded as JSON with tagged objects for what JSON lacks:

* NumPy arrays of bool, int, uint, float or complex dtypes: ``{"nd": [dtype, shape, buffer index]}``
  (NumPy scalars the same way, with shape null);
* bytes ``{"b": index}``, complex ``{"c": [re, im]}``, tuple ``{"t": [...]}``, a dict whose keys are
  not all str ``{"d": [[k, v], ...]}``, a str-keyed dict ``{"s": {...}}``, floats that JSON cannot
  hold ``{"f": "nan"}``.

Anything else (an object of another class, a subclass of ``ndarray``, ``list`` or ``dict``, an
object-dtype array) cannot be encoded: :class:`NotPlainData` says what it is. The decoder checks
every tag, dtype, shape and length, and raises :class:`WireError` on anything malformed.
"""
from __future__ import annotations

import json
import math
import re
import struct

import numpy as np

MAX_JSON = 64 * 2**20
MAX_BUFFERS = 100_000
MAX_TOTAL = 1024 * 2**20
MAX_DEPTH = 64
DTYPE = re.compile(r"^[<>|=]?[biufc][0-9]{1,2}$")


class WireError(ValueError):
    """A frame that is not a well-formed message."""


class NotPlainData(TypeError):
    """A value that is not plain data; ``what`` names its type."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def type_name(x) -> str:
    t = type(x)
    mod = getattr(t, "__module__", "") or ""
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
    if not isinstance(name, str):
        name = "?"
    return (name if mod in ("builtins", "") else f"{mod}.{name}")[:80]


def encode(value) -> bytes:
    buffers: list[bytes] = []

    def enc(x, depth):
        if depth > MAX_DEPTH:
            raise NotPlainData("a structure nested more than 64 levels deep")
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is int:
            return x if abs(x) < 2**63 else {"i": str(x)}
        if t is float:
            return x if math.isfinite(x) else {"f": repr(x)}
        if t is complex:
            return {"c": [enc(x.real, depth + 1), enc(x.imag, depth + 1)]}
        if t is bytes:
            buffers.append(x)
            return {"b": len(buffers) - 1}
        if t is list:
            return [enc(v, depth + 1) for v in x]
        if t is tuple:
            return {"t": [enc(v, depth + 1) for v in x]}
        if t is dict:
            if all(type(k) is str for k in x):
                return {"s": {k: enc(v, depth + 1) for k, v in x.items()}}
            return {"d": [[enc(k, depth + 1), enc(v, depth + 1)] for k, v in x.items()]}
        if t is np.ndarray or isinstance(x, np.generic) and t.__module__ == "numpy":
            dtype = x.dtype
            if type(dtype).__module__.split(".")[0] != "numpy" or dtype.kind not in "biufc" or dtype.fields:
                raise NotPlainData(f"a NumPy {'array' if t is np.ndarray else 'scalar'} of dtype {str(dtype)[:40]}")
            if t is np.ndarray:
                arr = np.ascontiguousarray(x)
                buffers.append(np.ndarray.tobytes(arr))
                return {"nd": [dtype.str, list(arr.shape), len(buffers) - 1]}
            buffers.append(np.ndarray.tobytes(np.asarray(x)))
            return {"nd": [dtype.str, None, len(buffers) - 1]}
        raise NotPlainData(f"a `{type_name(x)}`")

    doc = json.dumps(enc(value, 0), ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
    parts = [struct.pack(">II", len(doc), len(buffers)), doc]
    for b in buffers:
        parts += [struct.pack(">Q", len(b)), b]
    return b"".join(parts)


def decode(doc, buffers):
    used = set()

    def dec(x, depth):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        if x is None or isinstance(x, (bool, str, int, float)):
            return x
        if isinstance(x, list):
            return [dec(v, depth + 1) for v in x]
        if not isinstance(x, dict) or len(x) != 1:
            raise WireError("an unknown value")
        (tag, v), = x.items()
        if tag == "s" and isinstance(v, dict):
            return {k: dec(w, depth + 1) for k, w in v.items()}
        if tag == "t" and isinstance(v, list):
            return tuple(dec(w, depth + 1) for w in v)
        if tag == "d" and isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v):
            out = {}
            for k, w in v:
                k = dec(k, depth + 1)
                try:
                    out[k] = dec(w, depth + 1)
                except TypeError as e:
                    raise WireError("an unhashable key") from e
            return out
        if tag == "c" and isinstance(v, list) and len(v) == 2:
            re_, im = (dec(w, depth + 1) for w in v)
            if not all(isinstance(p, float) for p in (re_, im)):
                raise WireError("a bad complex")
            return complex(re_, im)
        if tag == "f" and v in ("nan", "inf", "-inf"):
            return float(v)
        if tag == "i" and isinstance(v, str) and re.fullmatch(r"-?[0-9]{1,5000}", v):
            return int(v)
        if tag == "b" and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(buffers) and v not in used:
            used.add(v)
            return bytes(buffers[v])
        if tag == "nd" and isinstance(v, list) and len(v) == 3:
            dtype, shape, i = v
            if not isinstance(dtype, str) or not DTYPE.match(dtype):
                raise WireError("a bad dtype")
            if not (isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(buffers)) or i in used:
                raise WireError("a bad buffer index")
            used.add(i)
            dt = np.dtype(dtype)
            buf = buffers[i]
            if shape is None:
                if len(buf) != dt.itemsize:
                    raise WireError("a scalar of the wrong size")
                return np.frombuffer(buf, dtype=dt)[0]
            if not isinstance(shape, list) or len(shape) > 32 or not all(
                    isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40 for n in shape):
                raise WireError("a bad shape")
            n = 1
            for s in shape:
                n *= s
            if n * dt.itemsize != len(buf):
                raise WireError("an array whose size does not match its shape")
            return np.frombuffer(buf, dtype=dt).reshape(shape).copy()
        raise WireError(f"an unknown tag {str(tag)[:20]!r}")

    return dec(doc, 0)


def _read_exact(read, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = read(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(read):
    """Read one frame with `read(n)` (returns up to n bytes, b"" at the end); return its value."""
    size, count = struct.unpack(">II", _read_exact(read, 8))
    if size > MAX_JSON or count > MAX_BUFFERS:
        raise WireError(f"a frame too large ({size} bytes of JSON, {count} buffers)")
    try:
        doc = json.loads(_read_exact(read, size).decode("ascii"))
    except (UnicodeDecodeError, ValueError) as e:
        raise WireError("a frame whose header is not JSON") from e
    buffers, total = [], 0
    for _ in range(count):
        (n,) = struct.unpack(">Q", _read_exact(read, 8))
        total += n
        if total > MAX_TOTAL:
            raise WireError("a frame larger than 1 GB")
        buffers.append(_read_exact(read, n))
    return decode(doc, buffers)
