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


def test_imports_are_all_in_the_opening_cell_and_figures_share_one_layout(chapter):
    """One opening cell says what a chapter uses; every figure is laid out the same way."""
    code = [c for c in _cells(chapter) if c.cell_type == "code" and c.get("id") != INSTALL_CELL_ID]
    later = [(c.get("id"), ast.unparse(s)) for c in code[1:] for s in ast.walk(ast.parse(c.source))
             if isinstance(s, (ast.Import, ast.ImportFrom))]
    assert not later, f"{chapter.name}: move these imports into the opening cell: {later}"
    tight = [c.get("id") for c in code if "tight_layout" in c.source]
    assert not tight, f"{chapter.name}: cells {tight} use tight_layout; the book's figures use layout=\"constrained\""


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


def test_prose_takes_text_and_says_how_to_format_a_number():
    from book.chapter import Prose

    prose = Prose()
    prose.acc = format(0.9312, ".1%")
    assert prose.acc == "93.1%"
    with pytest.raises(TypeError, match=r"prose.acc must be text.*format\(value, '.1%'\)"):
        prose.acc = 0.9312


def test_install_requirement_comes_from_the_config_and_a_bad_config_is_named(tmp_path):
    from book.notebooks import install_requirement

    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/someone/course\n  branch: v2026.1\n")
    assert install_requirement(config) == "lcb-book @ git+https://github.com/someone/course.git@v2026.1"
    config.write_text("repository:\n  url: https://github.com/someone/course\n")
    with pytest.raises(ValueError, match="repository.branch"):
        install_requirement(config)


def test_citations_are_links_that_both_faces_render(chapter):
    """jupyterlab-myst has no bibliography: a {cite} role shows there as a bare key.

    Cite as a Markdown link to the references page, e.g. ([Rosenblatt, 1958](../references.md)).
    """
    for i, cell in enumerate(_cells(chapter)):
        if cell.cell_type == "markdown":
            assert "{cite" not in cell.source, \
                f"{chapter.name} cell {i}: cite as ([Author, year](../references.md)); JupyterLab cannot render {{cite}}"


SHOWN = re.compile(r"show_source\(([\w.]+)\)")
CHECKS = re.compile(r"\b(?:as_array|check_finite|check_labels|check_same_length|raise|isinstance|_validate)\b"
                    r"|(?<![\w.])_[a-z]\w*\(")              # ... or a private helper that checks, or hides the maths


def _shown_functions(path):
    """The library objects a chapter passes to show_source, resolved the way its imports name them."""
    import importlib

    import book
    names = {"book": book, "nets": importlib.import_module("book.nets"), "layers": importlib.import_module("book.layers"),
             "losses": importlib.import_module("book.losses"), "linear": importlib.import_module("book.linear"),
             "graph": importlib.import_module("book.graph")}
    for cell in _cells(path):
        if cell.cell_type != "code":
            continue
        opening = cell.source
        for line in opening.splitlines():                   # `from book.x import f` in the opening cell
            m = re.match(r"from (book[\w.]*) import \(?([\w ,]+)", line)
            if m:
                module = importlib.import_module(m.group(1))
                for name in (n.strip() for n in m.group(2).split(",")):
                    if name and hasattr(module, name):
                        names[name] = getattr(module, name)
    for cell in _cells(path):
        for dotted in SHOWN.findall(cell.source) if cell.cell_type == "code" else []:
            obj = names[dotted.split(".")[0]]
            for part in dotted.split(".")[1:]:
                obj = getattr(obj, part)
            yield dotted, obj


def test_show_source_shows_the_maths_not_the_checks(chapter):
    """What a chapter prints with show_source is the library's own function, public, whose body is
    the computation: its input checks sit behind one @checked line, out of sight."""
    import inspect

    shown = list(_shown_functions(chapter))
    if chapter.stem != "01_perceptron":
        assert shown, f"{chapter.name} shows no library source"
    for dotted, obj in shown:
        if inspect.isclass(obj):                                # micrograd's Value: its methods are the maths
            continue
        assert not any(part.startswith("_") for part in dotted.split(".")), f"{chapter.name} shows a private {dotted}"
        source = inspect.getsource(obj)
        body = source.split('"""')[-1] if '"""' in source else source
        found = CHECKS.findall(body)
        assert not found, f"{chapter.name}: show_source({dotted}) shows input checks {found}:\n{source}"


def test_checked_keeps_the_errors_and_the_shown_body_is_the_one_that_runs():
    """The decorator runs the checks first (clear errors stay) and the shown body is f.unchecked."""
    import inspect

    import numpy as np

    from book import linear, losses

    with pytest.raises(ValueError, match=r"y holds labels outside 0\.\.2: found 5"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 5])
    assert inspect.getsource(losses.softmax_cross_entropy).startswith("@checked(")
    assert inspect.unwrap(losses.softmax_cross_entropy) is losses.softmax_cross_entropy.unchecked
    s = np.array([[1.0, 2.0, 0.5]])
    L1, ds1 = losses.softmax_cross_entropy(s, [1])
    L2, ds2 = losses.softmax_cross_entropy.unchecked(s, np.array([1]))
    assert L1 == L2 and np.array_equal(ds1, ds2)
    L, ds = losses.softmax_cross_entropy(s[0], 1)               # one example in, one gradient out
    assert L == L1 and ds.shape == (3,)
    with pytest.raises(TypeError):                              # the signature is the function's own
        linear.scores(np.zeros((1, 2)))
