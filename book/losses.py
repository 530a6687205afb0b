"""Loss functions on class scores, each returning the mean loss over the batch and its gradient.

Shapes: scores s (N, C), integer labels y (N,) in 0..C-1, probabilities p = softmax(s) (N, C).
Every loss `f(s, y) -> (L, ds)` returns L, the mean over the N examples (a Python float), and
ds = dL/ds (N, C), in the dtype of s. A single example may be passed as s (C,) with an integer y;
ds then has shape (C,).
"""
import numpy as np

from ._checks import as_array, check_finite, check_labels, fmt_shape

__all__ = ["softmax", "log_softmax", "one_hot", "softmax_cross_entropy", "kl_divergence",
           "kl_loss", "squared_error", "hinge", "LOSSES"]


# ---------------------------------------------------------------- checks
def _scores(s):
    s = as_array("s", s, ndim=(1, 2), dims=("N", "C"), dtype="float")
    check_finite("s", s)
    if s.shape[-1] == 0:
        raise ValueError(f"s must have at least one class (C >= 1); got s of shape {fmt_shape(s.shape)}")
    return s


def _scores_and_labels(s, y):
    """Return s as (N, C), y as (N,) ints, and whether the input was a single example."""
    s = _scores(s)
    if s.ndim == 1:
        y = np.asarray(y)
        if y.ndim != 0:
            raise ValueError(f"y must be one integer label when s is one example of shape (C,)={s.shape}; "
                             f"got y of shape {fmt_shape(y.shape)}")
        return s[None, :], check_labels("y", y.reshape(1), s.shape[0]), True
    y = check_labels("y", y, s.shape[1], N=s.shape[0])
    return s, y, False


def _distribution(name, P, shape=None):
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


# ---------------------------------------------------------------- softmax
def softmax(s):
    """Softmax over the last axis: p_c = exp(s_c) / sum_j exp(s_j).

    s : scores (N, C) or (C,). Stable: subtracts each row's max first, so scores of 1e4 give
        finite probabilities (no overflow, no NaN).
    Returns p, same shape and float dtype as s; each row sums to 1.
    """
    s = _scores(s)
    p = s - s.max(axis=-1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=-1, keepdims=True)
    return p


def log_softmax(s):
    """log softmax(s) over the last axis, computed as s - max - log(sum exp(s - max)).

    s : (N, C) or (C,). Returns an array of the same shape; finite even where softmax underflows to 0.
    """
    s = _scores(s)
    z = s - s.max(axis=-1, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return z


def one_hot(y, C, dtype=np.float64):
    """One-hot rows: t[i, y_i] = 1, else 0.

    y : integer labels (N,) in 0..C-1.  C : number of classes.
    Returns t (N, C) of the given float dtype.
    """
    y = check_labels("y", y, C)
    t = np.zeros((y.shape[0], C), dtype=dtype)
    t[np.arange(y.shape[0]), y] = 1
    return t


# ---------------------------------------------------------------- losses
def _softmax_cross_entropy_inplace(s, y):
    """Cross-entropy of softmax(s) with labels y; overwrites s with ds. No input checks.

    s : (N, C) float array owned by the caller (it becomes the gradient).  y : (N,) ints.
    Returns (L, ds) with ds the same array as s.
    """
    N = s.shape[0]
    rows = np.arange(N)
    s -= s.max(axis=1, keepdims=True)
    s_y = s[rows, y]                                       # shifted correct-class scores (N,)
    np.exp(s, out=s)
    Z = s.sum(axis=1)                                      # (N,)
    L = float(np.mean(np.log(Z) - s_y))                   # -log p_y = log Z - s_y
    s /= Z[:, None]                                        # s now holds p
    s[rows, y] -= 1
    s *= 1.0 / N                                           # ds = (p - onehot) / N
    return L, s


def softmax_cross_entropy(s, y):
    """Softmax cross-entropy L = mean_i -log p_i[y_i] (natural log) and ds = (p - onehot(y)) / N.

    s : scores (N, C) (or (C,) with an integer y).  y : labels (N,) in 0..C-1.
    Returns (L, ds): L a float, ds (N, C) like s.
    """
    s, y, single = _scores_and_labels(s, y)
    L, ds = _softmax_cross_entropy_inplace(s.copy(), y)
    return L, (ds[0] if single else ds)


def kl_divergence(P, Q):
    """KL(P || Q) = sum_c P_c log(P_c / Q_c), averaged over rows, with 0 log 0 = 0.

    P, Q : probability distributions, (N, C) one per row, or (C,).
    Returns a float >= 0 (inf where Q_c = 0 but P_c > 0).
    """
    P = _distribution("P", P)
    Q = _distribution("Q", Q, shape=P.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * (np.log(P) - np.log(Q)), 0.0)
    return float(np.mean(terms.sum(axis=-1)))


def kl_loss(s, P):
    """KL(P || softmax(s)) averaged over the batch, and ds = (softmax(s) - P) / N.

    s : scores (N, C) or (C,).  P : target distributions, the same shape, rows summing to 1.
    With one-hot P this equals softmax_cross_entropy(s, y).
    Returns (L, ds).
    """
    s = _scores(s)
    P = _distribution("P", P, shape=s.shape)
    N = s.shape[0] if s.ndim == 2 else 1
    logp = log_softmax(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * (np.log(P) - logp), 0.0)
    L = float(terms.sum() / N)
    ds = (np.exp(logp) - P) / N
    return L, ds.astype(s.dtype, copy=False)


def squared_error(s, y):
    """Squared error against targets t: L = mean_i sum_c (s_ic - t_ic)^2, ds = 2 (s - t) / N.

    s : scores (N, C) or (C,).
    y : integer labels (N,) (targets t = one_hot(y)), or the targets themselves, shaped like s.
    Returns (L, ds).
    """
    s = _scores(s)
    y_arr = np.asarray(y)
    if y_arr.ndim == s.ndim and y_arr.shape == s.shape and not (s.ndim == 1 and y_arr.ndim == 0):
        t = as_array("y", y_arr, dtype="float")
        check_finite("y", t)
    elif s.ndim == 1:
        if y_arr.ndim != 0:
            raise ValueError(f"y must be an integer label or targets of shape (C,)={s.shape}; "
                             f"got y of shape {fmt_shape(y_arr.shape)}")
        t = one_hot(y_arr.reshape(1), s.shape[0])[0]
    elif y_arr.ndim == 2:
        raise ValueError(f"y as targets must have the shape of s (N, C)={s.shape}; got y of shape {fmt_shape(y_arr.shape)}")
    else:
        t = one_hot(check_labels("y", y_arr, s.shape[1], N=s.shape[0]), s.shape[1])
    N = s.shape[0] if s.ndim == 2 else 1
    diff = s - t
    L = float(np.sum(diff * diff) / N)
    return L, (diff * (2.0 / N)).astype(s.dtype, copy=False)


def hinge(s, y, margin=1.0):
    """Multiclass SVM (hinge) loss: L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin), mean over i.

    s : scores (N, C) (or (C,) with an integer y).  y : labels (N,).  margin : float.
    ds: +1/N for each j != y_i with a positive margin term, -(their count)/N at y_i.
    Returns (L, ds).
    """
    s, y, single = _scores_and_labels(s, y)
    N = s.shape[0]
    rows = np.arange(N)
    margins = s - s[rows, y][:, None] + margin
    margins[rows, y] = 0
    active = margins > 0
    L = float(np.sum(margins, where=active) / N)
    ds = active.astype(s.dtype)
    ds[rows, y] = -active.sum(axis=1)
    ds *= 1.0 / N
    return L, (ds[0] if single else ds)


#: losses by the names linear.linear_loss_and_grads accepts
LOSSES = {"softmax": softmax_cross_entropy, "svm": hinge, "l2": squared_error}
