"""The scalar autograd: gradients against the analytic ones and against numerical gradients."""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from book.gradcheck import numerical_gradient, rel_error  # noqa: E402
from book.graph import Value, draw, topo_order  # noqa: E402


def test_lecture_example_forward_and_backward():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    assert (q.data, f.data) == (3.0, -12.0)
    f.backward()
    # df/dz = q = 3; df/dq = z = -4; dq/dx = dq/dy = 1
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


# (build f from a, b; df/da; df/db) at a = 1.3, b = -0.7
A, B = 1.3, -0.7
OPS = {
    "add": (lambda a, b: a + b, 1.0, 1.0),
    "mul": (lambda a, b: a * b, B, A),
    "sub": (lambda a, b: a - b, 1.0, -1.0),
    "div": (lambda a, b: a / b, 1 / B, -A / B ** 2),
    "pow": (lambda a, b: a ** 3, 3 * A ** 2, 0.0),
    "exp": (lambda a, b: a.exp(), math.exp(A), 0.0),
    "log": (lambda a, b: a.log(), 1 / A, 0.0),
    "relu+": (lambda a, b: a.relu(), 1.0, 0.0),
    "relu-": (lambda a, b: b.relu(), 0.0, 0.0),
    "tanh": (lambda a, b: b.tanh(), 0.0, 1 - math.tanh(B) ** 2),
    "max": (lambda a, b: a.max(b), 1.0, 0.0),
    "neg": (lambda a, b: -b, 0.0, -1.0),
    "radd": (lambda a, b: 2.0 + a, 1.0, 0.0),
    "rsub": (lambda a, b: 2.0 - b, 0.0, -1.0),
    "rmul": (lambda a, b: 2.0 * b, 0.0, 2.0),
    "rdiv": (lambda a, b: 2.0 / a, -2.0 / A ** 2, 0.0),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_operation_has_its_analytic_gradient(name):
    build, da, db = OPS[name]
    a, b = Value(A), Value(B)
    out = build(a, b)
    out.backward()
    assert a.grad == pytest.approx(da, rel=1e-12, abs=1e-15), name
    assert b.grad == pytest.approx(db, rel=1e-12, abs=1e-15), name


def test_gate_patterns_add_distributes_multiply_swaps_max_routes():
    x, y = Value(3.0), Value(-2.0)
    for gate, want in ((lambda: x + y, (5.0, 5.0)), (lambda: x * y, (-10.0, 15.0)),
                       (lambda: x.max(y), (5.0, 0.0))):
        out = gate() * 5.0          # upstream gradient 5 arrives at the gate's output
        out.backward()
        assert (x.grad, y.grad) == want


def test_a_value_used_twice_sums_its_gradients():
    x = Value(3.0)
    f = x * x + x                   # df/dx = 2x + 1
    f.backward()
    assert x.grad == 7.0
    f.backward()                    # recomputed, not accumulated across calls
    assert x.grad == 7.0


def test_a_neuron_matches_the_analytic_gradient():
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(0.5)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    n = 2.0 * -3.0 + 0.0 * 1.0 + 0.5
    dn = 1 - math.tanh(n) ** 2
    assert o.data == pytest.approx(math.tanh(n))
    assert [w1.grad, w2.grad, x1.grad, x2.grad, b.grad] == pytest.approx([2 * dn, 0.0, -3 * dn, dn, dn])


def test_softmax_cross_entropy_graph_gives_p_minus_onehot():
    s = [3.2, 5.1, -1.7]
    k = 0
    v = [Value(si) for si in s]
    L = -v[k] + sum((vi.exp() for vi in v), Value(0.0)).log()
    L.backward()
    p = np.exp(s) / np.exp(s).sum()
    assert L.data == pytest.approx(-np.log(p[k]))
    assert rel_error(np.array([vi.grad for vi in v]), p - np.eye(3)[k]) < 1e-12


def _program(rng, n_inputs, n_ops):
    """A random expression as a list of (op, i, j) over a growing pool of values."""
    return [(str(rng.choice(["add", "mul", "sub", "div", "pow", "exp", "log", "relu", "tanh", "max"])),
             int(rng.integers(n_inputs + t)), int(rng.integers(n_inputs + t))) for t in range(n_ops)]


def _run(program, inputs):
    pool = list(inputs)
    for op, i, j in program:
        a, b = pool[i], pool[j]
        pool.append({"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b,
                     "div": lambda: a / (b * b + 1.0), "pow": lambda: a ** 2,
                     "exp": lambda: a.tanh().exp(), "log": lambda: (a * a + 0.5).log(),
                     "relu": lambda: a.relu(), "tanh": lambda: a.tanh(), "max": lambda: a.max(b)}[op]())
    return pool[-1] + 0.5 * pool[-2] - pool[-3]


@pytest.mark.parametrize("seed", range(12))
def test_random_expressions_against_numerical_gradients(seed):
    rng = np.random.default_rng(seed)
    program = _program(rng, 4, 10)
    x = rng.standard_normal(4)
    values = [Value(xi) for xi in x]
    out = _run(program, values)
    out.backward()
    analytic = np.array([v.grad for v in values])
    numeric = numerical_gradient(lambda arr: _run(program, [Value(a) for a in arr]).data, x)
    assert rel_error(analytic, numeric) < 1e-6, (program, analytic, numeric)


def test_a_wrong_gradient_would_be_caught():
    x = np.array([0.3, -1.2])
    numeric = numerical_gradient(lambda a: (Value(a[0]) * Value(a[1])).data, x)
    assert rel_error(numeric, np.array([-1.2, 0.3])) < 1e-9
    assert rel_error(numeric, np.array([0.3, -1.2])) > 0.1     # an unswapped multiply gate


def test_topo_order_puts_inputs_before_outputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d.tanh() * c
    order = topo_order(e)
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order}) == 6
    index = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for child in n._prev:
            assert index[id(child)] < index[id(n)]


def test_bad_input_gets_clear_errors():
    with pytest.raises(TypeError, match="data must be a real number"):
        Value("3")
    with pytest.raises(ValueError, match="log needs a positive input"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="exponent must be a plain number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ZeroDivisionError, match="denominator"):
        Value(1.0) / 0
    with pytest.raises(TypeError, match="v must be a Value"):
        topo_order(3.0)
    with pytest.raises(TypeError, match="value must be a Value"):
        draw(np.float64(1.0))


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_draw_shows_every_node_its_data_grad_and_operations():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z
    f.label = "f"
    f.backward()
    ax = draw(f)
    texts = _texts(ax)
    for want in ("x = -2", "y = 5", "z = -4", "f = -12", "3", "grad -4", "grad 3", "grad 1", "+", "×"):
        assert want in texts, (want, texts)
    assert len(texts) == 5 * 2 + 2                  # 5 nodes (data + grad) and 2 operations
    # inputs of an operation are drawn left of its output
    xs = {t.get_text(): t.get_position()[0] for t in ax.texts}
    assert xs["x = -2"] < xs["3"] < xs["f = -12"]
    plt.close(ax.figure)


def test_draw_options_hide_and_reveal():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * y
    f.backward()
    fig, ax = plt.subplots()
    assert draw(f, ax=ax, show_grad=False) is ax
    assert not any(t.startswith("grad") for t in _texts(ax))
    ax.clear()
    draw(f, ax=ax, show_data=[x], show_grad=[f], highlight=f)
    texts = _texts(ax)
    assert "x = 1" in texts and "y = ?" in texts and "?" in texts
    assert texts.count("grad ?") == 2 and "grad 1" in texts
    assert any(p.get_linewidth() > 2 for p in ax.patches)   # the highlighted node
    plt.close(fig)
