"""``grade --export canvas,moodle,gradescope --roster``, and the Gradescope autograder bundle.

Each export is read back and checked field by field against results.json; a student missing from
the roster and a roster entry without a submission are listed in the summary. The bundle is
unpacked into a temporary ``/autograder`` layout and its ``run_autograder`` run there.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from grading_corpus import EXERCISES, ROOT, Case, grade_cmd, normal_cases, write_folder

EX = EXERCISES[0]


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.update(extra)
    return env


def _cases() -> list[Case]:
    base = {c.student: c for c in normal_cases() if c.exercise == EX.name}
    pick = {"alice": "ex01-solution", "bob": "ex01-stub", "carol": "ex01-mistake1", "dave": "ex01-mistake2"}
    return [Case(name, EX.name, base[src].data, set(base[src].fails)) for name, src in pick.items()]


ROSTER = ("student,lms_id,email,name\n"
          "alice,1001,alice@example.edu,Alice Adams\n"
          "bob,1002,bob@example.edu,=HYPERLINK(\"x\")\n"
          "carol,1003,carol@example.edu,Carol Chen\n"
          "erin,1005,erin@example.edu,Erin Evans\n")   # dave is missing; erin handed nothing in


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("export")
    subs = write_folder(_cases(), base / "submissions")
    (base / "roster.csv").write_text(ROSTER)
    out = base / "out"
    proc = subprocess.run(grade_cmd(subs, out, "-j", "2", "-q", "--export", "canvas,moodle,gradescope",
                                    "--roster", str(base / "roster.csv")),
                          capture_output=True, text=True, timeout=600, env=_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    return out, proc.stdout, {r["student"]: r for r in doc["submissions"]}


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_summary_lists_roster_gaps(exported):
    _, stdout, _ = exported
    assert "roster: 3 students matched" in stdout
    assert "not in the roster (left out of the exports): 1 (dave)" in stdout
    assert "in the roster without a submission: 1 (erin)" in stdout


def test_canvas_csv(exported):
    out, _, results = exported
    rows = _rows(out / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", EX.name]
    assert rows[1] == ["Points Possible", "", "", "", "", f"{EX.total_points:g}"]
    body = {r[1]: r for r in rows[2:]}
    assert set(body) == {"1001", "1002", "1003"}
    for lms_id, student in [("1001", "alice"), ("1002", "bob"), ("1003", "carol")]:
        assert float(body[lms_id][5]) == results[student]["score"]
        assert body[lms_id][2:5] == ["", "", ""]
    assert body["1001"][0] == "Alice Adams"
    assert body["1002"][0] == "'=HYPERLINK(\"x\")"   # a formula stays text
    assert results["alice"]["score"] == EX.total_points and results["bob"]["score"] == 0


def test_moodle_csv(exported):
    out, _, results = exported
    rows = _rows(out / "moodle.csv")
    assert rows[0] == ["Email address", "ID number", "Full name", EX.name]
    body = {r[0]: r for r in rows[1:]}
    assert set(body) == {"alice@example.edu", "bob@example.edu", "carol@example.edu"}
    for student in ("alice", "bob", "carol"):
        row = body[f"{student}@example.edu"]
        assert float(row[3]) == results[student]["score"]
    assert body["carol@example.edu"][1:3] == ["1003", "Carol Chen"]


def test_gradescope_json(exported):
    out, _, results = exported
    doc = json.loads((out / "gradescope.json").read_text())
    entries = {e["student"]: e for e in doc["submissions"]}
    assert set(entries) == {"alice", "bob", "carol"}
    for student, e in entries.items():
        r = results[student]
        assert (e["lms_id"], e["exercise"]) == (ROSTER.split(student + ",")[1].split(",")[0], EX.name)
        assert e["results"]["score"] == r["score"]
        tests = e["results"]["tests"]
        assert [t["name"] for t in tests] == [q["id"] for q in r["questions"]]
        for t, q in zip(tests, r["questions"]):
            assert (t["score"], t["max_score"]) == (q["earned"], q["points"])
            assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
            assert t["output"] == "passed" if q["passed"] else q["message"] in t["output"]
    # hidden tests: named and scored, their source never shown
    from book.grading.grade import _hidden_lines

    hidden = []
    for q in EX.questions.values():
        source = EX.nb.cells[q.cell].source
        lines = source.splitlines()
        hidden += [lines[n - 1].strip() for n in _hidden_lines(source) if len(lines[n - 1].strip()) > 20]
    assert hidden, "exercise 01 has hidden tests to keep out of the export"
    shown = "\n".join(t["output"] + t["name"] for e in entries.values() for t in e["results"]["tests"])
    assert "A hidden test failed" in shown
    assert not any(h in shown for h in hidden)
    assert "HIDDEN TESTS" not in (out / "gradescope.json").read_text()


def test_bad_roster_is_refused_before_grading(tmp_path):
    subs = write_folder(_cases()[:1], tmp_path / "submissions")
    (tmp_path / "roster.csv").write_text("name,id\nalice,1\n")
    proc = subprocess.run(grade_cmd(subs, tmp_path / "out", "--roster", str(tmp_path / "roster.csv"),
                                    "--export", "canvas"), capture_output=True, text=True, timeout=120, env=_env())
    assert proc.returncode == 2 and "student,lms_id,email,name" in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
    proc = subprocess.run(grade_cmd(subs, tmp_path / "out", "--export", "blackboard"), capture_output=True,
                          text=True, timeout=120, env=_env())
    assert proc.returncode == 2 and "canvas, moodle, gradescope" in proc.stderr


def test_gradescope_bundle_runs_in_an_autograder_layout(tmp_path):
    archive = tmp_path / "autograder.zip"
    made = subprocess.run([sys.executable, "-m", "book.grading", "gradescope-bundle", "--out", str(archive),
                           "--root", str(ROOT)], capture_output=True, text=True, timeout=120, env=_env())
    assert made.returncode == 0, made.stderr
    names = zipfile.ZipFile(archive).namelist()
    assert {"setup.sh", "run_autograder", f"course/solutions/{EX.name}.ipynb",
            "course/book/grading/grade.py", "course/requirements.txt"} <= set(names)
    ag = tmp_path / "autograder"
    (ag / "source").mkdir(parents=True)
    (ag / "submission").mkdir()
    zipfile.ZipFile(archive).extractall(ag / "source")
    shutil.copy(ag / "source" / "run_autograder", ag / "run_autograder")
    case = next(c for c in _cases() if c.student == "carol")
    (ag / "submission" / f"{EX.name}.ipynb").write_bytes(case.data)
    env = {k: v for k, v in _env(LCB_AUTOGRADER_ROOT=str(ag), LCB_PYTHON=sys.executable).items()
           if k != "PYTHONPATH"}   # the bundle's own copy of the grader runs, not this checkout's
    proc = subprocess.run(["bash", str(ag / "run_autograder")], capture_output=True, text=True, timeout=300,
                          env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    doc = json.loads((ag / "results" / "results.json").read_text())
    assert [t["name"] for t in doc["tests"]] == list(EX.questions)
    assert doc["score"] == sum(t["score"] for t in doc["tests"])
    failed = {t["name"] for t in doc["tests"] if t["score"] < t["max_score"]}
    assert failed == case.fails
    assert all(t["max_score"] == EX.questions[t["name"]].points for t in doc["tests"])


def test_cluster_without_distributed_says_what_to_install(tmp_path):
    """(Here rather than in test_grade_cluster.py, which is skipped where distributed is missing.)"""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "distributed.py").write_text("raise ImportError('not installed')\n")
    subs = write_folder(_cases()[:1], tmp_path / "submissions")
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join([str(shadow), env["PYTHONPATH"]])
    proc = subprocess.run(grade_cmd(subs, tmp_path / "out", "--cluster", "local:2"), capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 2 and "requirements-cluster.txt" in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
