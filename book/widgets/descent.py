"""Gradient descent and backpropagation, to play with: the chapter "Gradient descent and backpropagation".

The loss landscape is a two-parameter problem small enough to draw whole: a two-class softmax
classifier ("dog" against "not dog") on 2-D points, with no bias and the second row of W held at
zero. With two classes only the difference of the rows matters, so nothing is lost: the loss is a
function of the dog template w = W[0] = (w1, w2) alone,

    L(w) = mean_i -log softmax([w . x_i, 0])[y_i] + reg * |w|^2.

* :func:`slice_problem`, :func:`slice_loss`, :func:`descend` - the problem, its loss on a grid,
  and gradient descent on it (the gradient comes from ``book.linear.linear_loss_and_grads``).
* :func:`descent_explorer` (module ``js/descent.js``) - continuous learning rate, steps and
  momentum -> the path on the loss surface and the loss curve, recomputed in the page.
* :func:`backprop_stepper` (module ``js/backprop.js``) - a step-through of backprop on small
  graphs whose inputs are sliders: forward values node by node, then gradients one node at a time.
* :func:`stepper_graph`, :func:`graph_nodes` - the stepper's graphs, and a graph as plain data.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_array, check_finite, fmt_shape
from ..graph import Value, op_text, topo_order
from ..linear import linear_loss_and_grads
from . import Explorer, on_grid

__all__ = ["REG", "START", "WINDOW", "slice_problem", "slice_loss", "slice_loss_and_grad", "descend",
           "DescentExplorer", "descent_explorer", "BackpropStepper", "backprop_stepper", "stepper_graph",
           "graph_nodes"]

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
    L, dW, _ = linear_loss_and_grads(X, y, W, np.zeros(2), reg=reg)   # the zero row adds no penalty
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


class DescentExplorer(Explorer):
    """State: the points X (N, 2) and labels y of :func:`slice_problem`, reg, the start, the
    window drawn ((w1 lo, hi), (w2 lo, hi)), and the controls: lr, steps, momentum."""

    module = "descent"
    synced = dict(X=[], y=[], reg=REG, start=[], window=[], lr=1.0, steps=20, momentum=0.0)


def descent_explorer(lr=1.0, steps=20, momentum=0.0, seed=0):
    """Gradient descent on L(w) from START: learning rate in [0.01, 100] (log scale), steps in
    [0, 100], momentum in [0, 0.99]; the page recomputes the path as the reader moves them."""
    if not 0.01 <= lr <= 100:
        raise ValueError(f"lr must lie in the slider's range [0.01, 100]; got {lr!r}")
    if int(steps) != steps or not 0 <= steps <= 100:
        raise ValueError(f"steps must be an integer in [0, 100]; got {steps!r}")
    if not 0 <= momentum <= 0.99:
        raise ValueError(f"momentum must lie in [0, 0.99]; got {momentum!r}")
    X, y = slice_problem(seed=seed)
    return DescentExplorer(X=X, y=y, reg=REG, start=list(START), window=[list(r) for r in WINDOW],
                           lr=on_grid(lr, 0.01, 100, n=1000), steps=int(steps), momentum=round(float(momentum), 2),
                           alt="Left: a heat map of the loss over the two weights of the dog template, with "
                               "the path of gradient descent from a poor start; right: the loss after each "
                               "step, on a log scale.")


# ---- backprop, step by step -------------------------------------------------------------------
GRAPHS = {
    "(x + y) z": "f = (x + y) z, the lecture's example: the add gate's upstream gradient is z",
    "neuron": "f = v relu(w1 x1 + w2 x2 + b): a neuron feeding the next layer's weight v",
}


def stepper_graph(name):
    """The small graphs of the stepper (keys of GRAPHS). Returns the output Value, after its
    backward pass. In both, upstream gradients differ from 1: the add gate of "(x + y) z" gets
    z = -4, the neuron's gates get the next layer's weight v = -1.5 (times relu's 0 or 1)."""
    if name == "(x + y) z":
        x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
        q = x + y
        q.label = "q"
        f = q * z
        f.label = "f"
    elif name == "neuron":
        x1, w1 = Value(2.0, label="x1"), Value(-1.5, label="w1")
        x2, w2 = Value(1.0, label="x2"), Value(3.0, label="w2")
        b, v = Value(0.5, label="b"), Value(-1.5, label="v")
        a1, a2 = x1 * w1, x2 * w2
        a1.label, a2.label = "a1", "a2"
        h = a1 + a2
        h.label = "h"
        n = h + b
        n.label = "n"
        r = n.relu()
        r.label = "r"
        f = r * v
        f.label = "f"
    else:
        raise ValueError(f"name must be one of {sorted(GRAPHS)}; got {name!r}")
    f.backward()
    return f


_JS_OPS = {"+", "-", "*", "relu", "tanh", "exp", "max"}   # the operations js/backprop.js computes


def graph_nodes(f):
    """The graph of f as plain data, in topological order (f last): a list of
    {"name", "op" ("" for an input), "text" (how the op is written, book.graph.op_text),
    "inputs" (indices), "value"}, for the stepper's module."""
    order = topo_order(f)
    index = {id(n): k for k, n in enumerate(order)}
    nodes = []
    for n in order:
        if n._prev and n._op not in _JS_OPS:
            raise ValueError(f"the stepper draws the operations {sorted(_JS_OPS)}; node {n!r} uses {n._op!r}")
        nodes.append({"name": n.label or f"{n.data:g}", "op": n._op, "text": op_text(n._op),
                      "inputs": [index[id(c)] for c in n._prev], "value": float(n.data)})
    return nodes


class BackpropStepper(Explorer):
    """State: graphs [{title, nodes}] (see :func:`graph_nodes`), the graph shown and the step."""

    module = "backprop"
    synced = dict(graphs=[], graph=0, step=0)


def backprop_stepper(graph="neuron"):
    """Step through backprop on the graphs of GRAPHS, starting with `graph`; inputs are sliders."""
    if graph not in GRAPHS:
        raise ValueError(f"graph must be one of {sorted(GRAPHS)}; got {graph!r}")
    names = [graph] + [g for g in GRAPHS if g != graph]
    return BackpropStepper(graphs=[{"title": GRAPHS[g], "nodes": graph_nodes(stepper_graph(g))} for g in names],
                           alt="A computational graph whose boxes fill in step by step: first the value of "
                               "each node in the forward pass, then the gradient of the output with respect "
                               "to each node in the backward pass, the current node outlined in orange.")
