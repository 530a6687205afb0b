"""A scalar autograd small enough to read in one sitting, and a drawing of its graph.

Every arithmetic operation on a :class:`Value` makes a new Value that remembers its inputs
(``_prev``), the operation (``_op``) and the *local gradients* d(out)/d(input) (``_local``).
``backward()`` then walks the graph from the output back to the inputs, and at each node applies
the chain rule: an input's gradient gains (local gradient) x (the node's upstream gradient).

    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z            # forward pass: f.data == -12.0
    f.backward()               # backward pass: x.grad == -4.0, y.grad == -4.0, z.grad == 3.0
    draw(f)                    # the graph, left to right, with data and grad in each node
"""
from __future__ import annotations

import math
import numbers

from ._validate import checked

__all__ = ["Value", "topo_order", "draw", "op_text"]


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it.

    data  : float, the value computed by the forward pass.
    grad  : float, dL/d(this value) once ``L.backward()`` has run (0.0 before).
    label : str, a name shown by :func:`draw` ("x", "q", ...).
    """

    def __init__(self, data, _prev=(), _op="", _local=(), label=""):
        if isinstance(data, Value) or not isinstance(data, numbers.Real):
            raise TypeError(f"data must be a real number; got {data!r} of type {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)     # the inputs of the operation that made this value
        self._op = _op                # its name: "+", "*", "exp", ... ("" for an input)
        self._local = tuple(_local)   # d(self)/d(input) for each input, computed in the forward pass
        self.label = label

    def __repr__(self):
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- the operations: each gives its output and its local gradients -------------------
    def __add__(self, other):                      # add gate: distributes the gradient
        other = _lift(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):                      # multiply gate: swaps the inputs
        other = _lift(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __sub__(self, other):
        other = _lift(other)
        return Value(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __truediv__(self, other):
        other = _lift(other)
        if other.data == 0:
            raise ZeroDivisionError(f"division by zero: the denominator {other!r} is 0")
        a, b = self.data, other.data
        return Value(a / b, (self, other), "/", (1.0 / b, -a / b ** 2))

    def __pow__(self, k):
        if isinstance(k, Value) or not isinstance(k, numbers.Real):
            raise TypeError(f"the exponent must be a plain number (x ** 2); got {type(k).__name__}")
        if self.data == 0 and k < 1:
            raise ZeroDivisionError(f"0 ** {k} has no finite gradient; got base {self!r}")
        return Value(self.data ** k, (self,), f"**{k:g}", (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive input; got {self!r}")
        return Value(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def relu(self):
        return Value(max(self.data, 0.0), (self,), "relu", (float(self.data > 0),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1.0 - t * t,))

    def max(self, other):                          # max gate: routes the gradient to the larger input
        other = _lift(other)
        first = self.data >= other.data
        return Value(max(self.data, other.data), (self, other), "max", (float(first), float(not first)))

    def __neg__(self):
        return self * -1.0

    def __radd__(self, other):
        return _lift(other) + self

    def __rmul__(self, other):
        return _lift(other) * self

    def __rsub__(self, other):
        return _lift(other) - self

    def __rtruediv__(self, other):
        return _lift(other) / self

    # ---- the backward pass ----------------------------------------------------------------
    def backward(self):
        """Set every node's grad to d(self)/d(node): the chain rule, from the output back.

        Gradients are recomputed from zero each call. Nodes are visited in reverse topological
        order, so a node's gradient is complete before it is passed on to its inputs.
        """
        order = topo_order(self)
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            for child, local in zip(v._prev, v._local):
                child.grad += local * v.grad           # downstream += local * upstream


def _lift(x):
    """A plain number becomes a constant Value (an input with no label)."""
    return x if isinstance(x, Value) else Value(x)


def _a_value(v, **_):
    if not isinstance(v, Value):
        raise TypeError(f"v must be a Value; got {type(v).__name__}")
    return {}


@checked(_a_value)
def topo_order(v):
    """Every node of the graph that computes v, each after all of its inputs; v comes last."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(v)
    return order


# ---- the drawing ----------------------------------------------------------------------------
OP_TEXT = {"*": "×", "-": "−", "/": "÷"}   # an operation's sign in figures, where it is not Python's


def op_text(op):
    """How figures write the operation `op` of a Value (its ``_op``): "×" for "*", "−" for "-",
    "÷" for "/", any other name as it is."""
    return OP_TEXT.get(op, op)

_MAX_WIDTH = 7.0            # inches: the book's column; a wider graph is drawn top to bottom


def _layout(v):
    """Node depths (column = longest path from an input) and rows within a column (ordered by
    their consumers): {id(node): (depth, row)} with rows centred on 0, and the topological order."""
    order = topo_order(v)
    depth = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(c)] for c in node._prev), default=-1)
    consumers = {id(node): [] for node in order}
    for node in order:
        for child in node._prev:
            consumers[id(child)].append(node)
    for node in order:                     # an input sits just left of its first use: short edges
        if not node._prev and consumers[id(node)]:
            depth[id(node)] = min(depth[id(c)] for c in consumers[id(node)]) - 1
    grid = {}
    for d in range(depth[id(v)], -1, -1):
        column = [n for n in order if depth[id(n)] == d]
        bary = [sum(grid[id(c)][1] for c in consumers[id(n)]) / len(consumers[id(n)])
                if consumers[id(n)] else 0.0 for n in column]
        column = [n for _, _, n in sorted(zip(bary, range(len(column)), column), key=lambda t: (-t[0], t[1]))]
        for i, n in enumerate(column):
            grid[id(n)] = (d, (len(column) - 1) / 2 - i)
    return order, grid


def _fmt(x):
    return f"{x:.4g}"


def draw(value, ax=None, show_grad=True, *, show_data=True, highlight=None, fontsize=10,
         vertical=None):
    """Draw the graph that computes `value` with matplotlib, laid out by depth: `value` last.

    Each node is a box holding its label, its data and (in red) its grad; each operation is a
    circle between its inputs and its output. Boxes are sized to their text, in inches, so the
    text stays inside them at any figure size; a new figure is drawn at its natural size.
    value     : the Value at the end of the graph (e.g. a loss after .backward()).
    ax        : a matplotlib Axes; a new figure sized to the graph when None.
    show_grad : True, False, or a collection of nodes whose grad to show (the others show "?").
    show_data : True, False, or a collection of nodes whose data to show (the others show "?").
    highlight : a node (or collection of nodes) drawn with a thick orange border.
    vertical  : lay the graph out top to bottom (inputs on top); None: only when left to right
                would be wider than the book's column (7 in).
    Returns ax.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if not isinstance(value, Value):
        raise TypeError(f"value must be a Value (the output of the graph to draw); got {type(value).__name__}")
    order, grid = _layout(value)

    def shown(flag, node):
        return flag if isinstance(flag, bool) else any(node is n for n in flag)

    marked = () if highlight is None else ([highlight] if isinstance(highlight, Value) else list(highlight))
    texts = {}
    for node in order:
        top = (node.label + " = " if node.label else "") + (_fmt(node.data) if shown(show_data, node) else "?")
        grad = None
        if show_grad is not False:
            grad = f"grad {_fmt(node.grad)}" if shown(show_grad, node) else "grad ?"
        texts[id(node)] = (top, grad)
    # sizes in inches (the axes' data units are inches): text width ~ 0.62 em per character
    em = fontsize / 72
    chars = max(max(len(t), len(g or "")) for t, g in texts.values())
    box_w = 0.62 * em * chars + 0.22
    box_h = (2.6 if show_grad is not False else 1.5) * em + 0.12
    r_op = 0.95 * em                                          # the operation circle's radius
    gap = 2 * r_op + 0.45                                     # box edge -> circle -> next box
    depth_max = max(d for d, _ in grid.values())
    rows = max(r for _, r in grid.values()) - min(r for _, r in grid.values()) + 1
    if vertical is None:
        vertical = ax is None and depth_max * (box_w + gap) + box_w + 0.4 > _MAX_WIDTH
    if vertical:                                              # depth runs down, rows across
        step_d, step_r = box_h + gap, box_w + 0.35
        pos = {k: (r * step_r * -1, -d * step_d) for k, (d, r) in grid.items()}
        width, height = (rows - 1) * step_r + box_w + 0.4, depth_max * step_d + box_h + 0.4
    else:
        step_d, step_r = box_w + gap, box_h + 0.3
        pos = {k: (d * step_d, r * step_r) for k, (d, r) in grid.items()}
        width, height = depth_max * step_d + box_w + 0.4, (rows - 1) * step_r + box_h + 0.4
    if ax is None:
        _, ax = plt.subplots(figsize=(width, height), layout=None)
        ax.set_position((0, 0, 1, 1))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ax_w, ax_h = max(bbox.width * fig_w, width), max(bbox.height * fig_h, height)
    ax.set_xlim(cx - ax_w / 2, cx + ax_w / 2)                # one data unit = one inch
    ax.set_ylim(cy - ax_h / 2, cy + ax_h / 2)
    arrow = dict(arrowstyle="-|>", mutation_scale=9, color="#555555", zorder=2)
    for node in order:
        x, y = pos[id(node)]
        hot = any(node is n for n in marked)
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor="#fff4e0" if hot else ("#eef3fb" if node._prev else "#f4f4f4"),
                                    edgecolor="#e07b00" if hot else "#555555", linewidth=2.5 if hot else 1.0,
                                    zorder=3))
        top, grad = texts[id(node)]
        if grad is None:
            ax.text(x, y, top, ha="center", va="center", fontsize=fontsize, zorder=4)
        else:
            ax.text(x, y + 0.62 * em, top, ha="center", va="center", fontsize=fontsize, zorder=4)
            ax.text(x, y - 0.62 * em, grad, ha="center", va="center", fontsize=fontsize,
                    color="#c0392b", zorder=4)
        if node._prev:                                   # the operation's circle, before its output
            op = op_text(node._op)
            size = fontsize if len(op) == 1 else 0.8 * fontsize
            if vertical:
                ox, oy = x, y + box_h / 2 + gap / 2
                into = (x, y + box_h / 2)
            else:
                ox, oy = x - box_w / 2 - gap / 2, y
                into = (x - box_w / 2, y)
            ax.text(ox, oy, op, ha="center", va="center", fontsize=size, zorder=4,
                    bbox=dict(boxstyle="circle,pad=0.25", facecolor="white", edgecolor="#555555"))
            r_pt = 72 * r_op
            ax.add_patch(FancyArrowPatch((ox, oy), into, shrinkA=r_pt, shrinkB=0, **arrow))
            for child in node._prev:
                chx, chy = pos[id(child)]
                start = (chx, chy - box_h / 2) if vertical else (chx + box_w / 2, chy)
                ax.add_patch(FancyArrowPatch(start, (ox, oy), shrinkA=0, shrinkB=r_pt, **arrow))
    ax.set_axis_off()
    return ax
