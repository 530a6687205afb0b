"""The built book as a reader sees it, at desktop (1280 px) and phone (390 px) widths.

- No build scaffolding reaches a reader: no visible text matches glue(, NBVAL, keep( or
  "not on this machine".
- At 1280 px nothing is wider than its column: display maths fits; printed text outputs fit
  (library source listings, which are code, scroll inside their own box by design). At 390 px
  a display equation may scroll, but only inside its own box.
- Every figure is shown at 80 % or more of the size it was drawn at (1280 px), so its text is as
  readable as drawn. (Explorer frames, .lcb-explorer, are sized by their explorer.)
"""
from __future__ import annotations

import re

import pytest

from test_site import PAGES, _is_local

CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
FORBIDDEN = re.compile(r"glue\(|NBVAL|keep\(|not on this machine")

MEASURE = """
() => {
  const art = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = art.getBoundingClientRect().right;
  const over = e => e.scrollWidth > e.clientWidth + 1;
  const math = [...art.querySelectorAll('mjx-container[display="true"]')].map(m => ({
      text: m.textContent.slice(0, 60), overflows: over(m),
      scrolls: ['auto', 'scroll'].includes(getComputedStyle(m).overflowX)
               || ['auto', 'scroll'].includes(getComputedStyle(m.parentElement).overflowX),
      spills: m.getBoundingClientRect().right > right + 1}));
  const outputs = [...art.querySelectorAll('div.cell_output pre')]
      .filter(p => !p.closest('div.highlight'))             // source listings scroll by design
      .map(p => ({text: p.textContent.slice(0, 60), overflows: over(p),
                  spills: p.getBoundingClientRect().right > right + 1}));
  const figures = [...art.querySelectorAll('img')]
      .filter(i => !i.closest('.lcb-explorer') && i.naturalWidth > 0)
      .map(i => ({src: i.getAttribute('src').slice(-24), shown: i.getBoundingClientRect().width,
                  drawn: i.naturalWidth,
                  caption: (i.closest('figure') && i.closest('figure').querySelector('.caption-number')
                            || {textContent: ''}).textContent.trim()}));
  return {text: document.body.innerText, math, outputs, figures};
}
"""

_seen: dict[tuple, dict] = {}


def measure(browser, base, name, width):
    key = (name, width)
    if key not in _seen:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if _is_local(r.request.url) else r.abort())
        page.goto(f"{base}/{name}.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) || null")
        _seen[key] = page.evaluate(MEASURE)
        context.close()
    return _seen[key]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", PAGES)
def test_no_build_scaffolding_is_visible(site, browser, name, width):
    base, _ = site
    text = measure(browser, base, name, width)["text"]
    found = sorted({m.group(0) for m in FORBIDDEN.finditer(text)})
    context = [text[max(0, m.start() - 60):m.end() + 60] for m in FORBIDDEN.finditer(text)][:3]
    assert not found, f"{name} at {width} px shows {found} to readers, e.g. {context}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_maths_and_outputs_fit_the_column_at_desktop_width(site, browser, name):
    base, _ = site
    r = measure(browser, base, name, 1280)
    wide_math = [m["text"] for m in r["math"] if m["overflows"] or m["spills"]]
    assert not wide_math, f"{name}: display maths wider than the column at 1280 px: {wide_math}"
    wide_out = [o["text"] for o in r["outputs"] if o["overflows"] or o["spills"]]
    assert not wide_out, f"{name}: printed outputs wider than the column at 1280 px (cut): {wide_out}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_long_maths_scrolls_in_its_own_box_on_a_phone(site, browser, name):
    base, _ = site
    r = measure(browser, base, name, 390)
    assert r["math"], f"{name}: no display maths measured"
    bad = [m["text"] for m in r["math"] if m["spills"] or (m["overflows"] and not m["scrolls"])]
    assert not bad, f"{name}: display maths cut or spilling out of the column at 390 px: {bad}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_are_shown_at_the_size_they_are_drawn(site, browser, name):
    base, _ = site
    r = measure(browser, base, name, 1280)
    assert r["figures"], f"{name}: no figure measured"
    small = [(f["caption"] or f["src"], round(f["shown"]), f["drawn"]) for f in r["figures"]
             if f["shown"] < 0.8 * f["drawn"]]
    assert not small, (f"{name}: figures shown below 80 % of their drawn width (caption, shown px, "
                       f"drawn px): {small}; draw them about 7 in wide at 100 dpi")
