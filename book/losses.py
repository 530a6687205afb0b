"""Loss functions on class scores, each returning the mean loss over the batch and its gradient.

Shapes: scores s (N, C), integer labels y (N,) in 0..C-1, probabilities p = softmax(s) (N, C).
Every loss `f(s, y) -> (L, ds)` returns L, the mean over the N examples (a Python float), and
ds = dL/ds (N, C), in the dtype of s. A single example may be passed as s (C,) with an integer y;
ds then has shape (C,).
"""
import numpy as np

from . import _validate as inputs
from ._validate import checked

__all__ = ["softmax", "log_softmax", "one_hot", "softmax_cross_entropy", "kl_divergence",
           "kl_loss", "squared_error", "hinge", "l2_penalty", "LOSSES"]


# ---------------------------------------------------------------- softmax
@checked(inputs.scores_arg)
def softmax(s):
    """Softmax over the last axis: p_c = exp(s_c) / sum_j exp(s_j).

    s : scores (N, C) or (C,). Stable: subtracts each row's max first, so scores of 1e4 give
        finite probabilities (no overflow, no NaN).
    Returns p, same shape and float dtype as s; each row sums to 1.
    """
    p = np.exp(s - s.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)


@checked(inputs.scores_arg)
def log_softmax(s):
    """log softmax(s) over the last axis, computed as s - max - log(sum exp(s - max)).

    s : (N, C) or (C,). Returns an array of the same shape; finite even where softmax underflows to 0.
    """
    z = s - s.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@checked(inputs.labels_and_classes)
def one_hot(y, C, dtype=np.float64):
    """One-hot rows: t[i, y_i] = 1, else 0.

    y : integer labels (N,) in 0..C-1.  C : number of classes.
    Returns t (N, C) of the given float dtype.
    """
    t = np.zeros((y.shape[0], C), dtype=dtype)
    t[np.arange(y.shape[0]), y] = 1
    return t


# ---------------------------------------------------------------- losses
@checked(inputs.scores_and_labels)
def softmax_cross_entropy(s, y):
    """Softmax cross-entropy L = mean_i -log p_i[y_i] (natural log) and ds = (p - onehot(y)) / N.

    s : scores (N, C) (or (C,) with an integer y).  y : labels (N,) in 0..C-1.
    Returns (L, ds): L a float, ds (N, C) like s.
    """
    N = s.shape[0]
    rows = np.arange(N)
    z = s - s.max(axis=1, keepdims=True)         # shifted scores: the same p, no overflow
    log_Z = np.log(np.exp(z).sum(axis=1))        # (N,)
    L = float(np.mean(log_Z - z[rows, y]))       # -log p_y = log Z - z_y
    ds = np.exp(z - log_Z[:, None])              # p = softmax(s)
    ds[rows, y] -= 1                             # p - onehot(y)
    ds /= N
    return L, ds


@checked(inputs.two_distributions)
def kl_divergence(P, Q):
    """KL(P || Q) = sum_c P_c log(P_c / Q_c), averaged over rows, with 0 log 0 = 0.

    P, Q : probability distributions, (N, C) one per row, or (C,).
    Returns a float >= 0 (inf where Q_c = 0 but P_c > 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * (np.log(P) - np.log(Q)), 0.0)
    return float(np.mean(terms.sum(axis=-1)))


@checked(inputs.scores_and_distribution)
def kl_loss(s, P):
    """KL(P || softmax(s)) averaged over the batch, and ds = (softmax(s) - P) / N.

    s : scores (N, C) or (C,).  P : target distributions, the same shape, rows summing to 1.
    With one-hot P this equals softmax_cross_entropy(s, y).
    Returns (L, ds).
    """
    N = s.shape[0]
    logp = log_softmax.unchecked(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * (np.log(P) - logp), 0.0)
    L = float(terms.sum() / N)
    ds = (np.exp(logp) - P) / N
    return L, ds.astype(s.dtype, copy=False)


@checked(inputs.scores_and_targets)
def squared_error(s, y):
    """Squared error against targets t: L = mean_i sum_c (s_ic - t_ic)^2, ds = 2 (s - t) / N.

    s : scores (N, C) or (C,).
    y : integer labels (N,) (targets t = one_hot(y)), or the targets themselves, shaped like s.
    Returns (L, ds).
    """
    N, C = s.shape
    t = y if y.shape == s.shape else one_hot.unchecked(y, C, s.dtype)
    diff = s - t
    L = float(np.sum(diff * diff) / N)
    return L, (diff * (2.0 / N)).astype(s.dtype, copy=False)


@checked(inputs.scores_and_labels)
def hinge(s, y, margin=1.0):
    """Multiclass SVM (hinge) loss: L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin), mean over i.

    s : scores (N, C) (or (C,) with an integer y).  y : labels (N,).  margin : float.
    ds: +1/N for each j != y_i with a positive margin term, -(their count)/N at y_i.
    Returns (L, ds).
    """
    N = s.shape[0]
    rows = np.arange(N)
    margins = s - s[rows, y][:, None] + margin
    margins[rows, y] = 0
    active = margins > 0
    L = float(np.sum(margins, where=active) / N)
    ds = active.astype(s.dtype)
    ds[rows, y] = -active.sum(axis=1)
    ds *= 1.0 / N
    return L, ds


def l2_penalty(W, reg):
    """The L2 penalty reg * sum(W**2) added to a loss, and its gradient 2 reg W (zero when reg = 0).

    W : weights of any shape.  reg : float >= 0.  Returns (R, dR) with R a float, dR shaped like W.
    """
    return reg * float(np.vdot(W, W)), (2.0 * reg) * W


#: losses by the names linear.linear_loss_and_grads accepts
LOSSES = {"softmax": softmax_cross_entropy, "svm": hinge, "l2": squared_error}
