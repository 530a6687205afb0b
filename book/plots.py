"""Figures the chapters share: decision regions, template images, training curves.

Each function draws on an optional `ax` (or `fig`), labels its axes, and returns the ax (or fig).
"""
from pathlib import Path

import numpy as np
import matplotlib.pyplot as plt

from ._validate import as_array, check_finite, fmt_shape

__all__ = ["BOOK_STYLE", "FIG_WIDTH", "use_book_style", "show_photo", "decision_regions", "rescale_rows", "template_grid",
           "loss_curve", "accuracy_curves"]

_CMAP = "tab10"
BOOK_STYLE = Path(__file__).resolve().parent / "book.mplstyle"
FIG_WIDTH = 7.0          # inches: the width of the book's text column at 100 dpi


def use_book_style():
    """Apply the book's one plot style (book/book.mplstyle) to every later figure.

    Figures come out 7 in wide at 100 dpi, the width the book shows them, with text of at least
    9 pt. Returns the path of the style file.
    """
    plt.style.use(BOOK_STYLE)
    return BOOK_STYLE


def show_photo(fig=None, quality=70):
    """Show a figure of photographs as a JPEG, the way a browser would get a photo.

    A PNG of natural images hardly compresses (CIFAR-10's sample as a grid is about 265 KB) and
    would push a chapter page over its weight budget; the same figure as an optimised JPEG at
    quality 70 is about a third of that. Line plots stay PNG. The figure is closed.
    """
    import io

    from IPython.display import Image, display

    fig = plt.gcf() if fig is None else fig
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", pil_kwargs={"quality": int(quality), "optimize": True, "progressive": True})
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="jpeg"))


def _class_names(class_names, C):
    if class_names is None:
        return [str(c) for c in range(C)]
    class_names = [str(c) for c in class_names]
    if len(class_names) < C:
        raise ValueError(f"class_names must name all {C} classes; got {len(class_names)} names")
    return class_names


def decision_regions(predict_fn, X, y, ax=None, resolution=400, class_names=None, padding=0.5,
                     legend=True):
    """Filled regions of a 2-D classifier's decisions with the data on top.

    predict_fn : callable mapping points (M, 2) to labels (M,).
    X : (N, 2) points.  y : (N,) integer labels.  resolution : grid points per axis; the regions
    are an image of resolution x resolution labels, so at the default their edges are smooth
    lines on screen, not staircases.
    padding : margin around the data, in data units.  legend : draw a legend of the classes.
    Returns ax.
    """
    X = as_array("X", X, ndim=2, shape=(None, 2), dims=("N", "2"), dtype="float")
    check_finite("X", X)
    y = as_array("y", y, ndim=1, dtype="int")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape (N,) with N={X.shape[0]} matching X; got y of shape {fmt_shape(y.shape)}")
    C = int(max(y.max(initial=0), 0)) + 1
    if class_names is not None:
        C = max(C, len(class_names))
    names = _class_names(class_names, C)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    Z = np.asarray(predict_fn(grid))
    if Z.shape != (grid.shape[0],):
        raise ValueError(f"predict_fn must map points (M, 2) to labels (M,) with M={grid.shape[0]}; "
                         f"got an output of shape {fmt_shape(Z.shape)}")
    C = max(C, int(Z.max()) + 1)
    cmap = plt.get_cmap(_CMAP)
    colors = [cmap(c % cmap.N) for c in range(C)]
    # each class colour at 25 % on white, as an opaque image (no blending of overlapping fills)
    tints = 1 - 0.25 * (1 - np.array([c[:3] for c in colors]))
    ax.imshow(tints[Z.reshape(g0.shape).astype(int)], origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
              interpolation="antialiased", aspect="auto", zorder=0)
    for c in np.unique(y):
        pts = X[y == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=14, color=colors[c], edgecolor="k", linewidth=0.3,
                   label=names[c] if c < len(names) else str(c))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if legend:
        ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


def rescale_rows(W):
    """Each row of W (C, D) mapped to [0, 1] on its own: (w - min w) / (max w - min w).

    How the book shows templates: the most negative weight of a row black, its most positive
    white. A constant row maps to zeros. Returns (C, D) float64.
    """
    W = as_array("W", W, ndim=2, dims=("C", "D"), dtype="float")
    lo = W.min(axis=1, keepdims=True)
    span = W.max(axis=1, keepdims=True) - lo
    return (W - lo) / np.where(span > 0, span, 1.0)


def template_grid(W, image_shape, class_names=None, ncols=5, fig=None):
    """Show each row of W (C, D) as an image: the template of its class.

    image_shape : (8, 8) for grey images or (32, 32, 3) for colour ones; prod(image_shape) = D.
    Each template is rescaled to [0, 1] on its own (rescale_rows: min -> 0, max -> 1) for display.
    Returns the figure (one titled image per class; spare grid cells are removed).
    """
    W = as_array("W", W, ndim=2, dims=("C", "D"), dtype="float")
    check_finite("W", W)
    image_shape = tuple(int(v) for v in image_shape)
    if int(np.prod(image_shape)) != W.shape[1]:
        raise ValueError(f"image_shape {image_shape} must hold D={W.shape[1]} pixels (W of shape "
                         f"{fmt_shape(W.shape)}); it holds {int(np.prod(image_shape))}")
    C = W.shape[0]
    names = _class_names(class_names, C)
    ncols = max(1, min(int(ncols), C))
    nrows = int(np.ceil(C / ncols))
    if fig is None:
        fig = plt.figure(figsize=(1.6 * ncols, 1.8 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    T = rescale_rows(W)
    for c, ax in enumerate(axes):
        if c >= C:
            ax.remove()
            continue
        img = T[c].reshape(image_shape)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(names[c], fontsize="small")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def _smooth(v, k):
    if k <= 1 or len(v) < k:
        return None
    c = np.cumsum(np.insert(np.asarray(v, dtype=np.float64), 0, 0.0))
    return (c[k:] - c[:-k]) / k


def loss_curve(history, ax=None, smooth=0):
    """Training loss per step.

    history : dict with a "loss" list (from train / train_linear) or a sequence of losses.
    smooth  : window of a moving average drawn over the raw curve (0 = raw only).
    Returns ax.
    """
    loss = history["loss"] if isinstance(history, dict) else history
    loss = as_array("history['loss']", loss, ndim=1, dtype="float")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    steps = np.arange(1, loss.shape[0] + 1)
    sm = _smooth(loss, int(smooth))
    ax.plot(steps, loss, lw=1, alpha=0.35 if sm is not None else 1.0, label="loss per step")
    if sm is not None:
        ax.plot(steps[int(smooth) - 1:], sm, lw=2, label=f"moving average ({int(smooth)} steps)")
        ax.legend(loc="best", fontsize="small")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    return ax


def accuracy_curves(history, ax=None):
    """Training and (if present) validation accuracy per epoch.  history : dict with "train_acc"
    and optionally "val_acc" lists.  Returns ax."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    for key, label in (("train_acc", "train"), ("val_acc", "validation")):
        acc = history.get(key) or []
        if len(acc):
            ax.plot(np.arange(1, len(acc) + 1), acc, marker="o", ms=3, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize="small")
    return ax
