"""The release: exercises/ is exactly what it writes, stubs and hidden tests are right, bad input stops it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from book.grading.release import out_of_date, plan, release
from book.grading.spec import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_SOLUTION, HIDDEN_NOTE, ExerciseError,
                               parse_exercise, solution_files)

ROOT = Path(__file__).resolve().parents[1]


def test_exercises_folder_is_exactly_what_the_release_writes():
    assert out_of_date(ROOT) == [], "exercises/ is stale: run `python -m book.grading release`"


def test_every_solution_has_a_released_exercise_and_nothing_else():
    sources = {p.name for p in solution_files(ROOT)}
    assert sources, "no exercise sources in solutions/"
    assert {p.name for p in (ROOT / "exercises").glob("*.ipynb")} == sources


@pytest.mark.parametrize("src", solution_files(ROOT), ids=lambda p: p.stem)
def test_released_notebook_has_stubs_no_solutions_no_hidden_tests_no_outputs(src):
    ex = parse_exercise(src)
    released = nbformat.read(ROOT / "exercises" / src.name, as_version=4)
    assert len(released.cells) == len(ex.nb.cells)
    for cid, i in ex.answers.items():
        cell = released.cells[i]
        assert cell.metadata["grading"] == {"id": cid, "kind": "answer"}
        assert "raise NotImplementedError" in cell.source
        assert BEGIN_SOLUTION not in cell.source and END_SOLUTION not in cell.source
    for q in ex.questions.values():
        cell = released.cells[q.cell]
        assert cell.metadata["grading"]["points"] == q.points
        assert BEGIN_HIDDEN not in cell.source and HIDDEN_NOTE in cell.source
    for cell in released.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert released.metadata["grading"]["total_points"] == ex.total_points


def _course(tmp_path) -> Path:
    """A copy of the course's solutions/ and exercises/ to break."""
    for name in ("solutions", "exercises"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def _snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))}


def _bad_notebook(tmp_path, mutate) -> Path:
    src = solution_files(ROOT)[0]
    nb = nbformat.read(src, as_version=4)
    mutate(nb)
    path = tmp_path / "solutions" / "99_broken.ipynb"
    nbformat.write(nb, path)
    return path


def _answer(nb):
    return next(c for c in nb.cells if c.metadata.get("grading", {}).get("kind") == "answer")


def _drop_end(nb):
    cell = _answer(nb)
    cell.source = cell.source.replace(END_SOLUTION, "")


def _drop_id(nb):
    del _answer(nb).metadata["grading"]["id"]


def _duplicate_id(nb):
    cells = [c for c in nb.cells if c.metadata.get("grading")]
    cells[1].metadata["grading"]["id"] = cells[0].metadata["grading"]["id"]


def _marker_without_metadata(nb):
    del _answer(nb).metadata["grading"]


@pytest.mark.parametrize("mutate, words", [
    (_drop_end, "has no '### END SOLUTION' after it"),
    (_drop_id, "needs an 'id'"),
    (_duplicate_id, "is used by cell"),
    (_marker_without_metadata, "has no grading metadata"),
], ids=["begin-without-end", "answer-without-name", "duplicate-names", "markers-without-metadata"])
def test_malformed_source_stops_the_release_naming_file_and_cell_and_writes_nothing(tmp_path, mutate, words):
    course = _course(tmp_path)
    bad = _bad_notebook(course, mutate)
    before = _snapshot(course / "exercises")
    with pytest.raises(ExerciseError) as err:
        release(course)
    msg = str(err.value)
    assert str(bad) in msg and "cell " in msg and words in msg, msg
    assert _snapshot(course / "exercises") == before, "a failed release must write nothing"


def test_invalid_json_source_is_named_and_nothing_is_written(tmp_path):
    course = _course(tmp_path)
    (course / "solutions" / "99_broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    before = _snapshot(course / "exercises")
    result = subprocess.run([sys.executable, "-m", "book.grading", "release", "--root", str(course)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "99_broken.ipynb" in result.stderr and "not valid JSON" in result.stderr and "nothing written" in result.stderr
    assert _snapshot(course / "exercises") == before


def test_release_check_names_the_file_and_cell_that_differ(tmp_path):
    course = _course(tmp_path)
    path = sorted((course / "exercises").glob("*.ipynb"))[0]
    nb = json.loads(path.read_text(encoding="utf-8"))
    idx = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"][idx]["source"] = "print('edited by hand')"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "book.grading", "release", "--check", "--root", str(course)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path.name}, cell {idx}" in result.stderr and "python -m book.grading release" in result.stderr
    release(course)
    assert out_of_date(course) == []


def test_release_check_reports_missing_and_stale_exercises(tmp_path):
    course = _course(tmp_path)
    victim = sorted((course / "exercises").glob("*.ipynb"))[0]
    victim.unlink()
    (course / "exercises" / "42_orphan.ipynb").write_text("{}", encoding="utf-8")
    problems = out_of_date(course)
    assert any(victim.name in p and "missing" in p for p in problems)
    assert any("42_orphan" in p and "no source" in p for p in problems)
    release(course)
    assert out_of_date(course) == [] and not (course / "exercises" / "42_orphan.ipynb").exists()


def test_release_is_deterministic():
    first = plan(ROOT)
    assert plan(ROOT) == first


@pytest.mark.parametrize("src", solution_files(ROOT), ids=lambda p: p.stem)
def test_released_notebook_is_what_jupyter_saves(src):
    """Jupyter's normal form, the standard kernel's metadata, whole points as integers: JupyterLab
    and Notebook 7 open it unmodified (tests/jupyterlab checks that in a real JupyterLab)."""
    text = (ROOT / "exercises" / src.name).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert text == nbformat.writes(nb) + "\n", "not in nbformat's normal form"
    assert nb.metadata.kernelspec == {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    for key in ("name", "version", "mimetype", "codemirror_mode", "pygments_lexer", "nbconvert_exporter", "file_extension"):
        assert key in nb.metadata.language_info, f"language_info lacks {key}: the kernel would add it on opening"
    points = [nb.metadata.grading["total_points"]] + [c.metadata["grading"]["points"] for c in nb.cells
                                                      if "points" in c.metadata.get("grading", {})]
    assert all(not (isinstance(p, float) and p.is_integer()) for p in points), f"whole points written as floats: {points}"


def test_release_check_accepts_another_pythons_version_and_nothing_else(tmp_path):
    root = _course(tmp_path)
    path = root / "exercises" / solution_files(root)[0].name
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    nb["metadata"]["language_info"]["version"] = "3.99.0"
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert out_of_date(root) == []
    nb["metadata"]["kernelspec"]["display_name"] = "Python 3"
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert out_of_date(root) and "metadata" in out_of_date(root)[0]
