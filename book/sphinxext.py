"""A small Sphinx extension for the course's book (listed in _config.yml).

* Drops repeated inline scripts: sphinx-thebe 0.3.1 adds its configuration script twice, which makes
  the browser report "Identifier 'THEBE_JS_URL' has already been declared" on every page.
* Explorers: a page whose body holds an explorer's kernel-free face
  (``<div class="lcb-explorer" data-lcb-module="...">``, see :mod:`book.widgets`) gets each
  module it uses, once, as inline text, and the shim that runs them. Inline, so the page also
  works from file:// (Chromium blocks ES module imports from file:// URLs).
* Font Awesome: the theme loads ``scripts/fontawesome.js`` (1.5 MB, 540 KB gzipped) on every page
  to turn a handful of ``<i class="fa-...">`` tags into SVG icons. After the build the script tag
  is removed from every page and the file is not published; the few icons the pages use are drawn
  by a small stylesheet (``_static/lcb-icons.css``) of inline SVG masks instead.
"""
from __future__ import annotations

import os
import re
from pathlib import Path


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


# The icons sphinx-book-theme and pydata-sphinx-theme put on these pages, as SVG paths
# (24 x 24 view box, drawn for this book); anything else falls back to no icon.
_ICONS = {
    "bars": "M3 5h18v2H3zm0 6h18v2H3zm0 6h18v2H3z",
    "list": "M3 5h2v2H3zm4 0h14v2H7zM3 11h2v2H3zm4 0h14v2H7zm-4 6h2v2H3zm4 0h14v2H7z",
    "magnifying-glass": "M10 3a7 7 0 0 1 5.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1 1 10 3zm0 2a5 5 0 1 0 0 10 5 5 0 0 0 0-10z",
    "download": "M11 3h2v9.2l3.3-3.3 1.4 1.4L12 16l-5.7-5.7 1.4-1.4 3.3 3.3zM4 18h16v2H4z",
    "file-arrow-down": "M6 2h8l5 5v15H6zm7 1.5V8h4.5zM11 11v4.2l-1.6-1.6-1.4 1.4 4 4 4-4-1.4-1.4-1.6 1.6V11z",
    "file": "M6 2h8l5 5v15H6zm7 1.5V8h4.5z",
    "github": "M12 2a10 10 0 0 0-3.2 19.5c.5.1.7-.2.7-.5v-1.7c-2.8.6-3.4-1.3-3.4-1.3-.5-1.2-1.1-1.5-1.1-1.5-.9-.6.1-.6.1-.6 1 .1 1.5 1 1.5 1 .9 1.5 2.4 1.1 2.9.8.1-.7.4-1.1.6-1.3-2.2-.3-4.6-1.1-4.6-5a3.9 3.9 0 0 1 1-2.7 3.6 3.6 0 0 1 .1-2.7s.8-.3 2.7 1a9.4 9.4 0 0 1 5 0c1.9-1.3 2.7-1 2.7-1 .5 1.4.2 2.4.1 2.7a3.9 3.9 0 0 1 1 2.7c0 3.9-2.4 4.7-4.6 5 .4.3.7.9.7 1.9V21c0 .3.2.6.7.5A10 10 0 0 0 12 2z",
    "rocket": "M14 3c3 0 6 0 7 1 1 1 1 4 1 7l-5 5v4l-3 3v-5l-4-4H5l3-3h4zm1 4a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM6 16c-2 1-3 4-3 5 1 0 4-1 5-3z",
    "expand": "M3 3h7v2H5v5H3zm11 0h7v7h-2V5h-5zM3 14h2v5h5v2H3zm16 0h2v7h-7v-2h5z",
    "sun": "M12 7a5 5 0 1 1 0 10 5 5 0 0 1 0-10zM11 1h2v4h-2zm0 18h2v4h-2zM1 11h4v2H1zm18 0h4v2h-4zM4.2 5.6l1.4-1.4 2.8 2.8L7 8.4zm11.4 11.4 1.4-1.4 2.8 2.8-1.4 1.4zM4.2 18.4 7 15.6 8.4 17l-2.8 2.8zM15.6 7 18.4 4.2 19.8 5.6 17 8.4z",
    "moon": "M14 2a10 10 0 1 0 8 14A8 8 0 0 1 14 2z",
    "circle-half-stroke": "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2v16a8 8 0 0 0 0-16z",
    "angle-left": "M15.4 4.6 16.8 6l-6 6 6 6-1.4 1.4L8 12z",
    "angle-right": "M8.6 4.6 16 12l-7.4 7.4L7.2 18l6-6-6-6z",
    "chevron-left": "M15.4 4.6 16.8 6l-6 6 6 6-1.4 1.4L8 12z",
    "chevron-right": "M8.6 4.6 16 12l-7.4 7.4L7.2 18l6-6-6-6z",
    "chevron-down": "M4.6 8.6 6 7.2l6 6 6-6 1.4 1.4L12 16z",
    "chevron-up": "M4.6 15.4 12 8l7.4 7.4-1.4 1.4-6-6-6 6z",
    "square-arrow-up-right": "M4 4h7v2H6v12h12v-5h2v7H4zm9 0h7v7h-2V7.4l-6.3 6.3-1.4-1.4L16.6 6H13z",
    "arrow-up-right-from-square": "M4 4h7v2H6v12h12v-5h2v7H4zm9 0h7v7h-2V7.4l-6.3 6.3-1.4-1.4L16.6 6H13z",
    "link": "M10.6 13.4a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1.2 1.2 1.4 1.4 1.2-1.2a2 2 0 0 1 2.9 2.9l-3 3a2 2 0 0 1-2.9 0zm2.8-2.8a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1.2-1.2-1.4-1.4-1.2 1.2a2 2 0 0 1-2.9-2.9l3-3a2 2 0 0 1 2.9 0z",
    "arrow-up": "M11 20V7.8l-5.6 5.6L4 12l8-8 8 8-1.4 1.4L13 7.8V20z",
    "xmark": "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z",
    "pencil": "M4 17.2V20h2.8l10-10L14 7.2zM19.7 7.1a1 1 0 0 0 0-1.4l-1.4-1.4a1 1 0 0 0-1.4 0l-1.1 1.1 2.8 2.8z",
    "lightbulb": "M12 2a7 7 0 0 1 4 12.7V17H8v-2.3A7 7 0 0 1 12 2zM9 19h6v2H9z",
}


def icons_css() -> str:
    """CSS that draws the theme's Font Awesome icons (<i class="fa-solid fa-bars">) as SVG masks."""
    rules = ['i[class*="fa-"]::before,span[class*="fa-"]::before{content:"";display:inline-block;width:1em;'
             'height:1em;vertical-align:-.125em;background:currentColor;-webkit-mask:var(--lcb-i) center/contain '
             'no-repeat;mask:var(--lcb-i) center/contain no-repeat}']
    for name, path in _ICONS.items():
        svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'><path d='{path}'/></svg>"
        svg = svg.replace("<", "%3C").replace(">", "%3E").replace("#", "%23").replace('"', "'")
        rules.append(f'.fa-{name}{{--lcb-i:url("data:image/svg+xml,{svg}")}}')
    return "\n".join(rules) + "\n"


def _drop_fontawesome(app, exception):
    """After an HTML build: no page loads fontawesome.js; the icons come from lcb-icons.css."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    (out / "_static" / "lcb-icons.css").write_text(icons_css(), encoding="utf-8")
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = _FA_SCRIPT.sub("", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (out / "_static" / "scripts" / name).unlink(missing_ok=True)


def setup(app):
    # the kernels that execute the chapters inherit this: explorers then add their book face
    os.environ["LCB_BOOK_BUILD"] = "1"
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _add_explorers, priority=900)
    app.connect("build-finished", _drop_fontawesome)
    app.add_css_file("lcb-icons.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
