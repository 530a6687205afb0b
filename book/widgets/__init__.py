"""Explorers: one interactive view per idea, with two faces from one call.

* In Jupyter, a **live** face: ipywidgets controls that redraw the figure through a kernel.
* In the online book, a **kernel-free** face: every combination of the controls' values is drawn
  once when the page is built, and a few lines of inline JavaScript swap the pictures as the reader
  moves a slider. No kernel, no widget manager, no network.

A chapter calls one function per explorer (``book.widgets.perceptron.line_explorer()`` and so
on); each of those calls :func:`explorer` here::

    def make():
        fig = Figure(figsize=(5, 4))            # matplotlib.figure.Figure: not shown by pyplot
        ax = fig.add_subplot()
        line, = ax.plot([], [])
        def update(w1, w2, b):                  # one keyword per control
            line.set_data(...)
            return f"{errors} points misclassified"   # a caption under the figure (or None)
        return fig, update

    explorer(make, {"w1": slider("w₁", -2, 2, 0.5, default=1.0), ...}, alt="...")

Both faces show the same pictures: the live face calls ``update`` with the slider values; the
kernel-free face calls it with each value of ``Control.values`` (the ``static`` grid).
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from dataclasses import dataclass

import numpy as np

MAX_FRAMES = 200


@dataclass(frozen=True)
class Control:
    """A control: what the reader moves. ``values`` are the positions both faces can show."""

    label: str
    values: tuple
    default: object
    kind: str  # "slider", "log", "choice"

    def format(self, value) -> str:
        if isinstance(value, str):
            return value
        if self.kind == "log":
            return f"{value:.3g}"
        return f"{value:g}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _grid(lo, hi, step):
    n = int(round((hi - lo) / step))
    return tuple(float(np.round(lo + i * step, 10)) for i in range(n + 1))


def slider(label, lo, hi, step, default, static=None) -> Control:
    """A linear slider from ``lo`` to ``hi`` in steps of ``step``.

    ``static`` is the subset of positions pre-rendered for the online book (every step if None);
    the live slider in Jupyter moves through the same positions.
    """
    values = tuple(float(v) for v in static) if static is not None else _grid(lo, hi, step)
    if default not in values:
        raise ValueError(f"slider {label!r}: default {default} must be one of its values {values}")
    return Control(label, values, float(default), "slider")


def log_slider(label, values, default) -> Control:
    """A slider over a few values spread on a log scale (learning rates, regularisation)."""
    values = tuple(float(v) for v in values)
    if default not in values:
        raise ValueError(f"log slider {label!r}: default {default} must be one of its values {values}")
    return Control(label, values, float(default), "log")


def choice(label, options, default) -> Control:
    """A choice among named options (a data set, an activation, a class)."""
    options = tuple(options)
    if default not in options:
        raise ValueError(f"choice {label!r}: default {default!r} must be one of {options}")
    return Control(label, options, default, "choice")


def _png(fig, dpi) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


class Explorer:
    """What :func:`explorer` returns: displays live in Jupyter, kernel-free in the book."""

    def __init__(self, make, controls, *, alt, dpi=80, max_frames=MAX_FRAMES):
        if not alt:
            raise ValueError("an explorer needs alt text describing what its picture shows")
        self.controls = dict(controls)
        self.alt = alt
        self.dpi = dpi
        n = int(np.prod([len(c.values) for c in self.controls.values()]))
        if n > max_frames:
            sizes = {k: len(c.values) for k, c in self.controls.items()}
            raise ValueError(f"this explorer would pre-render {n} frames ({sizes}); the limit is "
                             f"{max_frames}: give the sliders fewer `static` values")
        self.fig, self._update = make()
        try:  # a pyplot figure would be shown a second time at the end of the cell
            import matplotlib.pyplot as plt
            plt.close(self.fig)
        except Exception:
            pass
        self._widget = None

    def render(self, **values) -> tuple[bytes, str]:
        """Draw the figure for these control values: (PNG bytes, caption)."""
        full = {k: c.default for k, c in self.controls.items()}
        unknown = set(values) - set(full)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(full)}")
        full.update(values)
        text = self._update(**full)
        return _png(self.fig, self.dpi), text or ""

    # --- the kernel-free face -------------------------------------------------------------
    def frames(self):
        """Every combination of the controls' values, in mixed-radix order (last control fastest)."""
        names = list(self.controls)
        for combo in itertools.product(*(self.controls[k].values for k in names)):
            yield dict(zip(names, combo))

    def static_html(self) -> str:
        names = list(self.controls)
        images, index, texts = [], [], []
        seen = {}
        for values in self.frames():
            png, text = self.render(**values)
            key = hashlib.sha1(png).hexdigest()
            if key not in seen:
                seen[key] = len(images)
                images.append("data:image/png;base64," + base64.b64encode(png).decode("ascii"))
            index.append(seen[key])
            texts.append(text)
        self.render()  # leave the figure at the defaults
        uid = "lcb-x-" + hashlib.sha1(json.dumps([index, texts, self.alt]).encode()).hexdigest()[:10]
        rows = []
        for name in names:
            c = self.controls[name]
            pos = c.values.index(c.default)
            labels = [c.format(v) for v in c.values]
            if len(c.values) == 1:  # nothing to move in this view: say so instead of a dead slider
                rows.append(f'<span class="lcb-control lcb-fixed">{html.escape(c.label)} = '
                            f'{html.escape(labels[0])}</span>')
                continue
            rows.append(
                f'<label class="lcb-control"><span class="lcb-label">{html.escape(c.label)}</span> '
                f'<input type="range" min="0" max="{len(c.values) - 1}" step="1" value="{pos}" '
                f'data-labels="{html.escape(json.dumps(labels))}" aria-label="{html.escape(c.label)}"> '
                f'<output>{html.escape(labels[pos])}</output></label>')
        defaults = {k: c.default for k, c in self.controls.items()}
        start = next(i for i, values in enumerate(self.frames()) if values == defaults)
        data = json.dumps({"images": images, "index": index, "texts": texts,
                           "sizes": [len(self.controls[k].values) for k in names if len(self.controls[k].values) > 1]})
        return f"""<div class="lcb-explorer" id="{uid}" style="border:1px solid #ddd;border-radius:6px;padding:8px;max-width:720px">
<div class="lcb-controls" style="display:flex;flex-wrap:wrap;gap:4px 18px">{''.join(rows)}</div>
<img class="lcb-frame" alt="{html.escape(self.alt)}" src="{images[index[start]]}" style="max-width:100%;height:auto">
<div class="lcb-text" aria-live="polite" style="font-family:monospace;min-height:1.2em">{html.escape(texts[start])}</div>
<script type="application/json" class="lcb-data">{data}</script>
<script>(function(){{var root=document.getElementById("{uid}");if(!root)return;
var d=JSON.parse(root.querySelector("script.lcb-data").textContent);
var inputs=root.querySelectorAll("input[type=range]"),img=root.querySelector("img.lcb-frame"),txt=root.querySelector(".lcb-text");
function show(){{var k=0;for(var i=0;i<inputs.length;i++){{k=k*d.sizes[i]+parseInt(inputs[i].value,10);
var labels=JSON.parse(inputs[i].dataset.labels);inputs[i].nextElementSibling.textContent=labels[inputs[i].value];}}
img.src=d.images[d.index[k]];txt.textContent=d.texts[k];}}
for(var i=0;i<inputs.length;i++){{inputs[i].addEventListener("input",show);}}}})();</script>
</div>"""

    # --- the live face --------------------------------------------------------------------
    @property
    def widget(self):
        """The live ipywidgets view (built on first use)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def _build_widget(self):
        import ipywidgets as w

        controls = {}
        for name, c in self.controls.items():
            if c.kind == "choice":
                controls[name] = w.Dropdown(options=list(c.values), value=c.default, description=c.label)
            else:
                controls[name] = w.SelectionSlider(
                    options=[(c.format(v), v) for v in c.values], value=c.default,
                    description=c.label, continuous_update=False)
        image = w.Image(format="png", layout=w.Layout(max_width="720px"))
        text = w.HTML()

        def redraw(_=None):
            png, caption = self.render(**{k: ctl.value for k, ctl in controls.items()})
            image.value = png
            text.value = f"<code>{html.escape(caption)}</code>"

        for ctl in controls.values():
            ctl.observe(redraw, names="value")
        redraw()
        box = w.VBox([w.HBox(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), image, text])
        box.controls, box.image, box.text = controls, image, text
        return box

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"<explorer: {self.alt}>"
        return bundle


def explorer(make, controls, *, alt, dpi=80, max_frames=MAX_FRAMES) -> Explorer:
    """Build an explorer from ``make() -> (fig, update)`` and its controls; see the module docstring."""
    return Explorer(make, controls, alt=alt, dpi=dpi, max_frames=max_frames)
