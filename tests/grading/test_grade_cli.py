"""--help documents the command; bad arguments get a clear message and exit status 2."""
from __future__ import annotations

import subprocess
import sys

import pytest
from grading_corpus import ROOT


def cli(*args):
    return subprocess.run([sys.executable, "-m", "book.grading", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_grade_help_documents_layouts_outputs_and_exit_status():
    text = cli("grade", "--help").stdout
    for phrase in ("SUBMISSIONS", "--out", "--exercise", "-j JOBS", "--timeout", "--force", ".zip",
                   "alice/01_perceptron.ipynb", "alice_01_perceptron.ipynb", "gradebook.csv", "results.json",
                   "feedback/<student>/<exercise>.md", "Exit status: 0 when every submission got a grade",
                   "resumes", "never modified"):
        assert phrase in text, phrase


def test_self_check_help_shows_both_ways_to_run_the_tests():
    text = cli("check", "--help").stdout
    assert "pytest --nbval-lax exercises/01_perceptron.ipynb" in text
    assert "Hidden tests" in text


@pytest.mark.parametrize("args, phrase", [
    (["grade", "no/such/folder", "--out", "OUT"], "no such folder"),
    (["grade", "book", "--out", "OUT"], "no submissions found"),
    (["grade", "book", "--out", "OUT", "-j", "0"], "at least 1"),
    (["grade", "book", "--out", "OUT", "--exercise", "99"], "matches 0 exercises"),
    (["grade", "book", "--out", "book/x"], "inside SUBMISSIONS"),
])
def test_bad_arguments_exit_2_with_a_clear_message(args, phrase, tmp_path):
    args = [str(tmp_path / a) if a in ("OUT",) else a for a in args]
    proc = cli(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert phrase in proc.stderr
    assert not (ROOT / "book" / "x").exists()


def test_the_kernel_may_take_the_notebooks_time_limit_to_start(tmp_path):
    """nbval gives a kernel one minute to start; on a busy machine the grader's own kernel can take
    longer, which must not turn into a grader error: the notebook's time limit bounds the wait."""
    from book.grading.run import Limits, pytest_args

    args = pytest_args(tmp_path / "nb.ipynb", tmp_path, tmp_path, Limits(notebook_timeout=321.0))
    assert args[args.index("--nbval-kernel-startup-timeout") + 1] == "321"
