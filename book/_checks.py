"""Small validation helpers shared by the library.

Every public function checks its inputs once, up front, and fails with a message that names the
argument, what was wrong, and what was expected, e.g.

    X must have shape (N, D) with D=64 matching W (C, D)=(10, 64); got X of shape (64, 10)
    y holds labels outside 0..9: found 12
    s contains NaN at 3 places; check the inputs
"""
import numbers

import numpy as np

__all__ = ["as_array", "check_labels", "check_finite", "check_same_length", "fmt_shape"]


def fmt_shape(shape):
    """Format a shape tuple the way NumPy prints it: (3,), (2, 5)."""
    shape = tuple(shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _expected(shape, dims, hint=None):
    """Text for an expected shape: axis symbols when given, known sizes spelled out, then a hint."""
    if dims is not None:
        text = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        known = [f"{d}={s}" for d, s in zip(dims, shape or ()) if s is not None]
        if known:
            text += " with " + ", ".join(known)
    elif shape is not None:
        text = fmt_shape("any" if s is None else s for s in shape)
    else:
        text = ""
    if hint:
        text += " " + hint
    return text.strip()


def as_array(name, a, ndim=None, shape=None, dtype=None, *, dims=None, hint=None):
    """Convert `a` to an ndarray and check its rank, shape and kind of dtype.

    name  : str, the argument's name used in error messages ("X", "W", ...).
    a     : array-like.
    ndim  : int or tuple of int, allowed numbers of dimensions.
    shape : tuple of int or None (None = any size along that axis).
    dtype : None (keep), "float" (floating; ints/bools become float64, float32 stays float32),
            "int" (integer values; floats with integral values are accepted and converted),
            or a NumPy dtype to cast to.
    dims  : tuple of str, names of the axes for messages, e.g. ("N", "D").
    hint  : str appended to the expected shape, e.g. "matching W (C, D)=(10, 64)".
    Returns the array (no copy when it already fits).
    """
    try:
        arr = np.asarray(a)
    except Exception as err:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like; could not convert it ({err})") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold numbers; got an array of dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, numbers.Integral) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{k}-D" for k in allowed)
            exp = _expected(shape, dims, hint)
            extra = f", shape {exp}" if exp else ""
            raise ValueError(f"{name} must be {want}{extra}; "
                             f"got {name} of shape {fmt_shape(arr.shape)}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, arr.shape)):
            exp = _expected(shape, dims, hint)
            raise ValueError(f"{name} must have shape {exp}; got {name} of shape {fmt_shape(arr.shape)}")
    if dtype is None:
        return arr
    if isinstance(dtype, str) and dtype == "float":
        if arr.dtype.kind == "f":
            return arr
        if arr.dtype.kind in "biu":
            return arr.astype(np.float64)
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if isinstance(dtype, str) and dtype == "int":
        if arr.dtype.kind in "iu":
            return arr
        if arr.dtype.kind == "b":
            return arr.astype(np.intp)
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
                raise TypeError(f"{name} must hold integer labels; got non-integer values of dtype {arr.dtype}")
            return arr.astype(np.intp)
        raise TypeError(f"{name} must hold integers; got dtype {arr.dtype}")
    return arr.astype(dtype, copy=False)


def check_finite(name, a):
    """Raise ValueError if `a` holds NaN or +-inf, saying how many and where to look."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "fc":
        return arr
    if arr.size <= 4096:                  # small: the direct check is cheaper than an errstate block
        if np.isfinite(arr).all():
            return arr
    else:
        # fast path: a finite sum means no NaN/inf (no big boolean temporary); a sum that
        # overflows on finite values falls through to the exact check
        with np.errstate(all="ignore"):
            total = arr.sum()
        if np.isfinite(total) or np.isfinite(arr).all():
            return arr
    n_nan = int(np.isnan(arr).sum())
    n_inf = int(np.isinf(arr).sum())
    parts = []
    if n_nan:
        parts.append(f"NaN at {n_nan} place{'s' if n_nan != 1 else ''}")
    if n_inf:
        parts.append(f"inf at {n_inf} place{'s' if n_inf != 1 else ''}")
    raise ValueError(f"{name} contains {' and '.join(parts)}; check the inputs")


def check_labels(name, y, C, N=None):
    """Check integer class labels y (N,) with values in 0..C-1; return them as an int array.

    N (optional): the number of examples y must match (e.g. rows of X).
    """
    arr = as_array(name, y, dtype="int")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer labels (N,)"
                         + (f" with N={N}" if N is not None else "")
                         + f"; got {name} of shape {fmt_shape(arr.shape)}")
    if N is not None and arr.shape[0] != N:
        raise ValueError(f"{name} must have shape (N,) with N={N} (one label per example); "
                         f"got {name} of shape {fmt_shape(arr.shape)}")
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi >= C:
            bad = hi if hi >= C else lo
            raise ValueError(f"{name} holds labels outside 0..{C - 1}: found {int(bad)}")
    return arr


def check_same_length(name_a, a, name_b, b):
    """Raise ValueError unless a and b have the same number of rows."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{name_a} and {name_b} must have the same number of rows N; "
                         f"got {name_a} of shape {fmt_shape(a.shape)} and {name_b} of shape {fmt_shape(b.shape)}")
