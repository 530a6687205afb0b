"""Numerical gradients by centred differences, and the relative error used to compare them.

    df/dx_k ~ (f(x + h e_k) - f(x - h e_k)) / (2h)

Check an analytic gradient against it in float64: a relative error below 1e-7 means right,
around 1e-2 or more means a bug.
"""
import numpy as np

from ._validate import as_array

__all__ = ["numerical_gradient", "numerical_gradient_array", "rel_error"]


def _check_x(x):
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a NumPy array (it is perturbed in place); got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"x must be float64 for a numerical gradient; got dtype {x.dtype} "
                        f"(use x.astype(np.float64))")


def _centred_differences(f, x, h):
    """For each entry k of x: (k, f(x + h e_k), f(x - h e_k)), with x perturbed in place and restored."""
    _check_x(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        k = it.multi_index
        old = x[k]
        x[k] = old + h
        f_plus = f(x)
        x[k] = old - h
        f_minus = f(x)
        x[k] = old
        yield k, f_plus, f_minus
        it.iternext()


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f at x by centred differences.

    f : callable, f(x) -> float; it must read x (the same array object) each call.
    x : float64 ndarray of any shape; each entry is perturbed in place by +-h and restored.
    h : step.
    Returns grad, an ndarray shaped like x.
    """
    grad = np.zeros_like(x)
    for k, f_plus, f_minus in _centred_differences(lambda x: float(f(x)), x, h):
        grad[k] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of sum(f(x) * dout) w.r.t. x, for an array-valued f (a layer's forward pass).

    f    : callable, f(x) -> ndarray shaped like dout.
    x    : float64 ndarray, perturbed in place and restored.
    dout : ndarray, the upstream gradient dL/d(out).
    Returns grad shaped like x: what layer_backward(dout, cache) should return as dx.
    """
    dout = as_array("dout", dout, dtype="float")
    # Not numerical_gradient(lambda x: sum(f(x) * dout)): differencing the outputs elementwise
    # before summing keeps the entries that did not move from cancelling in a large sum.
    grad = np.zeros_like(x)
    f_copy = lambda x: np.array(f(x), dtype=np.float64)   # a copy: f may return a view of x
    for k, f_plus, f_minus in _centred_differences(f_copy, x, h):
        if f_plus.shape != dout.shape:
            raise ValueError(f"dout must have the shape of f(x) {f_plus.shape}; got dout of shape {dout.shape}")
        grad[k] = np.sum((f_plus - f_minus) * dout) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest elementwise relative error max |a - b| / max(|a| + |b|, 1e-12), as a float.

    a, b : arrays (or scalars) of the same shape. 0.0 when they are equal.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got a of shape {a.shape} and b of shape {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))
