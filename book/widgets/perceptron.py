"""Explorers for the perceptron chapter.

:func:`line_explorer` moves one perceptron's decision line ``w1 x1 + w2 x2 + b = 0`` over a 2-D
data set: the reader sets the weights and the bias, and sees which points end up on the wrong side.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from . import explorer, slider
from .._checks import as_array, check_finite

__all__ = ["line_explorer", "line_segment", "half_plane", "misclassified"]

NEG, POS = "#1f77b4", "#ff7f0e"          # class -1 blue, class +1 orange (the tab10 pair)


def _pm1_labels(y, N):
    """Labels as {-1, +1}: {0, 1} labels map 0 -> -1 and 1 -> +1."""
    y = as_array("y", y, ndim=1, shape=(N,), dims=("N",), dtype="int", hint="(one label per row of X)")
    values = set(np.unique(y).tolist())
    if values <= {-1, 1}:
        return y.astype(np.int64)
    if values <= {0, 1}:
        return np.where(y == 1, 1, -1)
    raise ValueError(f"y must hold two classes labelled {{-1, +1}} or {{0, 1}}; found labels {sorted(values)}")


def misclassified(X, y, w, b):
    """Which points the perceptron (w, b) calls wrongly: sign(w . x_i + b) != y_i, score 0 -> +1.

    X : (N, D).  y : (N,) in {-1, +1}.  w : (D,).  b : float.  Returns a bool mask (N,).
    (Rosenblatt's rule also updates on a point exactly on the line; the picture shows predictions.)
    """
    return np.where(X @ np.asarray(w, dtype=float) + b >= 0, 1, -1) != y


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


def line_explorer(X, y, w1=(-2.0, -1.0, 0.0, 1.0, 2.0), w2=(-2.0, -1.0, 0.0, 1.0, 2.0),
                  b=(-2.0, -1.0, 0.0, 1.0), default=(1.0, 0.0, 0.0), padding=0.4):
    """Sliders for w1, w2 and b move a perceptron's decision line over a 2-D data set.

    X : (N, 2) points.  y : (N,) labels in {-1, +1} (or {0, 1}, read as 0 -> -1).
    w1, w2, b : the values each slider offers (the book pre-renders every combination, so keep
    len(w1) * len(w2) * len(b) near 100).  default : the starting (w1, w2, b).
    The half-plane where w . x + b >= 0 (predicted +1) is shaded orange, the other blue; the
    arrow is w, perpendicular to the line; misclassified points are ringed in red and counted in
    the caption. Returns a book.widgets.Explorer (live in Jupyter, kernel-free in the book).
    """
    X = as_array("X", X, ndim=2, shape=(None, 2), dims=("N", "2"), dtype="float",
                 hint="(one 2-D point per row)")
    check_finite("X", X)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one point; got X of shape (0, 2)")
    y = _pm1_labels(y, X.shape[0])
    if len(default) != 3:
        raise ValueError(f"default must be (w1, w2, b); got {default!r}")
    grids = {}
    for name, values, d in zip(("w1", "w2", "b"), (w1, w2, b), default):
        v = as_array(name, values, ndim=1, dims=("K",), dtype="float")
        if v.size == 0:
            raise ValueError(f"{name} must offer at least one value; got an empty sequence")
        grids[name] = tuple(float(t) for t in v)
        if float(d) not in grids[name]:
            raise ValueError(f"default {name}={d} must be one of the values {name} offers: {grids[name]}")
    N = X.shape[0]
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xlim, ylim = (lo[0], hi[0]), (lo[1], hi[1])
    box = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    centre = (lo + hi) / 2
    arrow_len = 0.18 * float(np.min(hi - lo))

    def make():
        fig = Figure(figsize=(4.8, 4.2))
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.12, top=0.97)
        ax = fig.add_subplot()
        ax.set_facecolor(_tint(NEG))                              # the -1 side, under ...
        shade = Polygon(np.empty((0, 2)), closed=True, facecolor=_tint(POS), edgecolor="none")
        ax.add_patch(shade)                                       # ... the +1 side on top
        ax.scatter(*X[y == -1].T, s=18, color=NEG, edgecolor="k", linewidth=0.3)
        ax.scatter(*X[y == 1].T, s=18, color=POS, edgecolor="k", linewidth=0.3)
        wrong = ax.scatter([], [], s=70, facecolor="none", edgecolor="red", linewidth=1.4)
        line, = ax.plot([], [], color="k", linewidth=2)
        arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0),
                            arrowprops=dict(arrowstyle="-|>", color="k", linewidth=1.5))
        label = ax.text(0, 0, "w", fontsize=11, ha="center", va="center")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.locator_params(nbins=4)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")

        def update(w1, w2, b):
            w = np.array([w1, w2])
            poly = half_plane(box, w, b)
            shade.set_xy(poly if len(poly) else np.zeros((1, 2)))
            shade.set_visible(len(poly) > 0)
            mask = misclassified(X, y, w, b)
            wrong.set_offsets(X[mask] if mask.any() else np.empty((0, 2)))
            line.set_data(*line_segment(w, b, xlim, ylim))
            norm = float(np.hypot(w1, w2))
            if norm > 0:
                foot = centre - (centre @ w + b) / norm**2 * w     # the line's point nearest the centre
                tip = foot + arrow_len * w / norm
                visible = bool(np.all(foot >= lo) and np.all(foot <= hi))
                arrow.xy, arrow.xyann = tuple(tip), tuple(foot)
                label.set_position(tuple(tip + 0.25 * arrow_len * w / norm))
            else:
                visible = False
            arrow.set_visible(visible)
            label.set_visible(visible)
            k = int(mask.sum())
            if norm == 0:
                side = "+1" if b >= 0 else "−1"
                return (f"w = (0, 0): no line; every score equals b = {b:g}, so every point is called "
                        f"{side}: {k} of {N} misclassified (ringed in red)")
            return f"w = ({w1:g}, {w2:g}), b = {b:g}: {k} of {N} points misclassified (ringed in red)"

        return fig, update

    labels = {"w1": "w₁", "w2": "w₂", "b": "b"}
    controls = {}
    for (name, values), d in zip(grids.items(), default):
        step = float(min(np.diff(sorted(values)))) if len(values) > 1 else 1.0
        controls[name] = slider(labels[name], min(values), max(values), step, default=float(d),
                                static=values)
    return explorer(make, controls,
                    alt=(f"A scatter of {N} points of two classes with a perceptron's decision line "
                         "w1 x1 + w2 x2 + b = 0, the weight vector w drawn as an arrow perpendicular "
                         "to it, the half-plane of each predicted class shaded, and misclassified "
                         "points ringed in red."))
