"""The chapters' sources: one opening cell of imports, nbval marks as tags, numbers the text can find.

These read the committed notebooks only (no kernel, no build), so they take well under a second.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from book.notebooks import EVAL_ROLE, INSTALL_CELL_ID, install_cell_source

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
SETS = re.compile(r"\bprose\.(\w+)\s*=|setattr\(prose,\s*f?[\"']([^\"']+)[\"']")


def _cells(path):
    return nbformat.read(path, as_version=4).cells


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param


def test_chapters_exist():
    assert len(CHAPTERS) == 5, [p.name for p in CHAPTERS]


def test_first_code_cell_installs_book_where_it_is_missing(chapter):
    """For Colab and the launch buttons: from repository.url at repository.branch in _config.yml."""
    first = next(c for c in _cells(chapter) if c.cell_type == "code")
    assert first.get("id") == INSTALL_CELL_ID and first.source == install_cell_source(ROOT / "_config.yml"), \
        f"{chapter.name}: run `python -m book.notebooks install-cell chapters/*.ipynb` after changing _config.yml"
    assert "remove-cell" in first.metadata.get("tags", []), "the book's reader needs no install cell"


def test_opening_cell_is_imports_and_nothing_else(chapter):
    first = [c for c in _cells(chapter) if c.cell_type == "code" and c.get("id") != INSTALL_CELL_ID][0]
    tree = ast.parse(first.source)
    others = [ast.unparse(s).splitlines()[0] for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    assert not others, f"{chapter.name}: the first code cell must only import; move these out: {others}"
    assert any(isinstance(s, ast.ImportFrom) and s.module == "book.chapter" for s in tree.body), \
        f"{chapter.name}: the first cell imports book.chapter (the plot style and `prose`)"


def test_nbval_marks_are_tags_not_comments(chapter):
    for i, cell in enumerate(_cells(chapter)):
        if cell.cell_type == "code":
            assert "NBVAL_" not in cell.source, \
                f"{chapter.name} cell {i}: write nbval's mark as a cell tag (nbval-check-output), not a comment"
            assert "glue(" not in cell.source, f"{chapter.name} cell {i}: quote numbers with prose and {{eval}}"


def test_every_eval_reads_a_number_set_above_by_a_cell_the_book_hides(chapter):
    """MyST-NB and JupyterLab evaluate a sentence's {eval} roles where the sentence stands."""
    set_above: set[str] = set()
    patterns: list[str] = []
    for i, cell in enumerate(_cells(chapter)):
        if cell.cell_type == "code":
            found = SETS.findall(cell.source)
            assert not (found and "remove-cell" in cell.metadata.get("tags", [])), (
                f"{chapter.name} cell {i} sets prose but is tagged remove-cell, which MyST-NB runs late: "
                "tag it remove-input and remove-output")
            if re.search(r"setattr\(prose,\s*\w", cell.source):  # names from a loop over quoted names
                set_above |= set(re.findall(r"[\"'](\w+)[\"']", cell.source))
            for plain, dynamic in found:
                if plain:
                    set_above.add(plain)
                else:
                    patterns.append(re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(dynamic)))
        elif cell.cell_type == "markdown":
            for expr in EVAL_ROLE.findall(cell.source):
                assert expr.startswith("prose."), f"{chapter.name} cell {i}: {{eval}}`{expr}` must read prose.NAME"
                name = expr.removeprefix("prose.")
                assert name in set_above or any(re.fullmatch(p, name) for p in patterns), \
                    f"{chapter.name} cell {i}: {{eval}}`{expr}` is not set by a code cell above it"


def test_stored_numbers_match_the_text(chapter):
    """`python -m book.notebooks refresh` stored each markdown cell's evaluated numbers."""
    for i, cell in enumerate(_cells(chapter)):
        if cell.cell_type != "markdown":
            continue
        wanted = list(dict.fromkeys(EVAL_ROLE.findall(cell.source)))
        stored = [e["expression"] for e in cell.metadata.get("user_expressions", [])]
        assert stored == wanted, (f"{chapter.name} cell {i}: stored numbers for {stored}, the text quotes {wanted}: "
                                  f"run `python -m book.notebooks refresh {chapter.relative_to(ROOT)}`")
        for e in cell.metadata.get("user_expressions", []):
            assert e["result"]["status"] == "ok" and "text/plain" in e["result"]["data"], (chapter.name, i, e)
