"""Gradient descent and backpropagation, to play with: the chapter "Gradient descent and backpropagation".

The loss landscape is a two-parameter problem small enough to draw whole: a two-class softmax
classifier ("dog" against "not dog") on 2-D points, with no bias and the second row of W held at
zero. With two classes only the difference of the rows matters, so nothing is lost: the loss is a
function of the dog template w = W[0] = (w1, w2) alone,

    L(w) = mean_i -log softmax([w . x_i, 0])[y_i] + reg * |w|^2.

* :func:`slice_problem`, :func:`slice_loss`, :func:`descend` - the problem, its loss on a grid,
  and gradient descent on it (the gradient comes from ``book.linear.linear_loss_and_grads``).
* :func:`descent_explorer` - learning rate and number of steps -> the path on the loss surface
  and the loss curve.
* :func:`backprop_stepper` - a step-through of backprop on a small graph: forward values node by
  node, then gradients one node at a time, drawn with ``book.graph.draw``.
* :func:`stepper_graph`, :func:`stepper_frames` - the stepper's graphs and the steps it shows.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

from .._checks import as_array, check_finite, fmt_shape
from ..graph import Value, draw, topo_order
from ..linear import linear_loss_and_grads
from . import explorer, log_slider, slider

__all__ = ["REG", "START", "WINDOW", "slice_problem", "slice_loss", "slice_loss_and_grad", "descend",
           "descent_explorer", "backprop_stepper", "stepper_graph", "stepper_frames"]

REG = 0.05                       # L2 penalty reg * |w|^2: keeps the minimum finite
START = (-3.0, 3.0)              # where every descent starts: a poor template
WINDOW = ((-4.0, 4.0), (-3.0, 4.0))   # the (w1, w2) range drawn


def slice_problem(n=40, seed=0):
    """Two overlapping clouds of 2-D points: label 0 ("dog") around (1, 0.5), label 1 around (-1, -0.5).

    Returns X (n, 2) float64 and y (n,) int64, half of each class (alternating).
    """
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
    rng = np.random.default_rng(seed)
    y = np.arange(int(n)) % 2
    centres = np.array([[1.0, 0.5], [-1.0, -0.5]])
    X = centres[y] + rng.normal(0.0, 1.0, size=(int(n), 2))
    return X, y.astype(np.int64)


def _w(w):
    w = as_array("w", w, dtype="float")
    if w.shape[-1:] != (2,):
        raise ValueError(f"w must have shape (..., 2), the dog template (w1, w2); got w of shape {fmt_shape(w.shape)}")
    check_finite("w", w)
    return w


def slice_loss(w, X, y, reg=REG):
    """The loss L(w) for many templates at once (for contour plots).

    w : (..., 2) templates.  X : (N, 2).  y : (N,) labels in {0, 1}.
    Returns L of shape w.shape[:-1]: mean_i [log(1 + exp(w . x_i)) - [y_i = 0] w . x_i] + reg |w|^2.
    """
    w = _w(w)
    s = w @ np.asarray(X, dtype=np.float64).T                  # (..., N) dog scores; the other score is 0
    ce = np.logaddexp(s, 0.0) - np.where(np.asarray(y) == 0, s, 0.0)
    return ce.mean(axis=-1) + reg * np.sum(w * w, axis=-1)


def slice_loss_and_grad(w, X, y, reg=REG):
    """L(w) and dL/dw for one template w (2,), computed by the library's linear classifier."""
    w = _w(w)
    W = np.array([w, [0.0, 0.0]])
    L, dW, _ = linear_loss_and_grads(W, np.zeros(2), X, y, reg=reg)   # the zero row adds no penalty
    return L, dW[0]


def descend(X, y, lr, steps, w0=START, reg=REG):
    """Gradient descent w := w - lr dL/dw from w0.

    Returns path (k + 1, 2) of templates and losses (k + 1,), k = steps, or fewer when the loss
    overflows (a learning rate far too large): the path stops at the last finite loss.
    """
    if lr <= 0:
        raise ValueError(f"lr must be positive; got {lr}")
    w = np.array(w0, dtype=np.float64)
    path, losses = [w.copy()], []
    for _ in range(int(steps)):
        L, dw = slice_loss_and_grad(w, X, y, reg)
        losses.append(L)
        w_next = w - lr * dw
        if not (np.all(np.isfinite(w_next)) and np.abs(w_next).max() < 1e100):
            return np.array(path), np.array(losses)
        w = w_next
        path.append(w.copy())
    losses.append(slice_loss_and_grad(w, X, y, reg)[0])
    return np.array(path), np.array(losses)


DPI = 80   # the explorers' pictures: 80 dots per inch


def _overlay(static_fig, dpi):
    """Freeze a figure into a picture: returns a new figure showing static_fig's pixels (at dpi)
    and, on top, empty transparent axes in the place of its axes, with the same limits and scales.
    Only what is drawn on those axes is drawn again for each frame: much faster than the whole."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    static_fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(static_fig)
    canvas.draw()
    fig = Figure(figsize=static_fig.get_size_inches(), dpi=dpi)
    fig.figimage(np.asarray(canvas.buffer_rgba()).copy(), 0, 0, origin="upper", zorder=-1)
    axes = []
    for a in static_fig.axes:
        o = fig.add_axes(a.get_position())
        o.set_xscale(a.get_xscale())
        o.set_yscale(a.get_yscale())
        o.set_xlim(a.get_xlim())
        o.set_ylim(a.get_ylim())
        o.set_axis_off()
        axes.append(o)
    return fig, axes


def descent_explorer(lrs=(0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0), steps=(0, 5, 10, 20, 40),
                     default_lr=1.0, default_steps=20, seed=0):
    """Learning rate (log slider) and number of steps: the descent's path on the loss contours
    (left) and its loss per step (right)."""
    X, y = slice_problem(seed=seed)
    max_steps = int(max(steps))
    runs = {lr: descend(X, y, lr, max_steps) for lr in lrs}
    (a1, b1), (a2, b2) = WINDOW
    g1, g2 = np.meshgrid(np.linspace(a1, b1, 121), np.linspace(a2, b2, 121))
    Z = slice_loss(np.stack([g1, g2], axis=-1), X, y)
    L_min = float(Z.min())
    w_best = (g1.ravel()[Z.argmin()], g2.ravel()[Z.argmin()])
    top = 30.0

    def make():
        fig = Figure(figsize=(9, 3.8))
        ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        ax.contour(g1, g2, Z, levels=np.geomspace(L_min * 1.02, Z.max(), 14), cmap="viridis", linewidths=0.8)
        ax.plot(*w_best, "k+", ms=8)
        ax.plot(*START, "ks", ms=5)
        ax.set_xlim(a1, b1)
        ax.set_ylim(a2, b2)
        ax.set_xlabel("$w_1$ (dog template, first weight)")
        ax.set_ylabel("$w_2$ (second weight)")
        ax.set_title("path on the loss surface (+ marks the minimum)", fontsize=10)
        bx.axhline(L_min, color="gray", ls=":", lw=1, label="lowest loss on the grid")
        bx.set_yscale("log")
        bx.set_xlim(-0.5, max_steps + 0.5)
        bx.set_ylim(0.8 * L_min, top)
        bx.yaxis.set_major_locator(FixedLocator([0.5, 1, 2, 5, 10, 20]))
        bx.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        bx.yaxis.set_minor_locator(NullLocator())
        bx.set_xlabel("step")
        bx.set_ylabel("loss $L$ (log scale)")
        bx.set_title("loss per step", fontsize=10)
        bx.legend(loc="upper right", fontsize=7)
        fig.tight_layout()
        fig, (ax, bx) = _overlay(fig, DPI)          # only the path and the loss curve are redrawn
        path_line, = ax.plot([], [], "o-", color="#d62728", ms=3, lw=1.2)
        loss_line, = bx.plot([], [], "o-", color="#d62728", ms=3, lw=1.2)

        def update(lr, steps):
            path, losses = runs[lr]
            k = min(int(steps), len(losses) - 1)
            path_line.set_data(path[:k + 1, 0], path[:k + 1, 1])
            loss_line.set_data(np.arange(k + 1), losses[:k + 1])
            L0, Lk = losses[0], losses[k]
            recent = np.diff(losses[max(0, k - 4):k + 1])
            verdict = ("diverging: the loss grows" if Lk > 1.5 * L0 else
                       "barely moved" if Lk > 0.8 * L0 and k > 0 else
                       "oscillating: the loss goes up and down" if (recent > 0).any() else "")
            off = " (off the plot)" if Lk > top else ""
            return (f"α = {lr:g}, {int(steps)} steps: loss {L0:.3g} → {Lk:.3g}{off}"
                    + (f"; {verdict}" if verdict else ""))
        return fig, update

    return explorer(make, {"lr": log_slider("learning rate α", lrs, default_lr),
                           "steps": slider("steps", 0, max_steps, 1, default_steps, static=steps)},
                    alt="Left: contour lines of the loss over the two weights of the dog template, with the "
                        "path of gradient descent from a poor start; right: the loss after each step.", dpi=DPI)


# ---- backprop, step by step -------------------------------------------------------------------
def stepper_graph(name):
    """The small graphs of the stepper: "(x + y) z" (the lecture's example) or "neuron"
    (f = relu(w1 x1 + w2 x2 + b)). Returns the output Value, after its backward pass."""
    if name == "(x + y) z":
        x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
        q = x + y
        q.label = "q"
        f = q * z
        f.label = "f"
    elif name == "neuron":
        x1, w1 = Value(2.0, label="x1"), Value(-1.5, label="w1")
        x2, w2 = Value(1.0, label="x2"), Value(3.0, label="w2")
        b = Value(0.5, label="b")
        a1, a2 = x1 * w1, x2 * w2
        a1.label, a2.label = "a1", "a2"
        h = a1 + a2
        h.label = "h"
        n = h + b
        n.label = "n"
        f = n.relu()
        f.label = "f"
    else:
        raise ValueError(f"name must be '(x + y) z' or 'neuron'; got {name!r}")
    f.backward()
    return f


def _consumers(order):
    uses = {id(n): [] for n in order}
    for n in order:
        for child, local in zip(n._prev, n._local):
            uses[id(child)].append((n, local))
    return uses


_OPS = {"*": "×", "/": "÷", "-": "−"}


def _name(n):
    return n.label or f"{n.data:g}"


def stepper_frames(f):
    """The steps of backprop on the graph of f: a list of (data shown, grads shown, node, text).

    Step 0 shows the inputs; then each computed node gets its value (forward pass, in topological
    order); then each node gets its gradient (backward pass, in reverse order), the output first
    (df/df = 1), every other as the sum over its uses of upstream gradient x local gradient.
    """
    order = topo_order(f)
    uses = _consumers(order)
    inputs = [n for n in order if not n._prev]
    frames = [(list(inputs), [], None, "the inputs: " + ", ".join(f"{_name(n)} = {n.data:g}" for n in inputs))]
    known = list(inputs)
    for n in order:
        if not n._prev:
            continue
        known = known + [n]
        names = [_name(c) for c in n._prev]
        if n._op in ("+", "-", "*", "/"):
            args = f" {_OPS.get(n._op, n._op)} ".join(names)
        elif n._op.startswith("**"):
            args = names[0] + n._op
        else:
            args = f"{n._op}({', '.join(names)})"
        frames.append((known, [], n, f"forward: {_name(n)} = {args} = {n.data:g}"))
    done = []
    for n in reversed(order):
        done = done + [n]
        if n is f:
            text = f"backward: start at the output, d{_name(f)}/d{_name(f)} = 1"
        else:
            terms = [(c, local) for c, local in uses[id(n)]]
            chain = " + ".join(f"{c.grad:g} × {local:g}" for c, local in terms)
            text = (f"backward: d{_name(f)}/d{_name(n)} = upstream × local = {chain} = {n.grad:g}")
        frames.append((known, done, n, text))
    return frames


def backprop_stepper(graph="neuron"):
    """Step through backprop on one small graph (see :func:`stepper_graph`): a slider "step"
    reveals the forward values node by node, then the gradients one node at a time."""
    f = stepper_graph(graph)
    frames = stepper_frames(f)

    def make():
        fig = Figure(figsize=(8.5, 4.0))
        ax = fig.add_axes([0.01, 0.01, 0.98, 0.9])

        def update(step):
            data, grads, node, text = frames[int(step)]
            ax.clear()
            draw(f, ax=ax, show_data=data, show_grad=grads, highlight=node, fontsize=9)
            phase = "the inputs" if step == 0 else ("forward pass" if not grads else "backward pass")
            ax.set_title(f"step {int(step)} of {len(frames) - 1}: {phase}", fontsize=10)
            return text
        return fig, update

    return explorer(make, {"step": slider("step", 0, len(frames) - 1, 1, 0)},
                    alt="A computational graph whose boxes fill in step by step: first the value of each "
                        "node in the forward pass, then the gradient of the output with respect to each "
                        "node in the backward pass, the current node outlined in orange.")
