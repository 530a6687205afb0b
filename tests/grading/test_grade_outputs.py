"""What OUT holds after a run: the gradebook, results.json, feedback, and nothing half-written."""
from __future__ import annotations

import csv
import json

from grading_corpus import EXERCISES, normal_cases

from book.grading.spec import BEGIN_HIDDEN, END_HIDDEN

BY_NAME = {ex.name: ex for ex in EXERCISES}


def _gradebook(run):
    with open(run.out / "gradebook.csv", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


def test_gradebook_header_says_what_each_column_is_worth(normal_run):
    header, _ = _gradebook(normal_run)
    want = ["student"]
    for ex in EXERCISES:
        want += [f"{ex.name}:{q.id} ({q.points:g} pts)" for q in ex.questions.values()]
        want.append(f"{ex.name} ({ex.total_points:g} pts)")
    want += [f"total ({sum(ex.total_points for ex in EXERCISES):g} pts)", "notes"]
    assert header == want


def test_gradebook_has_a_row_per_student_with_the_points_earned(normal_run):
    header, rows = _gradebook(normal_run)
    assert set(rows) == {c.student for c in normal_cases()}
    total_col = next(h for h in header if h.startswith("total ("))
    for (student, exercise), r in normal_run.results.items():
        row = rows[student]
        ex = BY_NAME[exercise]
        for q in r["questions"]:
            assert float(row[f"{exercise}:{q['id']} ({q['points']:g} pts)"]) == q["earned"]
        assert float(row[f"{exercise} ({ex.total_points:g} pts)"]) == r["score"]
        assert float(row[total_col]) == r["score"]  # each student handed in one exercise
        others = [e for e in EXERCISES if e.name != exercise]
        for other in others:
            assert f"{other.name}: not submitted" in row["notes"]
            assert row[f"{other.name} ({other.total_points:g} pts)"] == "0"


def test_results_json_holds_every_test_outcome_message_and_points(normal_run):
    doc = json.loads((normal_run.out / "results.json").read_text())
    assert doc["exercises"] == {ex.name: {"points": ex.total_points,
                                          "questions": {q.id: q.points for q in ex.questions.values()}}
                                for ex in EXERCISES}
    assert len(doc["submissions"]) == len(normal_cases())
    for r in doc["submissions"]:
        for q in r["questions"]:
            assert set(q) >= {"id", "points", "earned", "passed", "kind", "message"}
            assert q["passed"] == (q["earned"] == q["points"]) and (q["passed"] or q["message"])


def test_feedback_tells_each_student_per_question(normal_run):
    for (student, exercise), r in normal_run.results.items():
        text = (normal_run.out / "feedback" / student / f"{exercise}.md").read_text()
        assert text.startswith(f"# {exercise}: {r['score']:g} of {r['max']:g} points")
        for q in r["questions"]:
            state = "passed" if q["passed"] else "failed"
            assert f"| {q['id']} | {state} | {q['earned']:g} / {q['points']:g} |" in text
            if not q["passed"]:
                assert q["message"] in text
    stub = normal_run.results[(f"ex{EXERCISES[0].name[:2]}-stub", EXERCISES[0].name)]
    assert "Replace this line with your code" in (normal_run.out / "feedback" / stub["student"] /
                                                  f"{EXERCISES[0].name}.md").read_text()


def test_outputs_are_complete_files_only(normal_run, hostile_run):
    for run in (normal_run, hostile_run):
        leftovers = [p for p in run.out.rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == []
        for path in (run.out / "graded").rglob("*.json"):
            json.loads(path.read_text())  # every per-submission file parses


def _hidden_lines(source):
    lines = source.splitlines()
    begin = [i + 1 for i, line in enumerate(lines) if line.strip() == BEGIN_HIDDEN]
    end = [i + 1 for i, line in enumerate(lines) if line.strip() == END_HIDDEN]
    return {n for b, e in zip(begin, end) for n in range(b + 1, e)}


def test_failures_in_hidden_tests_are_told_apart(normal_run):
    """A failure is marked hidden exactly when the failing line lies in a hidden block."""
    expected, marked = set(), set()
    for (student, exercise), r in normal_run.results.items():
        ex = BY_NAME[exercise]
        for q in r["questions"]:
            cell = r["cells"][str(ex.questions[q["id"]].cell)]
            if q["kind"] == "error" and cell["line"] in _hidden_lines(ex.nb.cells[ex.questions[q["id"]].cell].source):
                expected.add((student, q["id"]))
            if q.get("hidden"):
                marked.add((student, q["id"]))
                text = (normal_run.out / "feedback" / student / f"{exercise}.md").read_text()
                assert f"A hidden test failed: {q['message']}" in text
    assert marked == expected
