"""Finding submissions: a folder per student, flat <student>_<exercise> files, .zip exports."""
from __future__ import annotations

import os
import zipfile

import pytest
from grading_corpus import EXERCISES

from book.grading.submissions import LayoutError, extract_zip, find_submissions, match_exercise

NAMES = [ex.name for ex in EXERCISES]
EX = NAMES[0]
NUM = EX[:2]


def touch(path, text="{}", mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def found(subs):
    return sorted((s.student, s.exercise, s.shown) for s in subs)


def test_exercise_is_matched_by_name_or_number():
    assert match_exercise(EX, NAMES) == EX
    assert match_exercise(f"{EX.upper()} (1)", NAMES) == EX
    assert match_exercise(f"alice_{NUM}", NAMES) == EX
    assert match_exercise("notes", NAMES) is None
    assert match_exercise(f"x{NUM}7", NAMES) is None  # 017 is not exercise 01


def test_folder_per_student_skips_checkpoints_and_lists_what_it_ignores(tmp_path):
    touch(tmp_path / "alice" / f"{EX}.ipynb")
    touch(tmp_path / "bob" / "submission" / f"{EX}.ipynb")  # nested, as platforms export
    touch(tmp_path / "bob" / ".ipynb_checkpoints" / f"{EX}-checkpoint.ipynb")
    touch(tmp_path / "carol" / "scratch.ipynb")
    touch(tmp_path / "README.txt")
    touch(tmp_path / ".hidden" / f"{EX}.ipynb")
    subs, ignored = find_submissions(tmp_path, NAMES)
    assert found(subs) == [("alice", EX, f"alice/{EX}.ipynb"), ("bob", EX, f"bob/submission/{EX}.ipynb")]
    assert any(i.startswith("carol/scratch.ipynb") for i in ignored)
    assert any(i.startswith("README.txt") for i in ignored)


def test_flat_names_give_the_student(tmp_path):
    touch(tmp_path / f"mary_jane_{EX}.ipynb")
    touch(tmp_path / f"bob-{NUM}.ipynb")
    touch(tmp_path / f"{EX}.ipynb")  # whose?
    subs, ignored = find_submissions(tmp_path, NAMES)
    assert found(subs) == [("bob", EX, f"bob-{NUM}.ipynb"), ("mary_jane", EX, f"mary_jane_{EX}.ipynb")]
    assert any(i.startswith(f"{EX}.ipynb") for i in ignored)


def test_several_notebooks_for_one_exercise_grade_the_exact_name_else_the_newest(tmp_path):
    touch(tmp_path / "alice" / f"{EX} (1).ipynb", mtime=2_000_000_000)
    touch(tmp_path / "alice" / f"{EX}.ipynb", mtime=1_000_000_000)
    touch(tmp_path / "bob" / f"{EX} (1).ipynb", mtime=1_000_000_000)
    touch(tmp_path / "bob" / f"{EX}-final.ipynb", mtime=2_000_000_000)
    subs, _ = find_submissions(tmp_path, NAMES)
    by = {s.student: s for s in subs}
    assert by["alice"].shown == f"alice/{EX}.ipynb" and "2 notebooks matched" in by["alice"].note
    assert by["bob"].shown == f"bob/{EX}-final.ipynb"


def test_zip_export_with_a_wrapping_folder_and_unsafe_names(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"course-export/alice/{EX}.ipynb", "{}")
        zf.writestr(f"course-export/bob/{EX}.ipynb", "{}")
        zf.writestr(f"../../evil_{EX}.ipynb", "{}")
        zf.writestr(f"__MACOSX/course-export/alice/._{EX}.ipynb", "{}")
        zf.writestr("course-export/alice/data.csv", "1,2")
    into = tmp_path / "unpacked"
    into.mkdir()
    root, problems, strays = extract_zip(archive, into)
    subs, ignored = find_submissions(root, NAMES, "export.zip", problems, strays)
    assert found(subs) == [("alice", EX, f"export.zip/course-export/alice/{EX}.ipynb"),
                           ("bob", EX, f"export.zip/course-export/bob/{EX}.ipynb"),
                           ("evil", EX, f"export.zip/evil_{EX}.ipynb")]
    evil = next(s for s in subs if s.student == "evil")
    assert evil.path is None and "outside the archive" in evil.problem
    assert not (tmp_path / f"evil_{EX}.ipynb").exists()
    assert all(p.is_relative_to(into) for p in into.rglob("*"))


def test_a_single_students_folder_is_not_taken_for_a_wrapper(tmp_path):
    touch(tmp_path / "alice" / f"{EX}.ipynb")
    subs, _ = find_submissions(tmp_path, NAMES)
    assert found(subs) == [("alice", EX, f"alice/{EX}.ipynb")]


def test_a_file_that_is_not_a_zip_is_a_clear_error(tmp_path):
    bad = touch(tmp_path / "export.zip", "not a zip")
    with pytest.raises(LayoutError, match="not a readable .zip"):
        extract_zip(bad, tmp_path)
