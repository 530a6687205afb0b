"""The softmax explorer: three class scores and a temperature in, probabilities, loss and gradient out.

The lecture's example has scores s = (3.2, 5.1, -1.7) for (cat, car, frog), and the correct
class is cat. The explorer shows, for scores the reader picks and a temperature T,

    p = softmax(s / T),   L = -log p_cat,   dL/ds = (p - onehot(cat)) / T

as two bar charts (p and dL/ds), with the loss in the title and the caption.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..losses import softmax, softmax_cross_entropy
from . import explorer, log_slider, slider

__all__ = ["CLASSES", "softmax_state", "softmax_explorer"]

CLASSES = ("cat", "car", "frog")
FIGSIZE = (7.0, 3.0)


def softmax_state(s, T=1.0, y=0):
    """Probabilities, loss and gradient for one example's scores at temperature T.

    s : scores (C,).  T : temperature > 0.  y : the correct class (int).
    Returns (p (C,), L float, ds (C,)) with p = softmax(s / T), L = -log p_y and
    ds = dL/ds = (p - onehot(y)) / T (the chain rule through s / T).
    """
    if not np.isfinite(T) or T <= 0:
        raise ValueError(f"T must be a positive temperature; got T={T!r}")
    z = np.asarray(s, dtype=np.float64) / T
    L, dz = softmax_cross_entropy(z, y)
    return softmax(z), L, dz / T


def softmax_explorer(dpi=80):
    """Sliders for the scores of cat, car and frog and a temperature T; the correct class is cat.

    Shows the probabilities p = softmax(s / T) and the gradient dL/ds of the cross-entropy
    L = -log p_cat as bars; the figure's title gives L, the caption L, p and dL/ds.
    Pre-renders 4 x 4 x 3 x 2 = 96 pictures for the online book.
    """
    y = 0
    colors = ["tab:green" if c == y else "tab:gray" for c in range(len(CLASSES))]

    def make():
        # The panels' axes, ticks, labels and titles never change: draw them once into a picture,
        # and per frame draw only that picture, six bars and the title. Text is most of the cost
        # of a matplotlib frame, so this keeps the 96 pre-rendered frames quick.
        layout = Figure(figsize=FIGSIZE, dpi=dpi)
        layout.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.8, wspace=0.3)
        axes = layout.subplots(1, 2)
        x = np.arange(len(CLASSES))
        for ax, (lim, ylabel, title) in zip(axes, (((0.0, 1.12), "probability p", "p = softmax(s / T)"),
                                                    ((-1.15, 1.15), "dL/ds", "gradient of the loss"))):
            ax.set_xlim(-0.6, len(CLASSES) - 0.4)
            ax.set_ylim(*lim)
            ax.set_xticks(x, CLASSES)
            ax.set(xlabel="class (correct: cat)", ylabel=ylabel)
            ax.set_title(title, fontsize=10)
            ax.grid(axis="y", alpha=0.3)
        FigureCanvasAgg(layout).draw()
        background = np.asarray(layout.canvas.buffer_rgba()).copy()

        fig = Figure(figsize=FIGSIZE, dpi=dpi)
        fig.figimage(background, 0, 0, zorder=0)
        to_fig = layout.transFigure.inverted()
        panels = []
        for ax in axes:
            def frac(xd, yd, ax=ax):  # data coordinates of this panel -> figure fraction
                return to_fig.transform(ax.transData.transform((xd, yd)))
            x_left, y_zero = frac(-0.6, 0.0)
            x_right, _ = frac(len(CLASSES) - 0.4, 0.0)
            scale = frac(0.0, 1.0)[1] - y_zero  # figure fraction per unit of the y axis
            bars = []
            for i, color in zip(x, colors):
                (x0, _), (x1, _) = frac(i - 0.4, 0.0), frac(i + 0.4, 0.0)
                bars.append(fig.add_artist(Rectangle((x0, y_zero), x1 - x0, 0.0, color=color,
                                                     transform=fig.transFigure, zorder=1)))
            fig.add_artist(Line2D([x_left, x_right], [y_zero, y_zero], color="black", lw=0.8,
                                  transform=fig.transFigure, zorder=2))
            panels.append((bars, scale))
        heading = fig.suptitle("", fontsize=11)

        def update(cat, car, frog, T):
            s = np.array([cat, car, frog])
            p, L, ds = softmax_state(s, T, y)
            for (bars, scale), v in zip(panels, (p, ds)):  # values go in the caption
                for bar, vi in zip(bars, v):
                    bar.set_height(vi * scale)
            heading.set_text(f"correct class cat, T = {T:g}:  loss L = -log p_cat = {L:.2f}")
            return (f"L = -log p_cat = {L:.2f};  p = ({', '.join(f'{v:.2f}' for v in p)});  "
                    f"dL/ds = ({', '.join(f'{v:+.2f}' for v in ds)})")

        return fig, update

    controls = {
        "cat": slider("cat score", 0.0, 7.0, 0.1, default=3.2, static=(0.0, 3.2, 5.1, 7.0)),
        "car": slider("car score", 0.0, 7.0, 0.1, default=5.1, static=(0.0, 3.2, 5.1, 7.0)),
        "frog": slider("frog score", -1.7, 6.0, 0.1, default=-1.7, static=(-1.7, 2.0, 6.0)),
        "T": log_slider("temperature T", (1.0, 4.0), default=1.0),
    }
    return explorer(make, controls, dpi=dpi,
                    alt="Two bar charts for the classes cat, car and frog: the softmax probabilities of "
                        "the scores chosen with the sliders at temperature T, and the gradient of the "
                        "cross-entropy loss for the correct class cat with respect to each score.")
