"""Explorers: one interactive view per idea, written once, live in Jupyter and in the book.

Each explorer is one hand-written ES module in ``book/widgets/js/`` that computes and draws
(canvas at the display's pixel ratio) behind anywidget's contract, ``render({model, el})``.
The Python half only supplies data, as synced traits (points, initial weights, images ...).

* In Jupyter (JupyterLab, Notebook 7, VS Code, Colab) an explorer is an ``anywidget.AnyWidget``:
  the front end runs the module on the widget's model.
* In the built book the same output also carries a ``text/html`` face (added while the book
  builds, when the environment variable LCB_BOOK_BUILD is set, so saved notebooks stay small): the state as JSON in a
  ``<div class="lcb-explorer" data-lcb-module="...">``. :mod:`book.sphinxext` adds to each page
  that has one the module's text and ``js/shim.js``, a small classic script that plays the widget
  model (get/set/on/save_changes) from that state and imports the module from a blob: URL.
  No kernel, no widget manager, no CDN, no bundler, and it works from file:// as well.

A module is ``js/ui.js`` (shared controls and drawing helpers) followed by ``js/<name>.js``,
joined by :func:`esm_source`; its exported maths functions are tested against ``book``'s in
Chromium (tests/browser/test_explorers.py).
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path

import anywidget
import numpy as np
import traitlets

JS = Path(__file__).parent / "js"
MODULES = ("perceptron", "plane", "templates", "softmax", "descent", "backprop", "playground")
#: set (by book.sphinxext) while the book builds: outputs then carry the kernel-free face too
BOOK_BUILD = "LCB_BOOK_BUILD"
# traits of every DOM widget that are not the explorer's own state
_WIDGET_TRAITS = {"layout", "tabbable", "tooltip", "comm", "keys", "log"}


def esm_source(name: str) -> str:
    """The ES module of explorer `name`: ui.js then <name>.js, one module's text."""
    if name not in MODULES:
        raise ValueError(f"no explorer module {name!r}; the modules are {', '.join(MODULES)}")
    return (JS / "ui.js").read_text(encoding="utf-8") + "\n" + (JS / f"{name}.js").read_text(encoding="utf-8")


def shim_source() -> str:
    """The book's classic script that plays the widget model for every explorer on a page."""
    return (JS / "shim.js").read_text(encoding="utf-8")


def on_grid(value, lo, hi, step=None, n=None):
    """`value` moved to the nearest position of a slider (linear with `step`, or `n` positions
    spread on a log scale from lo to hi), so that the page starts exactly where its slider is."""
    if step is not None:
        return float(round(lo + round((value - lo) / step) * step, 10))
    import math
    k = round(math.log(value / lo) / math.log(hi / lo) * n)
    return float(f"{lo * (hi / lo) ** (k / n):.12g}")


def plain(value):
    """NumPy arrays and scalars -> lists and Python numbers (JSON-ready), rounded to float64 text."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


_TRAIT_OF = {list: traitlets.List, dict: traitlets.Dict, str: traitlets.Unicode, float: traitlets.Float,
             int: traitlets.Int, bool: traitlets.Bool}


class _SyncedState(type(anywidget.AnyWidget)):
    """Makes an explorer class's ``synced = dict(name=default, ...)`` its synced traits, each of
    the default's type (a list -> List, 0.0 -> Float, 0 -> Int, "" -> Unicode, {} -> Dict)."""

    def __new__(mcls, name, bases, namespace, **kwargs):
        for key, default in namespace.pop("synced", {}).items():
            namespace[key] = _TRAIT_OF[type(default)](default).tag(sync=True)
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class Explorer(anywidget.AnyWidget, metaclass=_SyncedState):
    """An explorer: an anywidget whose module is ``js/<module>.js``; a subclass names its module
    and declares its state as ``synced = dict(name=default, ...)`` (traits synced with the page).

    ``alt`` describes the picture in words: it is the text face shown where no script runs.
    """

    module = ""
    synced = dict(alt="")

    def __init__(self, **state):
        if not type(self).module:
            raise TypeError("an Explorer subclass must name its module")
        super().__init__(_esm=esm_source(type(self).module), **{k: plain(v) for k, v in state.items()})
        if not self.alt:
            raise ValueError("an explorer needs alt text describing what its picture shows")

    def state(self) -> dict:
        """The explorer's own synced state (what the book's face embeds)."""
        names = [n for n in self.trait_names(sync=lambda v: v) if not n.startswith("_") and n not in _WIDGET_TRAITS]
        return {n: plain(getattr(self, n)) for n in sorted(names)}

    def static_html(self) -> str:
        data = json.dumps(self.state(), separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        return (f'<div class="lcb-explorer" data-lcb-module="{type(self).module}">'
                f'<script type="application/json" class="lcb-state">{data}</script>'
                f'<p class="lcb-note">{html.escape(self.alt)} (This explorer runs in the browser: '
                f'enable JavaScript, or run the notebook, to use it.)</p></div>')

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, None)
        data = dict(data or {})
        if os.environ.get(BOOK_BUILD):   # only the book needs the state twice (Jupyter has the widget's)
            data["text/html"] = self.static_html()
        data["text/plain"] = (f"[explorer: {self.alt} Run this cell (or trust the notebook) to use it; "
                              f"it needs a front end with Jupyter widgets, such as JupyterLab.]")
        return (data, meta) if meta is not None else data
