"""Every submission of both corpora gets exactly the grade its case says, for the reason it says."""
from __future__ import annotations

import pytest
from grading_corpus import EXERCISES, hostile_cases, normal_cases, snapshot

BY_NAME = {ex.name: ex for ex in EXERCISES}
NORMAL = normal_cases()
HOSTILE = hostile_cases()


def check_case(run, case):
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
        return
    failed = {q["id"] for q in r["questions"] if not q["passed"]}
    assert failed == case.fails, (f"{case.student}: expected exactly {sorted(case.fails)} to fail, "
                                  f"got {sorted(failed)}:\n{detail}")
    for q in r["questions"]:
        if q["passed"]:
            assert q["earned"] == points[q["id"]]
        else:
            assert q["earned"] == 0 and q["message"], f"{case.student}: {q['id']} failed without a reason"
            if case.why:
                assert case.why in q["message"], f"{case.student}: {q['id']}: {q['message']!r} lacks {case.why!r}"
    assert r["score"] == ex.total_points - sum(points[q] for q in case.fails)
    if case.flag:
        severity, phrase = case.flag
        assert any(f["severity"] == severity and phrase in f["what"] for f in r["flags"]), (
            f"{case.student}: expected a {severity} flag about {phrase!r}, got {r['flags']}")


@pytest.mark.parametrize("case", NORMAL, ids=[c.student for c in NORMAL])
def test_normal_submission_gets_its_grade(normal_run, case):
    check_case(normal_run, case)
    r = normal_run.results[(case.student, case.exercise)]
    assert r["flags"] == [], f"{case.student}: an honest submission was flagged: {r['flags']}"
    assert r["passes"] == 1


@pytest.mark.parametrize("case", HOSTILE, ids=[c.student for c in HOSTILE])
def test_hostile_submission_gets_its_grade(hostile_run, case):
    check_case(hostile_run, case)


def test_the_corpus_covers_every_exercise_and_mistake():
    for ex in EXERCISES:
        students = {c.student for c in NORMAL if c.exercise == ex.name}
        assert any(s.endswith("-solution") for s in students) and any(s.endswith("-stub") for s in students)
    assert len(HOSTILE) >= 15


def test_same_submission_same_grade(normal_run):
    twins = [c for c in NORMAL if c.student.endswith("-again")]
    assert twins
    for twin in twins:
        first = normal_run.results[(twin.student[: -len("-again")], twin.exercise)]
        again = normal_run.results[(twin.student, twin.exercise)]
        keys = ("id", "earned", "passed", "kind", "message", "hidden")
        assert [{k: q[k] for k in keys} for q in first["questions"]] == \
               [{k: q[k] for k in keys} for q in again["questions"]]


def test_grading_never_touches_the_submissions(normal_run, hostile_run):
    for run in (normal_run, hostile_run):
        folder = run.submissions.parent if run.submissions.is_file() else run.submissions
        assert snapshot(folder) == run.before


def test_summary_reports_graded_and_could_not_run_by_reason(hostile_run):
    text = hostile_run.proc.stdout
    cnr = [c for c in HOSTILE if c.status == "could_not_run"]
    assert f"could not run (scored 0): {len(cnr)}" in text
    for label in ("not valid JSON: 1", "empty file: 1", "not nbformat 4: 1", "another exercise's notebook: 1"):
        assert label in text, text
    assert "limits hit (cells):" in text and "flagged" in text
    assert f"{len(HOSTILE)} submissions from {len(HOSTILE)} students" in text
