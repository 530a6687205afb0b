"""The student's self-check (`python -m book.grading check`): visible tests, per question, the test's
message and the points at stake."""
from __future__ import annotations

import subprocess
import sys

from grading_corpus import HOSTILE, ROOT, filled, released, solution_answers, write

EX = HOSTILE


def self_check(path, *extra):
    return subprocess.run([sys.executable, "-m", "book.grading", "check", str(path), *extra], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def test_self_check_on_the_released_stub_fails_every_question_with_its_message(tmp_path):
    path = tmp_path / f"{EX.name}.ipynb"
    path.write_bytes(write(released(EX)))
    proc = self_check(path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for q in EX.questions.values():
        line = next(l for l in proc.stdout.splitlines() if f" {q.id} " in l or l.rstrip().endswith(q.id))
        assert "FAILED" in line and f"{q.points:g} point" in line
    assert proc.stdout.count("Replace this line with your code") == len(EX.questions)
    assert f"0 of {len(EX.questions)} questions" in proc.stdout
    assert "Hidden tests are not in your notebook" in proc.stdout


def test_self_check_on_a_solved_notebook_passes_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / f"{EX.name}.ipynb"
    data = write(filled(EX, solution_answers(EX)))
    path.write_bytes(data)
    proc = self_check(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("  passed  ") == len(EX.questions)
    assert f"{EX.total_points:g} of {EX.total_points:g} points" in proc.stdout
    assert path.read_bytes() == data


def test_self_check_on_a_broken_file_says_what_is_wrong(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{")
    proc = self_check(path)
    assert proc.returncode == 2
    assert "not valid JSON" in proc.stderr
