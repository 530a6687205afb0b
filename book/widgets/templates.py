"""Explorers for chapter 2: the linear classifier s = W x + b, seen as templates and as lines.

* :func:`template_browser` (module ``js/templates.js``) - pick a class; see its template (a row
  of W as an image) beside the images that score highest and lowest for it;
  :func:`cifar10_template_browser` does it with the book's CIFAR-10 weights and sample images.
* :func:`plane_explorer` (module ``js/plane.js``) - 2-D inputs: set any class's (w_c, b_c), scale
  them together or scale all of W and b, and see the lines s_c = 0 and the argmax regions.
* :func:`draw_scores_2d` - the static picture both the chapter and :func:`plane_explorer` draw:
  argmax regions, each class's line s_c = 0, and each row of W as an arrow normal to its line.
"""
from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np

from .._validate import as_array, check_finite, check_labels, fmt_shape, linear_weights
from . import Explorer
from ..plots import rescale_rows

__all__ = ["TemplateBrowser", "template_browser", "cifar10_template_browser", "PlaneExplorer", "plane_explorer",
           "draw_scores_2d", "sprite"]

_CMAP = "tab10"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")   # plain-text subscripts: no mathtext per frame


def _names(class_names, C):
    if class_names is None:
        return [str(c) for c in range(C)]
    names = [str(n) for n in class_names]
    if len(names) != C:
        raise ValueError(f"class_names must name the C={C} classes of W; got {len(names)} names")
    return names


# --------------------------------------------------------------------------- templates
def sprite(images, columns, fmt="PNG", quality=85):
    """Images (N, H, W) or (N, H, W, 3) with values in [0, 1] as one data URL, `columns` per row.

    fmt : "PNG" (exact) or "JPEG" (at `quality`: a tenth of the bytes for photographs)."""
    from PIL import Image

    images = np.clip(np.round(np.asarray(images, dtype=np.float64) * 255), 0, 255).astype(np.uint8)
    N, H, W = images.shape[:3]
    rows = -(-N // columns)
    sheet = np.zeros((rows * H, columns * W) + images.shape[3:], dtype=np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, columns)
        sheet[r * H:(r + 1) * H, c * W:(c + 1) * W] = im
    buf = io.BytesIO()
    if fmt == "JPEG":
        Image.fromarray(sheet).save(buf, format="JPEG", quality=quality, optimize=True)
    elif fmt == "PNG":
        Image.fromarray(sheet).save(buf, format="PNG", optimize=True)
    else:
        raise ValueError(f"fmt must be 'PNG' or 'JPEG'; got {fmt!r}")
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


class TemplateBrowser(Explorer):
    """State: class names, the templates and the images as PNG sprites (one row of templates;
    images `sprite_columns` per row), the images' labels y and scores (N, C), the class c shown
    and k images per row."""

    module = "templates"
    synced = dict(class_names=[], templates="", images="", sprite_columns=10, image_shape=[], y=[], scores=[],
                  c=0, k=6)


MAX_IMAGES = 200


def template_browser(W, b, X, y, image_shape=(8, 8), class_names=None, k=6, default=None, fmt="PNG"):
    """Choose a class c: its template (row c of W as an image) beside the k images of X with the
    highest score s_c and the k with the lowest.

    W : (C, D), b : (C,) a trained linear classifier.  X : (N, D) images as rows (pixels in
    [0, 1]; at most 200 images), y : (N,) their labels.  image_shape : (H, W) or (H, W, 3), prod = D.
    Templates are rescaled to [0, 1] per class (bright = most positive weight), like
    book.plots.template_grid. The scores s = X W^T + b are computed here, by the library.
    fmt : how the images travel to the page, "PNG" or "JPEG" (photographs: much smaller).
    """
    W, b = linear_weights(W, b)
    C, D = W.shape
    X = as_array("X", X, ndim=2, shape=(None, D), dims=("N", "D"), dtype="float",
                 hint=f"matching W (C, D)={fmt_shape(W.shape)}")
    check_finite("X", X)
    if not 2 <= X.shape[0] <= MAX_IMAGES:
        raise ValueError(f"X must hold 2 to {MAX_IMAGES} images (they are embedded in the page); got {X.shape[0]}: "
                         f"pass a sample, e.g. X[:{MAX_IMAGES}]")
    if X.min() < 0 or X.max() > 1:
        raise ValueError(f"X's pixels must lie in [0, 1]; got values from {X.min():g} to {X.max():g} (divide by 255?)")
    y = check_labels("y", y, C, N=X.shape[0])
    shape = tuple(int(v) for v in image_shape)
    if int(np.prod(shape)) != D or len(shape) not in (2, 3):
        raise ValueError(f"image_shape must be (H, W) or (H, W, 3) with H * W (* 3) = D = {D}; got {image_shape!r}")
    names = _names(class_names, C)
    c = 0 if default is None else int(default)
    if not 0 <= c < C:
        raise ValueError(f"default must be a class index in 0..{C - 1}; got {default!r}")
    if not 1 <= k <= min(10, X.shape[0] // 2):
        raise ValueError(f"k must be in 1..{min(10, X.shape[0] // 2)}; got {k!r}")
    from ..linear import scores

    S = scores(X, W, b)
    columns = 10
    return TemplateBrowser(class_names=names, templates=sprite(rescale_rows(W).reshape((C,) + shape), C, fmt),
                           images=sprite(X.reshape((-1,) + shape), columns, fmt), sprite_columns=columns,
                           image_shape=list(shape[:2]), y=y, scores=np.round(S, 3), c=c, k=int(k),
                           alt="A class's template, drawn as an image, beside the images that score highest "
                               "and lowest for that class, each with its true label and its score.")


def cifar10_template_browser(k=5, default=3, per_class=6):
    """The template browser on CIFAR-10: the book's trained linear classifier (raw pixels in
    [0, 1], see book.experiments) and the first `per_class` images of each class of the sample of
    real test images from book.cifar10 (JPEG in the page, to keep it light)."""
    from ..cifar10 import load_cifar10_sample
    from ..experiments import load_cifar10_results

    results = load_cifar10_results()
    X, y, names = load_cifar10_sample()
    y = np.asarray(y)
    keep = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(len(names))])
    return template_browser(results["linear_W"].astype(np.float64), results["linear_b"].astype(np.float64),
                            np.asarray(X[keep], dtype=np.float64).reshape(len(keep), -1) / 255.0, y[keep],
                            image_shape=(32, 32, 3), class_names=list(names), k=k, default=default, fmt="JPEG")


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

    W, b = linear_weights(W, b, D=2)
    names = _names(class_names, W.shape[0])
    decision_regions(lambda P: np.argmax(P @ W.T + b, axis=1), X, y, ax=ax,
                     resolution=resolution, class_names=names, padding=padding)
    ax.set_aspect("equal")
    _lines_and_arrows(ax, W.shape[0], highlight)(W, b)
    return ax


class PlaneExplorer(Explorer):
    """State: points X (N, 2), labels y, a classifier W (C, 2), b (C,), the class c being edited,
    class names and the half-width ``lim`` of the square drawn."""

    module = "plane"
    synced = dict(X=[], y=[], W=[], b=[], c=0, class_names=[], lim=3.0)


def plane_explorer(X, y, W, b, c=0, class_names=None, padding=0.5):
    """Set any class's (w_c, b_c) (continuous sliders, w in [-3, 3]^2, b in [-5, 5]), scale that
    class's row and bias together, or all of W and b, and watch the lines s_k = 0 and the argmax
    regions (drawn at the screen's resolution).

    X : (N, 2), y : (N,) a 2-D data set.  W : (C, 2), b : (C,) a classifier on it (clipped into
    the sliders' ranges and rounded to their steps of 0.01).  c : the class selected first.
    """
    W, b_all = linear_weights(W, b, D=2)
    C = W.shape[0]
    X = as_array("X", X, ndim=2, shape=(None, 2), dims=("N", "2"), dtype="float")
    check_finite("X", X)
    y = check_labels("y", y, C, N=X.shape[0])
    if isinstance(c, bool) or not (isinstance(c, (int, np.integer)) and 0 <= c < C):
        raise ValueError(f"c must be a class index in 0..{C - 1}; got {c!r}")
    names = _names(class_names, C)
    lim = float(np.ceil((np.abs(X).max() + padding) * 2) / 2)
    return PlaneExplorer(X=np.round(X, 6), y=y, W=np.round(np.clip(W, -3, 3), 2), b=np.round(np.clip(b_all, -5, 5), 2),
                         c=int(c), class_names=names, lim=lim,
                         alt="Points of several classes in the plane, the argmax regions of a linear classifier, "
                             "each class's line s_c = 0 with its weight vector as an arrow, the class being "
                             "edited drawn bold.")
