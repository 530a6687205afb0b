"""A small Sphinx extension for the course's book (listed in _config.yml).

* Drops repeated inline scripts: sphinx-thebe 0.3.1 adds its configuration script twice, which makes
  the browser report "Identifier 'THEBE_JS_URL' has already been declared" on every page.
"""
from __future__ import annotations


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


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
