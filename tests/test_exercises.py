"""Every exercise's tests can fail, and fail for the right reasons.

For each solutions/NN_name.ipynb the suite runs, in a fresh kernel each:
* the notebook with every answer stubbed (as released): every test cell, visible and hidden, fails;
* the notebook with one answer stubbed: exactly the test cells that depend on it fail;
* the notebook with each listed common mistake: exactly the test cells the mistake names fail,
  at least one;
(the solution itself passing every cell is nbval's job over solutions/), and statically:
* each listed mistake is named in the exercise's text, so students see what is checked;
* no hidden test's text appears anywhere under exercises/.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from book.grading.spec import parse_exercise, solution_files
from book.notebooks import execute
from exercise_variants import hidden_blocks, load_mistakes, mistaken, stubbed

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = [parse_exercise(p) for p in solution_files(ROOT)]


def _variants():
    for ex in EXERCISES:
        yield pytest.param(ex, "all stubs", None, set(ex.questions), id=f"{ex.name}-all-stubs")
        for cid in ex.answers:
            fails = {q.id for q in ex.questions.values() if cid in q.depends}
            yield pytest.param(ex, f"stub {cid}", cid, fails, id=f"{ex.name}-stub-{cid}")
        for m in load_mistakes(ex):
            yield pytest.param(ex, f"mistake {m['name']!r}", m, set(m["fails"]),
                               id=f"{ex.name}-mistake-{m['answer']}-{m['name'][:24]}")


def _cell_errors(nb) -> dict[int, str]:
    """For each code cell of an executed notebook, by index: "ename: evalue" of its error, or ""."""
    out = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            out[i] = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else ""
    return out


def _failed_questions(ex, nb) -> dict[str, str]:
    done = execute(nb, cwd=ex.path.parent, timeout=120)
    errors = _cell_errors(done)
    return {q.id: errors[q.cell] for q in ex.questions.values() if errors[q.cell]}


@pytest.mark.parametrize("ex, what, arg, expected", list(_variants()))
def test_variant_fails_exactly_the_expected_questions(ex, what, arg, expected):
    if what == "all stubs":
        nb = stubbed(ex)
    elif what.startswith("stub"):
        nb = stubbed(ex, [arg])
    else:
        assert expected, f"{ex.name}: mistake {arg['name']!r} lists no failing test: it would prove nothing"
        assert expected <= set(ex.questions), f"{ex.name}: mistake {arg['name']!r} names unknown tests"
        nb = mistaken(ex, arg)
    failed = _failed_questions(ex, nb)
    assert set(failed) == expected, (
        f"{ex.name} with {what}: expected exactly {sorted(expected)} to fail, "
        f"but {sorted(failed)} failed ({failed})")
    if what.startswith("stub"):
        for qid, err in failed.items():
            assert err, f"{ex.name}: {qid} failed without an error message"


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.name for e in EXERCISES])
def test_mistakes_are_listed_for_students(ex):
    mistakes = load_mistakes(ex)
    assert len(mistakes) >= 3, f"{ex.name}: list at least three common mistakes in solutions/mistakes/{ex.name}.py"
    text = "\n".join(c.source for c in ex.nb.cells if c.cell_type == "markdown")
    for m in mistakes:
        assert m["name"] in text, f"{ex.name}: the mistake {m['name']!r} is not named in the exercise's text"


def _released_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":  # compare with the sources as students read them, not JSON-escaped
        text += "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    return text


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.name for e in EXERCISES])
def test_every_question_has_hidden_tests_and_none_leak(ex):
    released = "\n".join(_released_text(p) for p in (ROOT / "exercises").rglob("*") if p.is_file())
    for q in ex.questions.values():
        blocks = hidden_blocks(ex.nb.cells[q.cell].source)
        assert blocks, f"{ex.name}: test cell {q.id} has no hidden tests"
        for block in blocks:
            for line in block.splitlines():
                line = line.strip()
                if len(line) > 12 and not line.startswith("#"):
                    assert line not in released, f"{ex.name}: hidden test line leaked into exercises/: {line!r}"
