"""The library's input checks, kept out of sight of the maths.

A public function of the library is its maths alone, under one decorator line that names its
checks:

    @checked(inputs.linear_args)
    def scores(X, W, b):
        return X @ W.T + b

`checked` runs the checks on the arguments first and hands the checked arrays to the body; the body
itself, unchecked, is `scores.unchecked` (training loops call that, once the data is checked). A
check fails with a message that names the argument, what was wrong, and what was expected, e.g.

    X must have shape (N, D) with D=64 matching W (C, D)=(10, 64); got X of shape (64, 10)
    y holds labels outside 0..9: found 12
    s contains NaN at 3 places; check the inputs
"""
import functools
import inspect
import numbers

import numpy as np

__all__ = ["checked", "as_array", "check_labels", "check_finite", "check_same_length", "fmt_shape",
           "pm1_labels"]


def checked(check):
    """Decorator: run `check` on a function's arguments, then the function on what it returns.

    check(**arguments) receives every argument by name (defaults filled in) and returns a dict of
    the arguments it converted (the others pass unchanged), or raises an error that says what is
    wrong. It may instead return (dict, finish): `finish` is then applied to the result (e.g. to
    give back one example's gradient when one example came in).
    The decorated function keeps its name, docstring and source; `f.unchecked` is the bare body.
    """
    def decorate(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run_checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            new, finish = check(**bound.arguments), None
            if isinstance(new, tuple):
                new, finish = new
            bound.arguments.update(new)
            result = fn(*bound.args, **bound.kwargs)
            return result if finish is None else finish(result)

        run_checked.unchecked = fn
        return run_checked
    return decorate


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


def pm1_labels(y, N, *, from01=False):
    """Two-class labels y (N,) in {-1, +1} as an int array.

    from01 : also accept {0, 1} labels, read as 0 -> -1 and 1 -> +1 (the explorers do); otherwise
    {0, 1} labels fail with a hint to map them.
    """
    y = as_array("y", y, ndim=1, shape=(N,), dims=("N",), dtype="int", hint="(one label per row of X)")
    values = set(np.unique(y).tolist())
    if values <= {-1, 1}:
        return y.astype(np.int64, copy=False)
    if from01 and values <= {0, 1}:
        return np.where(y == 1, 1, -1)
    if from01:
        raise ValueError(f"y must hold two classes labelled {{-1, +1}} or {{0, 1}}; found labels {sorted(values)}")
    bad = sorted(values - {-1, 1})[0]
    raise ValueError(f"y must hold perceptron labels in {{-1, +1}}; found {int(bad)} "
                     f"(map 0/1 labels with 2 * y - 1)")


# ---------------------------------------------------------------- book.linear
def data_matrix(X, D=None, against=None, name="X"):
    """X (N, D) as a finite float array (D fixed when given; `against` names what fixes it)."""
    hint = f"matching {against}" if against else None
    X = as_array(name, X, ndim=2, shape=(None, D), dims=("N", "D"), dtype="float", hint=hint)
    check_finite(name, X)
    return X


def linear_weights(W, b, D=None):
    """The linear classifier's W (C, D) and b (C,) as finite float arrays (D fixed when given)."""
    W = as_array("W", W, ndim=2, shape=(None, D), dims=("C", "D"), dtype="float")
    check_finite("W", W)
    b = as_array("b", b, shape=(W.shape[0],), dims=("C",), dtype="float",
                 hint=f"matching W (C, D)={fmt_shape(W.shape)}")
    check_finite("b", b)
    return W, b


def perceptron_weights(w, b, D):
    """The perceptron's w (D,) as a float array and its bias b as a float."""
    w = as_array("w", w, ndim=1, shape=(D,), dims=("D",), dtype="float", hint="matching X (N, D)")
    b = np.asarray(b, dtype=np.float64)
    if b.ndim != 0:
        raise ValueError(f"b must be a single number for the perceptron; got b of shape {fmt_shape(b.shape)}")
    return w, float(b)


def perceptron_args(X, w, b, y=None, **_):
    """Checks of book.linear's perceptron functions: X (N, D), w (D,), b a number, y in {-1, +1}."""
    X = data_matrix(X)
    w, b = perceptron_weights(w, b, X.shape[1])
    out = {"X": X, "w": w, "b": b}
    if y is not None:
        out["y"] = pm1_labels(y, X.shape[0])
    return out


def perceptron_data(X, y, **_):
    X = data_matrix(X)
    return {"X": X, "y": pm1_labels(y, X.shape[0])}


def two_label_arrays(y_pred, y, **_):
    """Predicted and true labels, both (N,) with N >= 1."""
    y_pred = as_array("y_pred", y_pred, ndim=1, dims=("N",))
    y = as_array("y", y, ndim=1, dims=("N",))
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred must have the shape of y {fmt_shape(y.shape)}; got y_pred of shape {fmt_shape(y_pred.shape)}")
    if y.size == 0:
        raise ValueError("y must hold at least one label to compute an accuracy; got an empty array")
    return {"y_pred": y_pred, "y": y}


def linear_args(X, W, b, y=None, loss=None, **_):
    """Checks of the linear classifier's functions: X (N, D), W (C, D), b (C,), y (N,) in 0..C-1,
    and the loss's name."""
    from .losses import LOSSES

    if loss is not None and loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    W, b = linear_weights(W, b)
    X = data_matrix(X, W.shape[1], against=f"W (C, D)={fmt_shape(W.shape)}")
    out = {"X": X, "W": W, "b": b}
    if y is not None:
        out["y"] = check_labels("y", y, W.shape[0], N=X.shape[0])
    return out


def sizes(D, C, **_):
    """The sizes of a linear classifier: D inputs and C classes, positive integers."""
    return {"D": positive_int("D", D), "C": positive_int("C", C)}


def positive_int(name, value):
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def non_negative(**values):
    """Finite numbers >= 0 (learning rates, momentum, decay, L2 strength) as Python floats (they
    keep float32 arrays float32, where a NumPy float64 scalar would promote them)."""
    for name, v in values.items():
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")
    return {name: float(v) for name, v in values.items()}


def validation_pair(X_val, y_val, D, C, cast=None):
    """The optional validation set: both or neither, X_val (N_val, D), y_val in 0..C-1."""
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")
    if X_val is None:
        return None, None
    if cast is not None:
        X_val = cast(X_val, "X_val")
    else:
        X_val = data_matrix(X_val, D, against="X (N, D)", name="X_val")
    return X_val, check_labels("y_val", y_val, C, N=X_val.shape[0])


def train_linear_args(X, y, C, loss, reg, lr, lr_decay, batch_size, X_val, y_val, **_):
    """Checks of book.linear.train_linear; C defaults to the largest label + 1."""
    from .losses import LOSSES

    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    X = data_matrix(X)
    y = as_array("y", y, ndim=1, dims=("N",), dtype="int")
    check_same_length("X", X, "y", y)
    if C is None:
        C = int(max(y.max(), -1 if y_val is None else np.max(y_val))) + 1
    y = check_labels("y", y, C, N=X.shape[0])
    X_val, y_val = validation_pair(X_val, y_val, X.shape[1], C)
    return {"X": X, "y": y, "C": C, "X_val": X_val, "y_val": y_val,
            "batch_size": positive_int("batch_size", batch_size),
            **non_negative(reg=reg, lr=lr, lr_decay=lr_decay)}


# ---------------------------------------------------------------- book.losses
def scores_arg(s, **_):
    """Scores s (N, C) or (C,) as a finite float array with at least one class."""
    s = as_array("s", s, ndim=(1, 2), dims=("N", "C"), dtype="float")
    check_finite("s", s)
    if s.shape[-1] == 0:
        raise ValueError(f"s must have at least one class (C >= 1); got s of shape {fmt_shape(s.shape)}")
    return {"s": s}


def _one_example(result):
    """A loss's (L, ds) for the batch of one example, as (L, ds (C,))."""
    L, ds = result
    return L, ds[0]


def scores_and_labels(s, y, **_):
    """Scores s (N, C) and labels y (N,) in 0..C-1. One example, s (C,) with one integer y, becomes
    a batch of one, and its gradient comes back as (C,)."""
    s = scores_arg(s)["s"]
    if s.ndim == 1:
        y = np.asarray(y)
        if y.ndim != 0:
            raise ValueError(f"y must be one integer label when s is one example of shape (C,)={s.shape}; "
                             f"got y of shape {fmt_shape(y.shape)}")
        return {"s": s[None, :], "y": check_labels("y", y.reshape(1), s.shape[0])}, _one_example
    return {"s": s, "y": check_labels("y", y, s.shape[1], N=s.shape[0])}


def scores_and_targets(s, y, **_):
    """Scores s (N, C) and targets: labels y (N,) in 0..C-1, or targets t shaped like s (float)."""
    s = scores_arg(s)["s"]
    y_arr = np.asarray(y)
    if y_arr.shape == s.shape and not (s.ndim == 1 and y_arr.ndim == 0):
        t = as_array("y", y_arr, dtype="float")
        check_finite("y", t)
        if s.ndim == 1:
            return {"s": s[None, :], "y": t[None, :]}, _one_example
        return {"s": s, "y": t}
    if s.ndim == 1:
        if y_arr.ndim != 0:
            raise ValueError(f"y must be an integer label or targets of shape (C,)={s.shape}; "
                             f"got y of shape {fmt_shape(y_arr.shape)}")
        return {"s": s[None, :], "y": check_labels("y", y_arr.reshape(1), s.shape[0])}, _one_example
    if y_arr.ndim == 2:
        raise ValueError(f"y as targets must have the shape of s (N, C)={s.shape}; got y of shape {fmt_shape(y_arr.shape)}")
    return {"s": s, "y": check_labels("y", y_arr, s.shape[1], N=s.shape[0])}


def distribution(name, P, shape=None):
    """A probability distribution P (C,) or one per row (N, C): finite, >= 0, rows summing to 1."""
    P = as_array(name, P, ndim=(1, 2), dims=("N", "C"), dtype="float")
    if shape is not None and P.shape != shape:
        raise ValueError(f"{name} must have the shape of the other argument {fmt_shape(shape)}; "
                         f"got {name} of shape {fmt_shape(P.shape)}")
    check_finite(name, P)
    if (P < 0).any():
        raise ValueError(f"{name} must be a probability distribution; it holds {int((P < 0).sum())} negative entries")
    sums = P.sum(axis=-1)
    bad = np.flatnonzero(np.abs(sums - 1) > 1e-4 * max(1, P.shape[-1] / 100))
    if bad.size:
        where = "" if P.ndim == 1 else f" row {bad[0]}"
        raise ValueError(f"{name} must sum to 1 along its last axis (classes);{where} sums to "
                         f"{float(np.ravel(sums)[bad[0]]):.6g}; normalise with {name} / {name}.sum(axis=-1, keepdims=True)")
    return P


def two_distributions(P, Q, **_):
    P = distribution("P", P)
    return {"P": P, "Q": distribution("Q", Q, shape=P.shape)}


def scores_and_distribution(s, P, **_):
    """Scores s and target distributions P of the same shape; one example becomes a batch of one."""
    s = scores_arg(s)["s"]
    P = distribution("P", P, shape=s.shape)
    if s.ndim == 1:
        return {"s": s[None, :], "P": P[None, :]}, _one_example
    return {"s": s, "P": P}


def labels_and_classes(y, C, **_):
    return {"y": check_labels("y", y, C), "C": positive_int("C", C)}


# ---------------------------------------------------------------- book.layers
def affine_args(x, W, b, **_):
    """x (N, D) or images (N, d1, ..., dk) with D = d1 * ... * dk, W (h, D), b (h,)."""
    W = as_array("W", W, ndim=2, dims=("h", "D"), dtype="float")
    b = as_array("b", b, dtype="float")
    if b.shape != (W.shape[0],):
        raise ValueError(f"b must have shape (h,) with h={W.shape[0]} matching W (h, D)={fmt_shape(W.shape)}; "
                         f"got b of shape {fmt_shape(b.shape)}")
    x = as_array("x", x, dtype="float")
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != W.shape[1]:
        raise ValueError(f"x must have shape (N, D) with D={W.shape[1]} matching W (h, D)={fmt_shape(W.shape)}; "
                         f"got x of shape {fmt_shape(x.shape)}")
    return {"x": x, "W": W, "b": b}


def affine_gradient(dout, cache, **_):
    x, W = cache
    return {"dout": as_array("dout", dout, ndim=2, shape=(x.shape[0], W.shape[0]), dims=("N", "h"), dtype="float")}


def layer_input(x, **_):
    return {"x": as_array("x", x, dtype="float")}


def upstream_gradient(dout, cache, **_):
    """dout = dL/d(out) shaped like the layer's output (the cache's first array)."""
    like = cache if isinstance(cache, np.ndarray) else cache[0]
    dout = as_array("dout", dout, dtype="float")
    if dout.shape != like.shape:
        raise ValueError(f"dout must have the shape of the layer's output {fmt_shape(like.shape)}; "
                         f"got dout of shape {fmt_shape(dout.shape)}")
    return {"dout": dout}


# ---------------------------------------------------------------- book.nets
def n_layers(params):
    """Number of affine layers n in params {"W1", "b1", ..., "Wn", "bn"}."""
    n = 0
    while f"W{n + 1}" in params:
        n += 1
    return n


def net_params(params):
    """A net's params {"W1": (h1, D), "b1": (h1,), ..., "Wn": (C, h_{n-1}), "bn": (C,)}: float
    arrays of one dtype whose sizes chain. Returns (n, dtype)."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict {{'W1': (h1, D), 'b1': (h1,), ...}}; got {type(params).__name__}")
    n = n_layers(params)
    if n == 0:
        raise ValueError(f"params must hold W1, b1, W2, b2, ...; got keys {sorted(params)}")
    dtype = None
    for k in range(1, n + 1):
        W = as_array(f"W{k}", params[f"W{k}"], ndim=2, dims=(f"h{k}", f"h{k - 1}"))
        if W.dtype.kind != "f":
            raise TypeError(f"W{k} must be a float array; got dtype {W.dtype}")
        if f"b{k}" not in params:
            raise ValueError(f"params must hold b{k} for W{k}; got keys {sorted(params)}")
        as_array(f"b{k}", params[f"b{k}"], shape=(W.shape[0],), dims=(f"h{k}",),
                 hint=f"matching W{k} (h{k}, h{k - 1})={fmt_shape(W.shape)}")
        if k > 1 and W.shape[1] != params[f"W{k - 1}"].shape[0]:
            raise ValueError(f"W{k} must have shape (h{k}, h{k - 1}) with h{k - 1}={params[f'W{k - 1}'].shape[0]} matching "
                             f"W{k - 1} {fmt_shape(params[f'W{k - 1}'].shape)}; got W{k} of shape {fmt_shape(W.shape)}")
        dtype = dtype or W.dtype
        if W.dtype != dtype or np.asarray(params[f"b{k}"]).dtype != dtype:
            raise TypeError(f"all parameters must share one dtype; W1 is {dtype} but W{k}/b{k} are "
                            f"{W.dtype}/{np.asarray(params[f'b{k}']).dtype}")
        check_finite(f"W{k}", W)
    return n, dtype


def activation_name(activation):
    from .layers import ACTIVATIONS

    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
    return activation


def net_input(X, params, dtype, name="X"):
    """X (N, D) for the net (images (N, H, W, 3) become rows), cast to the parameters' dtype."""
    X = as_array(name, X, dtype="float")
    if X.ndim > 2:
        X = X.reshape(X.shape[0], -1)
    D = params["W1"].shape[1]
    X = as_array(name, X, ndim=2, shape=(None, D), dims=("N", "D"),
                 hint=f"matching W1 (h1, D)={fmt_shape(params['W1'].shape)}")
    check_finite(name, X)
    return X.astype(dtype, copy=False)


def net_args(X, params, activation="relu", y=None, **_):
    """Checks of book.nets' forward, loss_and_grads and predict: X (N, D), params, the activation's
    name and labels y (N,) in 0..C-1."""
    n, dtype = net_params(params)
    activation_name(activation)
    out = {"X": net_input(X, params, dtype)}
    if y is not None:
        out["y"] = check_labels("y", y, params[f"W{n}"].shape[0], N=out["X"].shape[0])
    return out


def train_net_args(X, y, params, X_val, y_val, activation, batch_size, lr, momentum, lr_decay, reg, **_):
    """Checks of book.nets.train."""
    n, dtype = net_params(params)
    activation_name(activation)
    X = net_input(X, params, dtype)
    C = params[f"W{n}"].shape[0]
    X_val, y_val = validation_pair(X_val, y_val, X.shape[1], C,
                                   cast=lambda a, name: net_input(a, params, dtype, name=name))
    return {"X": X, "y": check_labels("y", y, C, N=X.shape[0]), "X_val": X_val, "y_val": y_val,
            "batch_size": positive_int("batch_size", batch_size),
            **non_negative(lr=lr, momentum=momentum, lr_decay=lr_decay, reg=reg)}
