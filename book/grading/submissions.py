"""Find the submissions in a folder or a .zip: who handed in which exercise, in which file.

Layouts (a .zip of any of them is the same; a single wrapping folder inside it is looked through):

* one folder per student: ``alice/01_perceptron.ipynb`` (notebooks may sit deeper inside the
  student's folder, as LMS exports nest them);
* flat: ``alice_01_perceptron.ipynb`` (also ``alice-01_perceptron.ipynb``, ``alice_01.ipynb``).

A notebook belongs to an exercise when its file name contains the exercise's name
(``01_perceptron``, any case), or else its two-digit number (``01``) as a separate token.
Jupyter's ``.ipynb_checkpoints``, hidden files and ``__MACOSX`` are skipped; so is anything that is
not a notebook. When a student's folder holds several notebooks for one exercise, the one named
exactly after it is graded, else the most recently modified, and the result says so.
"""
from __future__ import annotations

import os
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SKIP_DIRS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}
MAX_ZIP_BYTES = 2 * 2**30
MAX_ZIP_FILES = 100_000


class LayoutError(ValueError):
    """SUBMISSIONS cannot be read; the message says what was expected."""


@dataclass
class Submission:
    student: str
    exercise: str        # the exercise's name, e.g. "01_perceptron"
    path: Path           # the file the grader reads
    shown: str           # the file as the instructor knows it (relative to SUBMISSIONS)
    note: str = ""       # e.g. "3 notebooks matched; graded the newest"


def match_exercise(stem: str, exercises) -> str | None:
    """The exercise a file name refers to, or None."""
    low = stem.lower()
    named = [e for e in exercises if e.lower() in low]
    if named:
        return max(named, key=len)
    numbered = [e for e in exercises if re.search(rf"(?<![0-9]){re.escape(e[:2])}(?![0-9])", low)]
    return numbered[0] if len(numbered) == 1 else None


def _student_from_flat(stem: str, exercise: str) -> str:
    low = stem.lower()
    at = low.find(exercise.lower())
    if at < 0:
        m = re.search(rf"(?<![0-9]){re.escape(exercise[:2])}(?![0-9])", low)
        at = m.start() if m else len(stem)
    return stem[:at].strip(" _-.")


def _visible(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return not any(p.startswith(".") or p in SKIP_DIRS for p in parts)


def _notebooks(folder: Path):
    return sorted(p for p in folder.rglob("*.ipynb") if p.is_file() and _visible(p, folder))


def extract_zip(archive: Path, into: Path) -> Path:
    """Extract the notebooks of a .zip into `into` (safely); return the folder to read."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise LayoutError(f"{archive}: not a readable .zip ({e})") from e
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_FILES or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            raise LayoutError(f"{archive}: too large to unpack ({len(infos)} files, "
                              f"{sum(i.file_size for i in infos)} bytes)")
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or not name.name.endswith(".ipynb"):
                continue
            if any(p.startswith(".") or p in SKIP_DIRS for p in name.parts):
                continue
            target = into.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                dst.write(src.read(MAX_ZIP_BYTES))
            stamp = time.mktime(info.date_time + (0, 0, -1))
            os.utime(target, (stamp, stamp))
    return into


def unwrap(root: Path, exercises) -> Path:
    """Look through folders that only wrap the submissions (``export/alice/...``, ``export/a_01.ipynb``)."""
    while True:
        entries = [p for p in root.iterdir() if _visible(p, root)]
        if len(entries) != 1 or not entries[0].is_dir():
            return root
        inner = entries[0]
        notebooks = [p for p in inner.iterdir() if p.suffix == ".ipynb" and _visible(p, inner)]
        flat = [p for p in notebooks if (ex := match_exercise(p.stem, exercises)) and _student_from_flat(p.stem, ex)]
        if notebooks and not flat:
            return root  # a single student's folder
        root = inner


def find_submissions(root: Path, exercises, shown_root: str = "") -> tuple[list[Submission], list[str]]:
    """(submissions, ignored files) under `root`, a folder (a .zip is extracted first by the caller)."""
    subs: dict[tuple[str, str], list[Submission]] = {}
    ignored = []
    top = root
    root = unwrap(root, exercises)
    prefix = "/".join(x for x in (shown_root, root.relative_to(top).as_posix()) if x and x != ".")
    prefix = f"{prefix}/" if prefix else ""
    for entry in sorted(root.iterdir()):
        if not _visible(entry, root):
            continue
        if entry.is_dir():
            for nb in _notebooks(entry):
                ex = match_exercise(nb.stem, exercises)
                rel = prefix + nb.relative_to(root).as_posix()
                if ex is None:
                    ignored.append(f"{rel} (no exercise's name or number in the file name)")
                    continue
                subs.setdefault((entry.name, ex), []).append(Submission(entry.name, ex, nb, rel))
        elif entry.suffix == ".ipynb":
            ex = match_exercise(entry.stem, exercises)
            rel = prefix + entry.name
            student = _student_from_flat(entry.stem, ex) if ex else ""
            if ex is None or not student:
                ignored.append(f"{rel} (expected <student>_<exercise>.ipynb, or a folder per student)")
                continue
            subs.setdefault((student, ex), []).append(Submission(student, ex, entry, rel))
        else:
            ignored.append(f"{prefix}{entry.name} (not a notebook or a student's folder)")
    out = []
    for (student, ex), found in sorted(subs.items()):
        if len(found) == 1:
            out.append(found[0])
            continue
        exact = [s for s in found if s.path.stem.lower() == ex.lower()]
        pick = exact[0] if len(exact) == 1 else max(found, key=lambda s: (s.path.stat().st_mtime, s.shown))
        pick.note = (f"{len(found)} notebooks matched {ex} ({', '.join(s.shown for s in found)}); "
                     f"graded {pick.shown}")
        out.append(pick)
    return out, ignored
