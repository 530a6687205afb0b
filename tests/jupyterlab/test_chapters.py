"""The chapters and exercises as a student meets them: in a real JupyterLab (and Notebook 7).

For each chapter: the text shows the computed numbers (before and after Run All), no raw MyST,
solutions collapsed until clicked; Run All gives no error. Exercise 1 opens unmodified, and saving
it rewrites nothing. Run All times are measured by benchmarks/jupyterlab_run_all.py, not here.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from book.notebooks import EVAL_ROLE
from conftest import ROOT, error_outputs, open_notebook, run_all

CHAPTERS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.ipynb"))
RAW_MYST = ("{glue", "{eval}", "{cite}", "{numref}", "{doc}", ":::{", ":label:", ":class:")

_MARKDOWN_TEXT = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  return cells.filter(c => c.model.type === 'markdown').map(c => {
    const rendered = c.node.querySelector('.jp-Cell-inputArea > .myst, .jp-RenderedMarkdown');
    return rendered ? rendered.textContent : null;       // the rendered text, not the hidden editor's
  });
}"""


def quoted_numbers(path: str) -> list[list[str]]:
    """For each markdown cell of the committed chapter, the numbers its {eval} roles stand for, as the
    chapter's own run computed them (``python -m book.notebooks refresh``, the same execution the
    book's build does)."""
    nb = nbformat.read(ROOT / path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            values = []
            for e in cell.metadata.get("user_expressions", []):
                text = e["result"]["data"]["text/plain"]
                values.append(re.sub(r"^(['\"])(.*)\1$", r"\2", text))
            out.append(values)
    return out


_KERNEL_PROSE = """async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: '', silent: true, store_history: false,
                                        user_expressions: {p: '__import__("IPython").display.JSON(vars(prose))'}});
  const reply = await future.done;
  return reply.content.user_expressions.p.data['application/json'];
}"""


def numbers_in_kernel(page, path: str) -> list[list[str]]:
    """For each markdown cell, the numbers its {eval} roles stand for in the kernel's run (some,
    like a measured speed-up, differ from run to run, so these are what the text must show now)."""
    prose = page.evaluate(_KERNEL_PROSE)
    nb = nbformat.read(ROOT / path, as_version=4)
    return [[prose[e.removeprefix("prose.")] for e in dict.fromkeys(EVAL_ROLE.findall(c.source))]
            for c in nb.cells if c.cell_type == "markdown"]


def markdown_texts(page) -> list[str]:
    texts = page.evaluate(_MARKDOWN_TEXT)
    assert all(t is not None for t in texts), "a markdown cell is not rendered"
    return texts


def check_text(page, path: str, when: str, expected=None):
    texts = markdown_texts(page)
    expected = quoted_numbers(path) if expected is None else expected
    assert len(texts) == len(expected)
    for i, (text, values) in enumerate(zip(texts, expected)):
        raw = [m for m in RAW_MYST if m in text]
        assert not raw, f"{path} ({when}), markdown cell {i} shows raw MyST {raw}: {text[:300]!r}"
        missing = [v for v in values if v not in text]
        assert not missing, f"{path} ({when}), markdown cell {i} does not show {missing}: {text[:300]!r}"
    assert sum(map(len, expected)) >= 10, f"{path} quotes too few computed numbers to be checked"


def check_solutions_hidden_until_clicked(panel, path: str):
    solutions = panel.locator(".jp-MarkdownCell details").filter(has_text=re.compile(r"^\s*Solution"))
    n = solutions.count()
    assert n >= 2, f"{path}: expected its in-text solutions as collapsed boxes, found {n}"
    exercises = panel.locator(".jp-MarkdownCell aside.myst-exercise")
    assert exercises.count() >= 2, f"{path}: the in-text exercises are not rendered as exercise boxes"
    for k in range(n):
        box = solutions.nth(k)
        body = box.locator(":scope > :not(summary)").first
        assert not body.is_visible(), f"{path}: solution {k + 1} is visible before its toggle is clicked"
        # jupyterlab-myst re-renders a markdown cell when its numbers arrive from the kernel, which
        # can replace the box (closed again) just after a click: click again, at most three times
        # (click the toggle at the summary's right end: its title links to the question, and a
        # long title puts that link under the summary's centre)
        summary = box.locator("summary").first
        for attempt in range(3):
            size = summary.bounding_box()
            summary.click(position={"x": size["width"] - 16, "y": size["height"] / 2})
            try:
                body.wait_for(state="visible", timeout=3000)
                break
            except Exception:
                if attempt == 2:
                    raise


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_reads_right_and_runs_in_jupyterlab(lab, lab_page, path):
    page = lab_page
    panel = open_notebook(page, lab, path)
    check_text(page, path, "as opened")             # numbers stored in the chapter, shown before it runs
    check_solutions_hidden_until_clicked(panel, path)
    seconds = run_all(page)
    errors = error_outputs(page)
    assert not errors, f"{path}: Run All gave errors: {errors}"
    check_text(page, path, "after Run All", numbers_in_kernel(page, path))   # numbers from this run
    print(f"{path}: Run All {seconds:.1f} s")


def test_chapter_reads_right_in_notebook_7(lab, lab_page):
    page = lab_page
    path = CHAPTERS[0]
    panel = open_notebook(page, lab, path, ui="notebook")
    assert "/notebooks/" in page.url
    check_text(page, path, "Notebook 7")
    check_solutions_hidden_until_clicked(panel, path)


def _dirty(page) -> bool:
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_exercise_opens_unmodified_and_saving_changes_nothing(lab, lab_page, ui):
    page = lab_page
    path = "exercises/01_perceptron.ipynb"
    saved = lab.root / path
    before = (ROOT / path).read_bytes()      # what the release wrote
    saved.write_bytes(before)                # (the other UI's run of this test saved this copy)
    open_notebook(page, lab, path, ui=ui)
    page.wait_for_timeout(3000)  # the kernel's info arrives after it is idle; JupyterLab would then edit metadata
    assert not _dirty(page), f"{path} is marked modified on opening in {ui}"
    if ui == "lab":
        assert page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() == 0
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    page.wait_for_timeout(500)
    after = saved.read_bytes()
    # The lab fixture turns on the widget manager's "save widget state" (the explorers' tests need
    # it; it is off by default): then saving adds an empty widget state, which is not the release's
    # doing. Everything else must be byte for byte what the release wrote.
    meta = json.loads(after)["metadata"]
    if meta.get("widgets") == {"application/vnd.jupyter.widget-state+json":
                               {"state": {}, "version_major": 2, "version_minor": 0}}:
        del meta["widgets"]
        nb = json.loads(after)
        nb["metadata"] = meta
        after = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()
    assert json.loads(after)["metadata"] == json.loads(before)["metadata"]
    assert after == before, f"saving {path} in {ui} rewrote it: the release does not write what Jupyter saves"
