"""The static scan points at code that reaches for what tests rely on, and at nothing else."""
from __future__ import annotations

import pytest
from grading_corpus import EXERCISES

from book.grading.scan import assigned_names, parse_cell, scan
from exercise_variants import load_mistakes, mistaken, strip_markers


def whats(source):
    return [f["what"] for f in scan(source, "answer", {"np"})]


@pytest.mark.parametrize("source, phrase", [
    ("np.allclose = lambda *a, **k: True", "assigns to np.allclose"),
    ("import numpy\nnumpy.testing.assert_allclose = print", "assigns to numpy.testing.assert_allclose"),
    ("setattr(np, 'isclose', None)", "calls setattr on the module np"),
    ("import builtins\nbuiltins.len = None", "imports the builtins module"),
    ("__builtins__['len'] = None", "uses __builtins__"),
    ("import sys\nsys.modules['numpy'] = None", "changes sys.modules"),
    ("import sys\nsys.settrace(None)", "installs a trace function"),
    ("import sys\nf = sys._getframe(1)", "inspects the caller's frame"),
    ("get_ipython().showtraceback = None", "uses IPython's get_ipython()"),
    ("text = open('../solutions/01_perceptron.ipynb').read()", "refers to '../solutions/01_perceptron.ipynb'"),
    ("import book\npath = book.__file__", "uses a module's __file__"),
    ("import ctypes", "imports ctypes"),
    ("import gc\ngc.get_objects()", "imports gc"),
])
def test_scan_flags_reaching_for_the_machinery(source, phrase):
    found = whats(source)
    assert any(phrase in w for w in found), found


@pytest.mark.parametrize("source", [
    "ds[np.arange(N), y] -= 1",
    "self.w = np.zeros(3)",
    "W = W - lr * dW\nb -= lr * db",
    "scores = X @ W.T + b\nnp.maximum(0, scores, out=scores)",
    "class Net:\n    def __init__(self):\n        self.params = {}",
])
def test_scan_leaves_ordinary_code_alone(source):
    assert whats(source) == []


def test_scan_finds_nothing_in_any_solution_or_listed_mistake():
    for ex in EXERCISES:
        variants = [ex.nb] + [mistaken(ex, m) for m in load_mistakes(ex)]
        for nb in variants:
            for cid, i in ex.answers.items():
                assert scan(strip_markers(nb.cells[i].source), cid) == [], f"{ex.name}: {cid}"


def test_assigned_names_cover_imports_defs_and_targets():
    tree = parse_cell("import numpy as np\nfrom book.data import load_digits\nx, (y, z) = 1, (2, 3)\n"
                      "def f():\n    inner = 1\nfor i in range(3):\n    k = i\n%matplotlib inline\n")
    assert assigned_names(tree) == ["np", "load_digits", "x", "y", "z", "f", "i", "k"]
