"""Re-runs skip what is graded, regrade what changed or what --force asks for, and resume after Ctrl-C."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time

from grading_corpus import HOSTILE, ROOT, filled, grade_cmd, released, solution_answers, write

from book._files import digest

ROOT_EX = HOSTILE  # the first exercise: its notebooks run fastest


def _copy_run(run, tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "out"
    shutil.copytree(run.submissions, subs)
    shutil.copytree(run.out, out)
    return subs, out


def test_rerun_skips_everything_already_graded(normal_run, tmp_path):
    subs, out = _copy_run(normal_run, tmp_path)
    before = (out / "gradebook.csv").read_text()
    started = time.monotonic()
    proc = subprocess.run(grade_cmd(subs, out), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # a submission is graded again only if its exercise's source changed since (it may, while authors work)
    changed = [r for r in normal_run.results.values()
               if r["solution_sha256"] != digest(ROOT / "solutions" / f"{r['exercise']}.ipynb")]
    n = len(normal_run.results)
    assert f"{len(changed)} graded now, {n - len(changed)} already graded (kept)" in proc.stdout
    if not changed:
        assert time.monotonic() - started < normal_run.seconds / 2
        assert (out / "gradebook.csv").read_text() == before


def test_a_changed_submission_is_graded_again_and_force_regrades_the_same(normal_run, tmp_path):
    subs, out = _copy_run(normal_run, tmp_path)
    stub = f"ex{ROOT_EX.name[:2]}-stub"
    path = subs / stub / f"{ROOT_EX.name}.ipynb"
    path.write_bytes(write(filled(ROOT_EX, solution_answers(ROOT_EX))))  # the student handed in again
    proc = subprocess.run(grade_cmd(subs, out, "--exercise", ROOT_EX.name[:2]), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1 graded now" in proc.stdout
    graded = json.loads((out / "graded" / stub / f"{ROOT_EX.name}.json").read_text())
    assert graded["score"] == ROOT_EX.total_points

    only = tmp_path / "one"
    (only / stub).mkdir(parents=True)
    shutil.copy(path, only / stub / path.name)
    proc = subprocess.run(grade_cmd(only, out, "--force"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "1 graded now, 0 already graded" in proc.stdout
    again = json.loads((out / "graded" / stub / f"{ROOT_EX.name}.json").read_text())
    assert [(q["id"], q["earned"], q["message"]) for q in again["questions"]] == \
           [(q["id"], q["earned"], q["message"]) for q in graded["questions"]]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "out"
    names = [f"student{k}" for k in range(3)]
    for k, name in enumerate(names):
        (subs / name).mkdir(parents=True)
        nb = filled(ROOT_EX, solution_answers(ROOT_EX)) if k % 2 == 0 else released(ROOT_EX)
        (subs / name / f"{ROOT_EX.name}.ipynb").write_bytes(write(nb))
    # the run interrupts itself (SIGINT) right after saving the first result: no race with the machine's speed
    proc = subprocess.run(grade_cmd(subs, out, "-j", "1"), capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, LCB_GRADE_INTERRUPT_AFTER="1"))
    assert proc.returncode == 130, (proc.stdout, proc.stderr)
    assert "interrupted" in proc.stderr
    done = {p.parent.name for p in (out / "graded").rglob("*.json")}
    assert done == {"student0"}
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]

    proc = subprocess.run(grade_cmd(subs, out, "-j", "2"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"{3 - len(done)} graded now, {len(done)} already graded" in proc.stdout
    assert "grading" in proc.stderr and "100%" in proc.stderr  # the progress bar
    with open(out / "gradebook.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["student"] for r in rows] == names
    column = f"{ROOT_EX.name} ({ROOT_EX.total_points:g} pts)"
    assert {r["student"]: float(r[column]) for r in rows} == \
           {n: ROOT_EX.total_points if k % 2 == 0 else 0.0 for k, n in enumerate(names)}


def test_a_forged_saved_result_is_not_trusted(normal_run, tmp_path):
    """OUT/graded/*.json is signed with a key kept outside OUT: an edited record is graded again."""
    subs, out = _copy_run(normal_run, tmp_path)
    stub = f"ex{ROOT_EX.name[:2]}-stub"
    path = out / "graded" / stub / f"{ROOT_EX.name}.json"
    doc = json.loads(path.read_text())
    for q in doc["questions"]:
        q.update(earned=q["points"], passed=True, kind="passed", message="")
    doc["score"] = doc["max"]
    path.write_text(json.dumps(doc, indent=1))
    proc = subprocess.run(grade_cmd(subs, out, "--exercise", ROOT_EX.name[:2], "-q"), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1 graded now" in proc.stdout
    with open(out / "gradebook.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["student"] == stub)
    assert float(row[f"{ROOT_EX.name} ({ROOT_EX.total_points:g} pts)"]) == 0.0
