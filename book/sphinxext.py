"""A small Sphinx extension for the course's book (listed in _config.yml).

* Titles the chapters' in-text questions "Check N.M": they are sphinx-exercise ``exercise``
  directives with ``:nonumber:`` and a title starting ``Check N.M``, which sphinx-exercise would
  show as "Exercise (Check N.M ...)"; "Exercise N" stays the name of the five exercise notebooks.
* Drops repeated inline scripts: sphinx-thebe 0.3.1 adds its configuration script twice, which makes
  the browser report "Identifier 'THEBE_JS_URL' has already been declared" on every page.
"""
from __future__ import annotations

import re

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


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("doctree-resolved", _check_titles)
    app.connect("html-page-context", _check_titles_html)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
