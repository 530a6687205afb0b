"""Explorers for chapter 2: the linear classifier s = W x + b, seen as templates and as lines.

* :func:`template_browser` - pick a class; see its template (a row of W as an image) beside the
  test images that score highest and lowest for it.
* :func:`plane_explorer` - 2-D inputs: sliders for one class's weights (w1, w2) and bias move its
  line s_c = 0 and the argmax regions.
* :func:`draw_scores_2d` - the static picture both the chapter and :func:`plane_explorer` draw:
  argmax regions, each class's line s_c = 0, and each row of W as an arrow normal to its line.
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .._checks import as_array, check_finite, check_labels, fmt_shape
from . import choice, explorer, slider
from ..linear import _Wb

__all__ = ["template_browser", "plane_explorer", "draw_scores_2d", "rescale_rows"]

_CMAP = "tab10"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")   # plain-text subscripts: no mathtext per frame


def _names(class_names, C):
    if class_names is None:
        return [str(c) for c in range(C)]
    names = [str(n) for n in class_names]
    if len(names) != C:
        raise ValueError(f"class_names must name the C={C} classes of W; got {len(names)} names")
    return names


def rescale_rows(W):
    """Each row of W (C, D) mapped to [0, 1] on its own: (w - min w) / (max w - min w).

    A constant row maps to zeros. Returns (C, D) float64.
    """
    W = as_array("W", W, ndim=2, dims=("C", "D"), dtype="float")
    lo = W.min(axis=1, keepdims=True)
    span = W.max(axis=1, keepdims=True) - lo
    return (W - lo) / np.where(span > 0, span, 1.0)


# --------------------------------------------------------------------------- templates
def template_browser(W, b, X, y, image_shape=(8, 8), class_names=None, k=6, default=None):
    """Choose a class c: its template (row c of W as an image) beside the k images of X with the
    highest score s_c and the k with the lowest.

    W : (C, D), b : (C,) a trained linear classifier.  X : (N, D) images as rows (pixels in
    [0, 1]), y : (N,) their labels.  image_shape : (H, W) or (H, W, 3), prod = D.
    Templates are rescaled to [0, 1] per class (bright = most positive weight), like
    book.plots.template_grid. Returns an Explorer with one control, "c".
    """
    W, b = _Wb(W, b)
    C, D = W.shape
    X = as_array("X", X, ndim=2, shape=(None, D), dims=("N", "D"), dtype="float",
                 hint=f"matching W (C, D)={fmt_shape(W.shape)}")
    check_finite("X", X)
    y = check_labels("y", y, C, N=X.shape[0])
    image_shape = tuple(int(v) for v in image_shape)
    if int(np.prod(image_shape)) != D:
        raise ValueError(f"image_shape {image_shape} must hold D={D} pixels (W of shape "
                         f"{fmt_shape(W.shape)}); it holds {int(np.prod(image_shape))}")
    k = int(k)
    if not 1 <= k <= X.shape[0]:
        raise ValueError(f"k must lie in 1..N={X.shape[0]}; got {k}")
    names = _names(class_names, C)
    default = names[0] if default is None else str(default)
    s = X @ W.T + b                                     # (N, C)
    T = rescale_rows(W)
    grey = len(image_shape) == 2
    lo_x, hi_x = float(X.min()), float(X.max())

    def image(row, lo=0.0, hi=1.0):
        img = row.reshape(image_shape)
        return img if grey else np.clip((img - lo) / max(hi - lo, 1e-12), 0, 1)

    def make():
        fig = Figure(figsize=(1.1 * k + 2.6, 3.2))
        gs = fig.add_gridspec(2, k + 2, width_ratios=[2.2, 0.25] + [1] * k, left=0.02, right=0.99,
                              bottom=0.03, top=0.9, wspace=0.15, hspace=0.35)
        ax_t = fig.add_subplot(gs[:, 0])
        kw = dict(cmap="gray" if grey else None, vmin=0, vmax=1, interpolation="nearest")
        im_t = ax_t.imshow(image(T[0]), **kw)
        axes = [[fig.add_subplot(gs[r, j + 2]) for j in range(k)] for r in range(2)]
        kw_x = {**kw, "vmin": lo_x, "vmax": hi_x} if grey else kw
        ims = [[ax.imshow(image(X[0], lo_x, hi_x), **kw_x) for ax in row] for row in axes]
        for ax in [ax_t] + axes[0] + axes[1]:
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0][0].set_ylabel("highest", fontsize="small")
        axes[1][0].set_ylabel("lowest", fontsize="small")

        def update(c):
            ci = names.index(c)
            im_t.set_data(image(T[ci]))
            ax_t.set_title(f"template of class {c}", fontsize="small")
            order = np.argsort(-s[:, ci], kind="stable")
            picks = (order[:k], order[::-1][:k])
            hits = []
            for row, ims_row, idx in zip(axes, ims, picks):
                for ax, im, i in zip(row, ims_row, idx):
                    im.set_data(image(X[i], lo_x, hi_x))
                    ax.set_title(f"{names[y[i]]}: {s[i, ci]:.1f}", fontsize="x-small",
                                 color="tab:green" if y[i] == ci else "tab:red")
                hits.append(int(np.sum(y[idx] == ci)))
            return (f"class {c}: {hits[0]} of the {k} highest-scoring images are {c}, "
                    f"{hits[1]} of the {k} lowest are (titles: true label: score s_{c})")
        return fig, update

    return explorer(make, {"c": choice("class", names, default)},
                    alt="A class's template as an image, beside the images that score highest "
                        "and lowest for that class, each titled with its true label and its score.")


# --------------------------------------------------------------------------- geometry
def _lines_and_arrows(ax, C, highlight=None):
    """Artists for every class's line s_c = 0 and arrow w_c on `ax`; returns set_classifier(W, b)
    which moves them (a class whose row of W is zero shows neither)."""
    from matplotlib.patches import FancyArrowPatch

    cmap = matplotlib.colormaps[_CMAP]
    lines, arrows, labels = [], [], []
    for c in range(C):
        bold = highlight == c
        color = cmap(c % cmap.N)
        line_w = 2.5 if bold else (1.8 if highlight is None else 1.2)
        arrow_w = 2.4 if bold or highlight is None else 1.6
        lines.append(ax.plot([], [], color=color, lw=line_w, ls="-" if bold else "--", zorder=3)[0])
        arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", color=color, lw=arrow_w,
                                mutation_scale=20, shrinkA=0, shrinkB=0, zorder=4)
        arrows.append(ax.add_patch(arrow))
        labels.append(ax.text(0, 0, "w" + str(c).translate(_SUB), color=color, fontsize="medium",
                              fontweight="bold", va="bottom", ha="left", clip_on=True, zorder=5,
                              bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7)))

    def set_classifier(W, b):
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        reach = 4 * max(x1 - x0, y1 - y0)
        for c in range(C):
            w, n2 = W[c], float(W[c] @ W[c])
            visible = n2 > 0
            for artist in (lines[c], arrows[c], labels[c]):
                artist.set_visible(visible)
            if not visible:
                continue
            foot = -b[c] * w / n2                     # the point of s_c = 0 nearest the origin
            d = np.array([-w[1], w[0]]) / np.sqrt(n2)  # direction along the line
            lines[c].set_data(foot[0] + np.array([-reach, reach]) * d[0],
                              foot[1] + np.array([-reach, reach]) * d[1])
            arrows[c].set_positions(tuple(foot), tuple(foot + w))
            labels[c].set_position(tuple(foot + w))
    return set_classifier


def draw_scores_2d(ax, X, y, W, b, class_names=None, highlight=None, resolution=200, padding=0.5):
    """The 2-D picture of a linear classifier on axes `ax`.

    Filled argmax regions (book.plots.decision_regions) with the points X (N, 2), y (N,) on top;
    for each class c the line s_c = w_c . x + b_c = 0 and the row w_c as an arrow from the point
    of that line nearest the origin (it is the line's normal and points where s_c grows).
    Lines are dashed; `highlight` (a class index) draws that class's line solid and bold.
    Returns ax.
    """
    from ..plots import decision_regions

    W, b = _Wb(W, b, D=2)
    names = _names(class_names, W.shape[0])
    decision_regions(lambda P: np.argmax(P @ W.T + b, axis=1), X, y, ax=ax,
                     resolution=resolution, class_names=names, padding=padding)
    ax.set_aspect("equal")
    _lines_and_arrows(ax, W.shape[0], highlight)(W, b)
    return ax


def plane_explorer(X, y, W, b, c=0, class_names=None, w1_values=(-2, -1, 0, 1, 2),
                   w2_values=(-1, 0, 1, 2), b_values=(-2, 0, 2), resolution=150):
    """Sliders for class c's weights (w1, w2) and bias b; the other classes keep their W and b.

    X : (N, 2), y : (N,) a 2-D data set.  W : (C, 2), b : (C,) a classifier on it.
    The sliders start at W[c] and b[c] rounded to the nearest slider position. The figure shows
    the argmax regions, every line s_k = 0 and every row w_k as an arrow (class c in bold, like
    draw_scores_2d); the caption says where class c's line lies and how much of the view and of
    the data class c wins. Returns an Explorer with controls "w1", "w2", "b".
    """
    W, b_all = _Wb(W, b, D=2)
    C = W.shape[0]
    X = as_array("X", X, ndim=2, shape=(None, 2), dims=("N", "2"), dtype="float")
    check_finite("X", X)
    y = check_labels("y", y, C, N=X.shape[0])
    if isinstance(c, bool) or not (isinstance(c, (int, np.integer)) and 0 <= c < C):
        raise ValueError(f"c must be a class index in 0..{C - 1}; got {c!r}")
    names = _names(class_names, C)

    controls = {}
    for key, values, v in (("w1", w1_values, W[c, 0]), ("w2", w2_values, W[c, 1]),
                           ("b", b_values, b_all[c])):
        values = tuple(float(u) for u in values)
        start = values[int(np.argmin([abs(u - v) for u in values]))]
        controls[key] = slider(key, min(values), max(values), 1, default=start, static=values)

    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    cmap = matplotlib.colormaps[_CMAP]
    # region colours: each class colour at alpha 0.25 on white, as decision_regions fills them
    colors = 1 - 0.25 * (1 - np.array([cmap(k % cmap.N)[:3] for k in range(C)]))

    def make():
        fig = Figure(figsize=(4.6, 4.2))
        ax = fig.add_axes((0.13, 0.11, 0.84, 0.82))
        regions = ax.imshow(np.ones((resolution, resolution, 3)), origin="lower",
                            interpolation="nearest", extent=(lo[0], hi[0], lo[1], hi[1]))
        for k in np.unique(y):
            pts = X[y == k]
            ax.scatter(pts[:, 0], pts[:, 1], s=14, color=cmap(k % cmap.N), edgecolor="k",
                       linewidth=0.3, label=names[k])
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
        title = ax.set_title("", fontsize="small")
        set_classifier = _lines_and_arrows(ax, C, highlight=c)

        def update(w1, w2, b):                        # b: the bias of class c
            Wc, bc = W.copy(), b_all.copy()
            Wc[c], bc[c] = (w1, w2), b
            wins = np.argmax(grid @ Wc.T + bc, axis=1)
            regions.set_data(colors[wins].reshape(resolution, resolution, 3))
            set_classifier(Wc, bc)
            title.set_text(f"class {names[c]}: w = ({w1:g}, {w2:g}), b = {b:g}")
            area = float(np.mean(wins == c))
            acc = float(np.mean(np.argmax(X @ Wc.T + bc, axis=1) == y))
            if w1 == 0 and w2 == 0:
                where = f"w = 0: s_{c} = {b:g} everywhere, so class {names[c]} has no line"
            else:
                d = round(-b / float(np.hypot(w1, w2)), 2) + 0.0       # + 0.0: no "-0.00"
                where = f"line s_{c} = 0 at signed distance {d:.2f} from the origin"
            return f"{where}; class {names[c]} wins {area:.0%} of the view; accuracy {acc:.0%}"
        return fig, update

    return explorer(make, controls,
                    alt=f"Decision regions of a {C}-class linear classifier in the plane, with each "
                        f"class's line s = 0 and its weight vector as an arrow; sliders move class "
                        f"{names[c]}'s weights and bias.")
