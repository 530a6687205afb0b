"""The explorer core: both faces show the same pictures, and both respond to their controls."""
from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from book.widgets import choice, explorer, log_slider, slider


def _make():
    fig = Figure(figsize=(2, 2))
    ax = fig.add_subplot()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    (line,) = ax.plot([], [])

    def update(a, b, kind):
        xs = np.linspace(-2, 2, 5)
        line.set_data(xs, a * xs + b if kind == "line" else a * xs**2 + b)
        return f"a={a:g} b={b:g} {kind}"

    return fig, update


def _explorer(**kw):
    return explorer(_make, {"a": slider("slope a", -1, 1, 1, default=0.0),
                            "b": log_slider("shift b", [0.01, 0.1, 1.0], default=0.1),
                            "kind": choice("curve", ["line", "parabola"], default="line")},
                    alt="a curve", **kw)


def _data(html):
    return json.loads(re.search(r'<script type="application/json" class="lcb-data">(.*?)</script>', html, re.S).group(1))


def test_static_face_has_one_slider_per_control_and_a_frame_per_combination():
    ex = _explorer()
    html = ex.static_html()
    assert html.count('type="range"') == 3
    data = _data(html)
    assert data["sizes"] == [3, 3, 2] and len(data["index"]) == 18 == len(data["texts"])
    assert len(set(data["texts"])) == 18, "every combination has its own caption"
    assert len(data["images"]) == len(set(data["images"])), "identical frames are stored once"
    # the frame shown first is the defaults' frame
    png, text = ex.render()
    assert text == "a=0 b=0.1 line"
    start = data["texts"].index(text)
    assert data["images"][data["index"][start]] == "data:image/png;base64," + base64.b64encode(png).decode()


def test_static_face_is_deterministic():
    assert _explorer().static_html() == _explorer().static_html()


def test_live_face_redraws_when_a_control_moves():
    ex = _explorer()
    box = ex.widget
    first, caption = box.image.value, box.text.value
    box.controls["a"].value = 1.0
    assert box.image.value != first and "a=1" in box.text.value and box.text.value != caption
    box.controls["kind"].value = "parabola"
    assert "parabola" in box.text.value
    assert box.image.value == ex.render(a=1.0, kind="parabola")[0], "live and static faces draw the same picture"


def test_mimebundle_carries_both_faces():
    bundle = _explorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "lcb-explorer" in bundle["text/html"]


def test_bad_definitions_get_clear_errors():
    with pytest.raises(ValueError, match="default 3 must be one of its values"):
        slider("w", 0, 2, 1, default=3)
    with pytest.raises(ValueError, match="must be one of"):
        choice("c", ["x", "y"], default="z")
    with pytest.raises(ValueError, match="would pre-render 18 frames"):
        _explorer(max_frames=10)
    with pytest.raises(ValueError, match="alt text"):
        explorer(_make, {"a": slider("a", 0, 1, 1, default=0)}, alt="")
    with pytest.raises(TypeError, match="unknown control"):
        _explorer().render(c=1)


def test_a_control_with_one_value_is_shown_fixed_not_as_a_dead_slider():
    ex = explorer(_make, {"a": slider("slope a", -1, 1, 1, default=0.0),
                          "b": slider("shift b", 0, 1, 1, default=0.0, static=[0.0]),
                          "kind": choice("curve", ["line"], default="line")}, alt="a curve")
    html = ex.static_html()
    assert html.count('type="range"') == 1 and "shift b = 0" in html and "curve = line" in html
    assert _data(html)["sizes"] == [3]
