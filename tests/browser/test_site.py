"""Every page of the built book, opened in Chromium with no network but 127.0.0.1.

For each page: no request to another host, no console error, math typeset, every image loaded,
every kernel-free explorer changes its picture when a slider moves, every in-text solution hidden
until its toggle is clicked; exercise pages offer their notebook. Screenshots of each chapter at
desktop and phone widths (the first screen, and the whole page) are saved in
_build/screenshots/ for review.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "_build" / "screenshots"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [c["file"] for c in part.get("chapters", [])]
    return pages


PAGES = _pages()
_visits: dict[str, dict] = {}

MOVE_SLIDERS = """
async () => {
  const sleep = (ms) => new Promise(r => setTimeout(r, ms));
  for (let k = 0; k < 100 && [...document.querySelectorAll('.lcb-explorer')].some(b => b.dataset.lcbReady !== 'yes'); k++) await sleep(50);
  const picture = (root) => [...root.querySelectorAll('canvas')].map(c => c.toDataURL()).join('|') +
      [...root.querySelectorAll('svg, .lcb-read, output')].map(e => e.innerHTML).join('|');
  const out = [];
  for (const root of document.querySelectorAll('.lcb-explorer')) {
    for (const input of root.querySelectorAll('input[type=range]')) {
      await sleep(200);                        // pictures drawn later at full resolution are in
      const before = picture(root), start = input.value;
      const max = parseInt(input.max, 10);
      let changed = false;
      for (let v = 0; v <= max && !changed; v += Math.max(1, Math.floor(max / 20))) {
        if (String(v) === start) continue;
        input.value = String(v);
        input.dispatchEvent(new Event('input', {bubbles: true}));
        changed = picture(root) !== before;
      }
      input.value = start;
      input.dispatchEvent(new Event('input', {bubbles: true}));
      await sleep(200);
      out.push({label: input.labels[0] ? input.labels[0].textContent : input.id, changed: changed,
                restored: picture(root) === before});
    }
  }
  return out;
}
"""

MATH = """
() => {
  const math = document.querySelectorAll('.math, span.math, div.math');
  const typeset = document.querySelectorAll('mjx-container');
  const raw = [...document.querySelectorAll('article p, article li')]
      .map(e => e.innerText).filter(t => t.includes('$$') || /\\\\\\(|\\\\\\[/.test(t));
  return {math: math.length, typeset: typeset.length, raw: raw.slice(0, 3)};
}
"""

IMAGES = """
() => [...document.querySelectorAll('article img, main img')].map(
  i => ({src: i.getAttribute('src').slice(0, 80), ok: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt')}))
"""


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname == "127.0.0.1"


def visit(browser, base, name) -> dict:
    """Open one page (once per session) and record everything the tests ask about."""
    if name in _visits:
        return _visits[name]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    foreign, errors = [], []

    def route(r):
        if _is_local(r.request.url):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/{name}.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) || null")
    result = {"foreign": foreign, "errors": errors, "math": page.evaluate(MATH),
              "images": page.evaluate(IMAGES), "sliders": page.evaluate(MOVE_SLIDERS),
              "downloads": page.evaluate(
                  "() => [...document.querySelectorAll('a[href$=\".ipynb\"]')].map(a => a.getAttribute('href'))")}
    solutions = page.locator("div.solution")
    result["solutions"] = []
    for i in range(solutions.count()):
        sol = solutions.nth(i)
        body = sol.locator(".admonition-title ~ *").first
        hidden_before = not body.is_visible()
        sol.locator("button.toggle-button").first.click()
        body.wait_for(state="visible")
        result["solutions"].append({"hidden_before": hidden_before, "shown_after": body.is_visible()})
    if name.startswith("chapters/"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        stem = Path(name).name
        for label, (w, h) in SIZES.items():
            page.set_viewport_size({"width": w, "height": h})
            page.evaluate("() => window.scrollTo(0, 0)")
            # the viewport as a reader first sees it (full-page captures drop the sticky sidebars)
            page.screenshot(path=str(SHOTS / f"{stem}-{label}-top.png"))
            page.screenshot(path=str(SHOTS / f"{stem}-{label}.png"), full_page=True)
            result.setdefault("screenshots", []).extend([SHOTS / f"{stem}-{label}-top.png",
                                                         SHOTS / f"{stem}-{label}.png"])
    context.close()
    _visits[name] = result
    return result


@pytest.mark.parametrize("name", PAGES)
def test_page_makes_no_request_to_another_host(browser, site, name):
    v = visit(browser, site[0], name)
    assert v["foreign"] == [], f"{name} requested other hosts: {sorted(set(v['foreign']))[:5]}"


@pytest.mark.parametrize("name", PAGES)
def test_page_logs_no_console_error(browser, site, name):
    v = visit(browser, site[0], name)
    assert v["errors"] == [], f"{name}: console errors {v['errors'][:5]}"


@pytest.mark.parametrize("name", PAGES)
def test_math_is_typeset(browser, site, name):
    m = visit(browser, site[0], name)["math"]
    assert m["typeset"] >= m["math"], f"{name}: {m['math']} math elements but {m['typeset']} typeset by MathJax"
    assert m["raw"] == [], f"{name}: raw TeX left in the text: {m['raw']}"


@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads_and_has_alt_text(browser, site, name):
    images = visit(browser, site[0], name)["images"]
    broken = [i["src"] for i in images if not i["ok"]]
    assert not broken, f"{name}: images that did not load: {broken}"
    if name.startswith("chapters/"):
        assert images, f"{name} shows no figure"
        missing = [i["src"] for i in images if not (i["alt"] or "").strip()]
        assert not missing, f"{name}: images without alt text: {missing[:3]}"


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith("chapters/")])
def test_every_kernel_free_explorer_responds_to_its_sliders(browser, site, name):
    sliders = visit(browser, site[0], name)["sliders"]
    assert sliders, f"{name} has no kernel-free explorer"
    dead = [s["label"] for s in sliders if not s["changed"]]
    assert not dead, f"{name}: moving these sliders changes nothing: {dead}"
    assert all(s["restored"] for s in sliders), f"{name}: moving a slider back does not restore the picture"


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith("chapters/")])
def test_in_text_solutions_are_hidden_until_clicked(browser, site, name):
    solutions = visit(browser, site[0], name)["solutions"]
    assert len(solutions) >= 2, f"{name}: expected at least two in-text solutions"
    for i, s in enumerate(solutions):
        assert s["hidden_before"], f"{name}: solution {i} is visible before its toggle is clicked"
        assert s["shown_after"], f"{name}: solution {i} does not open when its toggle is clicked"


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith("exercises/")])
def test_exercise_pages_offer_the_notebook(browser, site, name):
    base, html_dir = site
    links = visit(browser, base, name)["downloads"]
    stem = Path(name).name
    assert any(link.endswith(f"{stem}.ipynb") for link in links), f"{name}: no download link to {stem}.ipynb"
    assert (html_dir / "_sources" / "exercises" / f"{stem}.ipynb").exists()


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith("chapters/")])
def test_screenshots_are_saved_for_review(browser, site, name):
    shots = visit(browser, site[0], name)["screenshots"]
    assert len(shots) == 4 and all(p.exists() and p.stat().st_size > 10_000 for p in shots)
