"""Gradebooks a learning platform imports, written from OUT/results.json.

* ``canvas.csv``: Canvas's gradebook import layout, ``Student, ID, SIS User ID, SIS Login ID,
  Section`` then a column per assignment (one per exercise), with a ``Points Possible`` row; Canvas
  matches a row to a student by ``ID`` (its user id; the roster's ``lms_id``).
* ``moodle.csv``: for Moodle's CSV grade import: an identifier column per kind Moodle can map
  (``Email address``, ``ID number``) and a grade column per exercise; in the import form, map
  "Email address" to "email address" (or "ID number" to "idnumber") and each exercise column to its
  grade item.
* ``gradescope.json``: per student and exercise, the Gradescope autograder ``results.json``
  document: ``score``, ``tests`` with ``name``, ``score``, ``max_score``, ``output``, ``visibility``.
  A question is reported by its name, points and the test's message; never a test's source.

The roster (``--roster``, header ``student,lms_id,email,name``) maps the gradebook's student names
to the platform's ids. Students the roster lacks are left out of canvas.csv and moodle.csv (the
platform could not match them) and listed; roster entries without any submission are listed too.
Every CSV cell is neutralised against spreadsheet formulas (:func:`book.grading.grade.csv_cell`).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from .grade import NOT_SANDBOXED, _points, csv_cell, write_text

ROSTER_HEADER = ["student", "lms_id", "email", "name"]
FORMATS = ("canvas", "moodle", "gradescope")


class RosterError(ValueError):
    """The roster cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Person:
    student: str
    lms_id: str
    email: str
    name: str


def read_roster(path) -> dict[str, Person]:
    """The roster's entries by gradebook student name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise RosterError(f"--roster {path}: cannot be read ({e})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip().lower() for c in rows[0]] != ROSTER_HEADER:
        raise RosterError(f"--roster {path}: the first line must be the header {','.join(ROSTER_HEADER)}, "
                          f"found {','.join(rows[0]) if rows else 'an empty file'}")
    out: dict[str, Person] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 4:
            raise RosterError(f"--roster {path}, line {n}: expected 4 cells (student,lms_id,email,name), found {len(row)}")
        p = Person(*(c.strip() for c in row))
        if not p.student or not p.lms_id:
            raise RosterError(f"--roster {path}, line {n}: student and lms_id must not be empty")
        if p.student in out:
            raise RosterError(f"--roster {path}, line {n}: student {p.student!r} is listed twice")
        out[p.student] = p
    return out


def _people(doc: dict, roster: dict[str, Person] | None):
    students = sorted({r["student"] for r in doc["submissions"]})
    if roster is None:
        return [Person(s, "", "", s) for s in students], [], []
    known = [roster[s] for s in students if s in roster]
    missing = [s for s in students if s not in roster]
    absent = sorted(s for s in roster if s not in set(students))
    return known, missing, absent


def _scores(doc: dict) -> dict[tuple[str, str], dict]:
    return {(r["student"], r["exercise"]): r for r in doc["submissions"]}


def _grade(r: dict | None) -> str:
    """The points a platform records: blank when the grader failed on it (not a grade), 0 when missing."""
    if r is None:
        return "0"
    if r["status"] == "error":
        return ""
    return _points(r["score"])


def canvas_text(doc: dict, people: list[Person]) -> str:
    names = list(doc["exercises"])
    by = _scores(doc)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *names]])
    w.writerow([csv_cell(c) for c in ["Points Possible", "", "", "", "",
                                      *(_points(doc["exercises"][n]["points"]) for n in names)]])
    for p in people:
        w.writerow([csv_cell(c) for c in [p.name, p.lms_id, "", "", "",
                                          *(_grade(by.get((p.student, n))) for n in names)]])
    return buf.getvalue()


def moodle_text(doc: dict, people: list[Person]) -> str:
    names = list(doc["exercises"])
    by = _scores(doc)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in ["Email address", "ID number", "Full name", *names]])
    for p in people:
        w.writerow([csv_cell(c) for c in [p.email, p.lms_id, p.name,
                                          *(_grade(by.get((p.student, n))) for n in names)]])
    return buf.getvalue()


def gradescope_results(r: dict) -> dict:
    """One submission's result in Gradescope's autograder results.json schema."""
    tests = [{"name": q["id"], "score": q["earned"], "max_score": q["points"],
              "output": "passed" if q["passed"] else
              ("A hidden test failed: " if q.get("hidden") else "") + (q.get("message") or "failed"),
              "visibility": "visible"} for q in r.get("questions", [])]
    doc = {"score": r["score"] if r["status"] != "error" else 0.0, "tests": tests}
    notes = []
    if r.get("sandbox") == "none":
        notes.append(NOT_SANDBOXED)
    if r["status"] != "graded":
        notes.append(f"{r['exercise']}: {r['reason']}")
    if notes:
        doc["output"] = "\n".join(notes)
    return doc


def gradescope_doc(doc: dict, people: list[Person]) -> dict:
    by = _scores(doc)
    entries = []
    for p in people:
        for n in doc["exercises"]:
            r = by.get((p.student, n))
            if r is not None:
                entries.append({"student": p.student, "lms_id": p.lms_id, "email": p.email, "name": p.name,
                                "exercise": n, "results": gradescope_results(r)})
    return {"schema": "gradescope autograder results.json, one per student and exercise", "submissions": entries}


def export_all(out: Path, formats, roster: dict[str, Person] | None) -> str:
    """Write the chosen formats next to OUT/gradebook.csv; return the lines the summary prints."""
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    people, missing, absent = _people(doc, roster)
    written = []
    if "canvas" in formats:
        write_text(out / "canvas.csv", canvas_text(doc, people))
        written.append(out / "canvas.csv")
    if "moodle" in formats:
        write_text(out / "moodle.csv", moodle_text(doc, people))
        written.append(out / "moodle.csv")
    if "gradescope" in formats:
        write_text(out / "gradescope.json", json.dumps(gradescope_doc(doc, people), indent=1) + "\n")
        written.append(out / "gradescope.json")
    lines = []
    if roster is not None:
        lines.append(f"roster: {len(people)} students matched")
        if missing:
            lines.append(f"  not in the roster (left out of the exports): {len(missing)} ({', '.join(missing)})")
        if absent:
            lines.append(f"  in the roster without a submission: {len(absent)} ({', '.join(absent)})")
    elif formats:
        lines.append("no --roster: the exports name students as the gradebook does, without platform ids")
    if written:
        lines.append("wrote " + ", ".join(str(p) for p in written))
    return "\n".join(lines)
