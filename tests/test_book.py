"""The built book: every page in the table of contents, solutions hidden, nothing from solutions/ published."""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from book.grading.spec import BEGIN_HIDDEN, BEGIN_SOLUTION, parse_exercise, solution_files

ROOT = Path(__file__).resolve().parents[1]


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def _page(html_dir: Path, name: str) -> str:
    path = html_dir / f"{name}.html"
    assert path.exists(), f"the built book has no page {path.relative_to(html_dir)}"
    return path.read_text(encoding="utf-8")


def test_build_logs_no_warning(built_book):
    _, log = built_book
    sphinx_warnings = re.findall(r".*\bWARNING: .*", log)  # Sphinx's form; kernels log "WARNING |" notices
    assert not sphinx_warnings, "\n".join(sphinx_warnings[:10])


def test_every_toc_entry_is_a_page_with_content(built_book):
    html_dir, _ = built_book
    for name in _toc_files():
        text = re.sub(r"<[^>]+>", " ", _page(html_dir, name))
        assert len(text.split()) > 150, f"{name} is nearly empty: no placeholder page may be published"


def test_chapters_and_exercises_are_listed_in_order():
    files = _toc_files()
    chapters = [f for f in files if f.startswith("chapters/")]
    exercises = [f for f in files if f.startswith("exercises/")]
    assert chapters == sorted(chapters) and chapters, "chapters must follow the lecture's order"
    assert exercises == sorted(exercises)
    assert {Path(f).name for f in exercises} == {p.stem for p in solution_files(ROOT)}, \
        "every exercise is a page of the book"


def test_exercise_pages_offer_the_notebook_and_were_not_executed(built_book):
    html_dir, _ = built_book
    for src in solution_files(ROOT):
        page = _page(html_dir, f"exercises/{src.stem}")
        assert f"{src.stem}.ipynb" in page, f"the page of {src.stem} offers no notebook download"
        assert (html_dir / "_sources" / "exercises" / f"{src.stem}.ipynb").exists()
        assert "Traceback" not in page and "NotImplementedError: " not in page, \
            f"{src.stem} was executed: exercise stubs must not run at build time"


def test_in_text_solutions_are_collapsed_toggles(built_book):
    html_dir, _ = built_book
    count = 0
    for name in _toc_files():
        if not name.startswith("chapters/"):
            continue
        page = _page(html_dir, name)
        exercises = re.findall(r'<div class="[^"]*\bexercise\b[^"]*"', page)
        solutions = re.findall(r'<div class="([^"]*\bsolution\b[^"]*)"', page)
        assert len(exercises) >= 2, f"{name}: at least two in-text exercises"
        assert len(solutions) >= len(exercises), f"{name}: every in-text exercise has a solution"
        for classes in solutions:
            assert "dropdown" in classes.split(), f"{name}: a solution is not a collapsed dropdown ({classes})"
        count += len(solutions)
    assert count, "no in-text solution found"


def _significant(line: str) -> bool:
    return len(line) > 12 and not line.startswith("#")


def _secrets(ex) -> set[str]:
    """What only the instructor's copy holds: every hidden assert, and every run of three consecutive
    lines of a solution or hidden test (the whole block when shorter). An idiom or two such as
    `rng = np.random.default_rng(seed)` give nothing away; three lines of the solution in a row do."""
    secrets = set()
    for cell in ex.nb.cells:
        block, kind = [], None
        for line in cell.source.splitlines():
            s = line.strip()
            if s in (BEGIN_SOLUTION, BEGIN_HIDDEN):
                block, kind = [], s
            elif s.startswith("### END"):
                k = min(3, len(block))
                secrets |= {"\n".join(block[i:i + k]) for i in range(len(block) - k + 1) if len("".join(block[i:i + k])) > 24}
                if kind == BEGIN_HIDDEN:  # a hidden assert is specific enough on its own
                    secrets |= {b for b in block if b.startswith("assert") and len(b) > 24}
                kind = None
            elif kind and _significant(s):
                block.append(s)
    return secrets


def test_no_solution_text_is_published(built_book):
    html_dir, _ = built_book
    published = []
    for path in html_dir.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".txt", ".md", ".js", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".html":  # highlighted code is split by tags: compare the text
                text = html.unescape(re.sub(r"<[^>]+>", "", text))
            elif path.suffix == ".ipynb":  # sources as lines, not JSON strings
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            lines = [line.strip() for line in text.splitlines()]
            published.append("\n".join(line for line in lines if _significant(line)))
    site = "\n".join(published)
    assert not any("solutions" in p.relative_to(html_dir).parts for p in html_dir.rglob("*")), \
        "solutions/ must never be published"
    for src in solution_files(ROOT):
        released = "\n".join(line.strip() for c in nbformat.read(ROOT / "exercises" / src.name, as_version=4).cells
                             for line in c.source.splitlines() if _significant(line.strip()))
        for secret in _secrets(parse_exercise(src)) - {s for s in _secrets(parse_exercise(src)) if s in released}:
            assert secret not in site, f"instructor-only text from {src.name} is published: {secret!r}"


def _chapter_names():
    return [n for n in _toc_files() if n.startswith("chapters/")]


# numbers that differ from machine to machine: a speed-up measured with a clock, and the rounding
# error of a matrix product (it depends on the BLAS and the CPU's instructions)
MEASURED = {"speedup_bound", "collapse_diff"}


def test_the_text_shows_the_numbers_the_chapter_computed(built_book):
    """Each {eval}`prose.name` becomes the number its chapter computed (the same the chapter stores
    for JupyterLab); nothing of the mechanism shows."""
    from book.notebooks import EVAL_ROLE

    html_dir, _ = built_book
    for name in _chapter_names():
        page = _page(html_dir, name)
        text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", page, flags=re.S)))
        for raw in ("{eval}", "{glue", "prose.", "{numref}", "{doc}"):
            assert raw not in text, f"{name}: the page shows {raw!r}"
        nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
        roles = [e for c in nb.cells if c.cell_type == "markdown" for e in EVAL_ROLE.findall(c.source)]
        shown = [html.unescape(v) for v in re.findall(r'<span class="output text_plain">([^<]*)</span>', page)]
        assert len(shown) == len(roles) >= 10, f"{name}: {len(roles)} {{eval}} roles, {len(shown)} numbers shown"
        stored = {e["expression"]: e["result"]["data"]["text/plain"].strip("'\"") for c in nb.cells
                  if c.cell_type == "markdown" for e in c.metadata.get("user_expressions", [])}
        wrong = [(r, v, stored[r]) for r, v in zip(roles, shown)
                 if v != stored[r] and r.removeprefix("prose.") not in MEASURED]
        assert not wrong, f"{name}: the page shows other numbers than the chapter computed: {wrong[:5]}"


def test_launch_buttons_open_the_chapter_at_the_configured_ref(built_book):
    """Binder and Colab open this chapter from repository.url at repository.branch (what the
    chapters' install cell installs from)."""
    html_dir, _ = built_book
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo, ref = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/"), config["repository"]["branch"]
    for name in _chapter_names():
        page = _page(html_dir, name)
        colab = f"https://colab.research.google.com/github/{repo}/blob/{ref}/{name}.ipynb"
        binder = f"https://mybinder.org/v2/gh/{repo}/{ref}?urlpath=lab/tree/{name}.ipynb"
        assert colab in page, f"{name}: no Colab button for {colab}"
        assert binder in page, f"{name}: no Binder button for {binder}"
