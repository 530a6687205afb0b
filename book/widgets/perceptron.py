"""Explorers for the perceptron chapter.

:func:`line_explorer` moves one perceptron's decision line ``w1 x1 + w2 x2 + b = 0`` over a 2-D
data set (module ``js/perceptron.js``): the reader drags w's head or the line, or moves the
sliders, sees ||w|| and which points end up on the wrong side, and steps through the data with
the perceptron rule.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb

from . import Explorer
from .._validate import as_array, check_finite, pm1_labels
from ..linear import perceptron_predict

__all__ = ["LineExplorer", "line_explorer", "line_segment", "half_plane", "misclassified"]

NEG, POS = "#1f77b4", "#ff7f0e"          # class -1 blue, class +1 orange (the tab10 pair)


def misclassified(X, y, w, b):
    """Which points the perceptron (w, b) calls wrongly: sign(w . x_i + b) != y_i, score 0 -> +1.

    X : (N, D).  y : (N,) in {-1, +1}.  w : (D,).  b : float.  Returns a bool mask (N,).
    (Rosenblatt's rule also updates on a point exactly on the line; the picture shows predictions.)
    """
    return perceptron_predict(X, w, b) != y


def _tint(color, amount=0.82):
    """A pale version of a colour (mixed with white), for the background of a class's side."""
    return tuple(amount + (1 - amount) * c for c in to_rgb(color))


def half_plane(polygon, w, b):
    """Clip a convex polygon (K, 2) to the half-plane w . x + b >= 0 (one Sutherland-Hodgman pass).

    Returns the clipped polygon's vertices (M, 2), M = 0 when nothing of it is on the +1 side.
    """
    polygon = np.asarray(polygon, dtype=float)
    s = polygon @ np.asarray(w, dtype=float) + b
    out = []
    for i in range(len(polygon)):
        p, q, sp, sq = polygon[i], polygon[(i + 1) % len(polygon)], s[i], s[(i + 1) % len(polygon)]
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):                  # the edge crosses the line: keep the crossing
            out.append(p + sp / (sp - sq) * (q - p))
    return np.array(out).reshape(-1, 2)


def line_segment(w, b, xlim, ylim):
    """The part of the line w[0] x1 + w[1] x2 + b = 0 inside the box xlim x ylim.

    Returns (x1 values, x2 values) of two end points, or two empty lists when w = 0 or the line
    misses the box.
    """
    w1, w2 = float(w[0]), float(w[1])
    if w1 == 0 and w2 == 0:
        return [], []
    if abs(w2) >= abs(w1):                      # closer to horizontal: x2 as a function of x1
        x1 = np.array(xlim, dtype=float)
        x2 = -(w1 * x1 + b) / w2
    else:                                       # closer to vertical: x1 as a function of x2
        x2 = np.array(ylim, dtype=float)
        x1 = -(w2 * x2 + b) / w1
    inside = ((np.minimum(x1[0], x1[1]) <= xlim[1]) and (np.maximum(x1[0], x1[1]) >= xlim[0])
              and (np.minimum(x2[0], x2[1]) <= ylim[1]) and (np.maximum(x2[0], x2[1]) >= ylim[0]))
    return (list(x1), list(x2)) if inside else ([], [])


class LineExplorer(Explorer):
    """The state of the line explorer: points X (N, 2), labels y in {-1, +1}, the current (w, b),
    the start (w0, b0) that Reset returns to, and the half-width ``lim`` of the square drawn."""

    module = "perceptron"
    synced = dict(X=[], y=[], w=[], b=0.0, w0=[], b0=0.0, lim=3.0)


def line_explorer(X, y, w=(1.0, 0.0), b=0.0, padding=0.4):
    """Drag a perceptron's decision line over a 2-D data set; see :class:`LineExplorer`.

    X : (N, 2) points.  y : (N,) labels in {-1, +1} (or {0, 1}, read as 0 -> -1).
    w, b : the starting weights (2,) and bias; w lies in [-3, 3]^2 and b in [-4, 4] (the sliders' ranges).
    The half-plane where w . x + b >= 0 (predicted +1) is shaded orange, the other blue; the
    arrow is w, perpendicular to the line; misclassified points are ringed in red and counted.
    """
    X = as_array("X", X, ndim=2, shape=(None, 2), dims=("N", "2"), dtype="float",
                 hint="(one 2-D point per row)")
    check_finite("X", X)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one point; got X of shape (0, 2)")
    y = pm1_labels(y, X.shape[0], from01=True)
    w = as_array("w", w, ndim=1, shape=(2,), dims=("2",), dtype="float", hint="(the weights (w1, w2))")
    check_finite("w", w)
    if np.any(np.abs(w) > 3) or not -4 <= float(b) <= 4:
        raise ValueError(f"the start must lie in the sliders' ranges, w in [-3, 3]^2 and b in [-4, 4]; got w={w.tolist()}, b={b}")
    lim = float(np.ceil((np.abs(X).max() + padding) * 2) / 2)
    w, b = np.round(w, 2), round(float(b), 2)          # the sliders' steps of 0.01
    return LineExplorer(X=np.round(X, 6), y=y, w=w, b=b, w0=w, b0=b, lim=max(lim, 1.0),
                        alt="Points of two classes in the plane, the perceptron's decision line with its "
                            "weight vector w drawn as an arrow, the two half-planes shaded by the predicted "
                            "class, and misclassified points ringed in red.")
