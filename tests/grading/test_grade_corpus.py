"""Every submission of both corpora gets exactly the grade its case says, for the reason it says."""
from __future__ import annotations

import pytest
import json
import subprocess

from grading_corpus import (EXERCISES, HOSTILE_TIMEOUT, NAMED, grade_cmd, hidden_blocks, hostile_cases,
                            normal_cases, snapshot, special_cases, write_flat, zip_cases)

BY_NAME = {ex.name: ex for ex in EXERCISES}
NORMAL = normal_cases()
HOSTILE = hostile_cases() + special_cases()
ZIP = zip_cases()


def assert_graded_as_expected(run, case):
    r = run.results.get((case.student, case.exercise))
    assert r is not None, f"{case.student}: no result for {case.exercise} in results.json"
    ex = BY_NAME[case.exercise]
    points = {q.id: q.points for q in ex.questions.values()}
    detail = "\n".join(f"  {q['id']}: {q['kind']}: {q['message']}" for q in r["questions"])
    assert r["status"] == case.status, f"{case.student}: {r['status']} ({r['reason']}), expected {case.status}"
    assert [q["id"] for q in r["questions"]] == list(ex.questions), "questions must be the instructor's, in order"
    assert {q["id"]: q["points"] for q in r["questions"]} == points, "points must be the instructor's"
    assert r["max"] == ex.total_points
    if case.status == "could_not_run":
        assert r["reason_kind"] == case.reason, f"{case.student}: reason {r['reason_kind']}: {r['reason']}"
        assert r["reason"] and r["score"] == 0 and all(q["earned"] == 0 for q in r["questions"])
        assert case.why in r["reason"], f"{case.student}: {r['reason']!r} lacks {case.why!r}"
        return
    failed = {q["id"] for q in r["questions"] if not q["passed"]}
    assert failed == case.fails, (f"{case.student}: expected exactly {sorted(case.fails)} to fail, "
                                  f"got {sorted(failed)}:\n{detail}")
    for q in r["questions"]:
        if q["passed"]:
            assert q["earned"] == points[q["id"]]
        else:
            assert q["earned"] == 0 and q["message"], f"{case.student}: {q['id']} failed without a reason"
            if case.why and (case.why_in is None or q["id"] in case.why_in):
                assert case.why in q["message"], f"{case.student}: {q['id']}: {q['message']!r} lacks {case.why!r}"
    assert r["score"] == ex.total_points - sum(points[q] for q in case.fails)
    if case.flag:
        severity, phrase = case.flag
        assert any(f["severity"] == severity and phrase in f["what"] for f in r["flags"]), (
            f"{case.student}: expected a {severity} flag about {phrase!r}, got {r['flags']}")


@pytest.mark.parametrize("case", NORMAL, ids=[c.student for c in NORMAL])
def test_normal_submission_gets_its_grade(normal_run, case):
    assert_graded_as_expected(normal_run, case)
    r = normal_run.results[(case.student, case.exercise)]
    assert r["flags"] == [], f"{case.student}: an honest submission was flagged: {r['flags']}"
    assert r["passes"] == 1


@pytest.mark.parametrize("case", HOSTILE, ids=[ascii(c.student) for c in HOSTILE])
def test_hostile_submission_gets_its_grade(hostile_run, case):
    assert_graded_as_expected(hostile_run, case)


@pytest.mark.parametrize("case", ZIP, ids=[c.student for c in ZIP])
def test_zip_member_gets_its_grade(zip_run, case):
    assert_graded_as_expected(zip_run, case)


def test_the_corpus_covers_every_exercise_and_mistake():
    for ex in EXERCISES:
        students = {c.student for c in NORMAL if c.exercise == ex.name}
        assert any(s.endswith("-solution") for s in students) and any(s.endswith("-stub") for s in students)
        assert sum(c.exercise == ex.name for c in HOSTILE) >= 5
    assert len(HOSTILE) + len(ZIP) >= 60


SAMPLE = [c.student for c in HOSTILE if c.student.endswith(("-os-exit", "01-liar-eq", "-forges-replies",
                                                           "-forbidden-import"))]


def test_a_submission_graded_alone_gets_what_it_got_in_the_batch(hostile_run, tmp_path):
    """Batch and alone agree: a sample of the hostile corpus graded one at a time."""
    cases = [c for c in HOSTILE if c.student in SAMPLE]
    assert len(cases) == 4
    keys = ("id", "earned", "passed", "kind", "message", "hidden")
    for case in cases:
        folder = write_flat([case], tmp_path / case.student / "in")
        out = tmp_path / case.student / "out"
        proc = subprocess.run(grade_cmd(folder, out, "-q", "--timeout", str(HOSTILE_TIMEOUT)), capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        alone = next(r for r in json.loads((out / "results.json").read_text())["submissions"]
                     if r["student"] == case.student)
        batch = hostile_run.results[(case.student, case.exercise)]
        assert [{k: q[k] for k in keys} for q in alone["questions"]] == \
               [{k: q[k] for k in keys} for q in batch["questions"]], case.student


def _outputs(run) -> str:
    texts = [(run.out / "results.json").read_text(), (run.out / "gradebook.csv").read_text(), run.proc.stdout]
    texts += [p.read_text() for p in (run.out / "feedback").rglob("*.md")]
    return "\n".join(texts)


def test_no_hidden_test_source_reaches_any_output(hostile_run):
    text = _outputs(hostile_run)
    lines = {line.strip() for ex in EXERCISES for q in ex.questions.values()
             for block in hidden_blocks(ex.nb.cells[q.cell].source) for line in block.splitlines()}
    leaked = [line for line in lines if len(line) > 25 and line in text]
    assert leaked == []


def test_every_message_flag_and_finding_is_capped(hostile_run):
    for r in hostile_run.results.values():
        assert len(r["flags"]) <= 50 and all(len(f["what"]) <= 300 for f in r["flags"])
        assert all(len(q["message"]) <= 2000 for q in r["questions"]) and len(r["reason"]) <= 2000
    huge = hostile_run.results[("h-huge-findings", EXERCISES[0].name)]
    assert len(huge["flags"]) == 50


def test_awkward_student_names_get_unique_safe_files_and_inert_csv_cells(hostile_run):
    out = hostile_run.out
    folders = sorted(p.name for p in (out / "feedback").iterdir())
    assert len(folders) == len({r["student"] for r in hostile_run.results.values()})
    assert all(name.isascii() and "/" not in name and not name.startswith(".") for name in folders)
    raw = (out / "gradebook.csv").read_text()
    import csv
    import io
    cells = [c for row in csv.reader(io.StringIO(raw)) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or c[:1] == "-" and not c[1:].replace(".", "").isdigit()]
    for name in NAMED[:4]:
        assert "'" + name in cells
    from book.grading.grade import csv_cell
    assert [csv_cell(x) for x in ("-2+3", "-1", "@x", "\tx", "ok")] == ["'-2+3", "'-1", "'@x", "'\tx", "ok"]


def test_links_and_odd_files_are_never_followed(hostile_run):
    assert "h-linked-folder (a symbolic link: not followed)" in hostile_run.proc.stdout
    assert not any(s == "h-linked-folder" for s, _ in hostile_run.results)


def test_no_process_outlives_the_grading(hostile_run, zip_run):
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "/opt/lcb/runner/answers.py" not in ps and "/bin/sleep 600" not in ps


def test_same_submission_same_grade(normal_run):
    twins = [c for c in NORMAL if c.student.endswith("-again")]
    assert twins
    for twin in twins:
        first = normal_run.results[(twin.student[: -len("-again")], twin.exercise)]
        again = normal_run.results[(twin.student, twin.exercise)]
        keys = ("id", "earned", "passed", "kind", "message", "hidden")
        assert [{k: q[k] for k in keys} for q in first["questions"]] == \
               [{k: q[k] for k in keys} for q in again["questions"]]


def test_grading_never_touches_the_submissions(normal_run, hostile_run, zip_run):
    for run in (normal_run, hostile_run, zip_run):
        folder = run.submissions.parent if run.submissions.is_file() else run.submissions
        assert snapshot(folder) == run.before


def test_summary_reports_graded_and_could_not_run_by_reason(hostile_run):
    text = hostile_run.proc.stdout
    cnr = [c for c in HOSTILE if c.status == "could_not_run"]
    assert f"could not run (scored 0): {len(cnr)}" in text
    for label in (f"not valid JSON: {1 + len(NAMED)}", "empty file: 1", "not nbformat 4: 1",
                  "another exercise's notebook: 1", "not a regular file, or unsafe in its archive: 3"):
        assert label in text, text
    assert "limits hit (cells):" in text and "flagged" in text
    assert f"{len(HOSTILE)} submissions from {len(HOSTILE)} students" in text
    assert "NOT SANDBOXED" not in text
