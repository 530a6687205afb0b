"""A small Sphinx extension for the course's book (listed in _config.yml).

* Titles the chapters' in-text questions "Check N.M": they are sphinx-exercise ``exercise``
  directives with ``:nonumber:`` and a title starting ``Check N.M``, which sphinx-exercise would
  show as "Exercise (Check N.M ...)"; "Exercise N" stays the name of the five exercise notebooks.
* Drops repeated inline scripts: sphinx-thebe 0.3.1 adds its configuration script twice, which makes
  the browser report "Identifier 'THEBE_JS_URL' has already been declared" on every page.
* Explorers: a page whose body holds an explorer's kernel-free face
  (``<div class="lcb-explorer" data-lcb-module="...">``, see :mod:`book.widgets`) gets each
  module it uses, once, as inline text, and the shim that runs them. Inline, so the page also
  works from file:// (Chromium blocks ES module imports from file:// URLs).
* Font Awesome: the theme loads ``scripts/fontawesome.js`` (1.5 MB, 540 KB gzipped) on every page
  to turn a handful of ``<i class="fa-...">`` tags into SVG icons, although its stylesheet already
  draws the same icons from Font Awesome's fonts. After the build the script tag is removed from
  every page and the script is not published; the fonts (270 KB) are cut down, with fontTools
  (a matplotlib dependency), to the few characters the pages use.
* Figures: every PNG of 30 KB or more in ``_images`` is re-encoded with a 256-colour palette when
  that is smaller and indistinguishable (PSNR >= 40 dB); matplotlib's figures shrink 3-6 times.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes

_CHECK = re.compile(r"^(\s*)Exercise \((Check \d+\.\d+.*)\)(\s*)$", re.S)


def _check_titles(app, doctree, docname):
    """'Exercise (Check 2.1: title)' -> 'Check 2.1: title', in questions and their solutions."""
    for title in doctree.findall(nodes.title):
        for text in list(title.findall(nodes.Text)):
            m = _CHECK.match(text.astext())
            if m:
                text.parent.replace(text, nodes.Text(m.group(1) + m.group(2) + m.group(3)))
        # the question's own title: "Exercise" and a subtitle node "(Check 2.1 ...)"
        flat = title.astext()
        m = _CHECK.match(flat)
        if m and title.children and title.children[0].astext().strip() == "Exercise":
            title.children = []
            title += nodes.Text(m.group(2))


_MODULE = re.compile(r'data-lcb-module="([a-z]+)"')
_FA_SCRIPT = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    files = context.get("script_files")
    if not files:
        return
    seen, kept = set(), []
    for js in files:
        key = (getattr(js, "filename", str(js)) or "", (getattr(js, "attributes", None) or {}).get("body"))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


_CHECK_HTML = re.compile(r"Exercise \((Check \d+\.\d+[^()<]*(?:\([^()<]*\)[^()<]*)*)\)")


def _check_titles_html(app, pagename, templatename, context, doctree):
    """The solutions' titles name their question by reference text sphinx-exercise writes late:
    'Solution to Exercise (Check 2.1)' -> 'Solution to Check 2.1'."""
    if context.get("body") and "Check " in context["body"]:
        context["body"] = _CHECK_HTML.sub(r"\1", context["body"])


def explorer_scripts(body: str) -> str:
    """The inline scripts a page body with explorers needs: each module once, then the shim."""
    from book.widgets import esm_source, shim_source

    names = list(dict.fromkeys(_MODULE.findall(body)))
    if not names:
        return ""
    parts = []
    for name in names:
        src = esm_source(name)
        if "</script" in src.lower():
            raise ValueError(f"explorer module {name} contains '</script', which would end its inline script")
        parts.append(f'<script type="text/plain" data-lcb-esm="{name}">{src}</script>')
    parts.append(f"<script>{shim_source()}</script>")
    return "\n".join(parts)


def _add_explorers(app, pagename, templatename, context, doctree):
    body = context.get("body") or ""
    if 'data-lcb-module="' in body:
        context["body"] = body + explorer_scripts(body)


_ICON_RULE = re.compile(r"([^{}]+)\{content:\"\\([0-9a-f]{4})\"\}")
_ICON_VAR = re.compile(r"--pst-icon-[a-z-]+:\"\\?(.)\"")
_FA_CLASS = re.compile(r"\bfa-([a-z0-9-]+)")
_FONTS = ("fa-solid-900", "fa-regular-400", "fa-brands-400")


def icon_codepoints(css: str, pages_and_scripts: list[str], other_css: str = "") -> set[int]:
    """The Font Awesome characters these pages can show: every `fa-NAME` class named in the pages or
    the theme's scripts (through the stylesheet's `.fa-NAME:before{content:"\\fXXX"}` rules), and
    every icon the stylesheets draw themselves (admonitions, links, breadcrumbs: --pst-icon-*;
    and the characters other stylesheets, such as sphinx-book-theme's, put in `content`)."""
    names = set()
    for text in pages_and_scripts:
        names.update(_FA_CLASS.findall(text))
    points = set()
    for selectors, code in _ICON_RULE.findall(css):
        if any(sel.strip().startswith(".fa-") and sel.strip()[4:].split(":")[0] in names for sel in selectors.split(",")):
            points.add(int(code, 16))
    for char in _ICON_VAR.findall(css):
        points.add(ord(char))
    for code in re.findall(r'content:\"\\(f[0-9a-f]{3})\"', other_css):
        points.add(int(code, 16))
    return points


def _subset_fonts(out: Path):
    """Cut the theme's three Font Awesome fonts (270 KB of woff2 the pages would load) down to the
    characters the pages use, as small WOFF files, and point the stylesheet at them."""
    from fontTools import subset

    static = out / "_static"
    css_path = static / "styles" / "pydata-sphinx-theme.css"
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    if not css_path.exists() or not fonts.exists():
        return
    css = css_path.read_text(encoding="utf-8")
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")]
    texts += [p.read_text(encoding="utf-8") for p in (static / "scripts").glob("*.js")]
    extra = "".join(p.read_text(encoding="utf-8") for p in (static / "styles").glob("*.css") if p != css_path)
    points = icon_codepoints(css, texts, extra)
    for name in _FONTS:
        ttf = fonts / f"{name}.ttf"
        if not ttf.exists():
            continue
        opts = subset.Options()
        opts.flavor = "woff"          # zlib: needs no brotli; the subset is a few KB either way
        opts.notdef_outline = True
        font = subset.load_font(str(ttf), opts)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(points))
        sub.subset(font)
        subset.save_font(font, str(fonts / f"lcb-{name}.woff"), opts)
        css = css.replace(f'url(../vendor/fontawesome/webfonts/{name}.woff2) format("woff2"),'
                          f'url(../vendor/fontawesome/webfonts/{name}.ttf) format("truetype")',
                          f'url(../vendor/fontawesome/webfonts/lcb-{name}.woff) format("woff")')
        for ext in (".woff2", ".ttf"):
            (fonts / f"{name}{ext}").unlink(missing_ok=True)
    css_path.write_text(css, encoding="utf-8")


def shrink_png(data: bytes, min_psnr: float = 40.0) -> bytes:
    """The PNG re-encoded with a palette of 256 colours when that is smaller and looks the same
    (peak signal-to-noise ratio >= min_psnr dB against the original); else the original bytes.

    Matplotlib's figures (flat colours, anti-aliased edges) typically shrink 3-6 times."""
    import io

    import numpy as np
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    rgba = im.convert("RGBA")
    ref = np.asarray(rgba, dtype=np.float64)
    opaque = bool(ref[..., 3].min() == 255)
    candidates = [rgba.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)]
    if opaque:
        rgb = im.convert("RGB")
        candidates += [rgb.quantize(256, method=m, dither=Image.Dither.NONE)
                       for m in (Image.Quantize.MAXCOVERAGE, Image.Quantize.MEDIANCUT)]
    best = data
    for q in candidates:
        mse = float(np.mean((np.asarray(q.convert("RGBA"), dtype=np.float64) - ref) ** 2))
        if mse and 10 * np.log10(255.0 ** 2 / mse) < min_psnr:
            continue
        buf = io.BytesIO()
        q.save(buf, format="PNG", optimize=True)
        if len(buf.getvalue()) < len(best):
            best = buf.getvalue()
    return best


def _shrink_images(out: Path, min_bytes: int = 30_000):
    for path in sorted((out / "_images").glob("*.png")):
        data = path.read_bytes()
        if len(data) >= min_bytes:
            small = shrink_png(data)
            if small is not data:
                path.write_bytes(small)


def _drop_fontawesome(app, exception):
    """After an HTML build: no page loads fontawesome.js, and the icon fonts hold only the icons used."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = _FA_SCRIPT.sub("", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (out / "_static" / "scripts" / name).unlink(missing_ok=True)
    _subset_fonts(out)
    _shrink_images(out)


def setup(app):
    # the kernels that execute the chapters inherit this: explorers then add their book face
    os.environ["LCB_BOOK_BUILD"] = "1"
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("doctree-resolved", _check_titles)
    app.connect("html-page-context", _check_titles_html)
    app.connect("html-page-context", _add_explorers, priority=900)
    app.connect("build-finished", _drop_fontawesome)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
