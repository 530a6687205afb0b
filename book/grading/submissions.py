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
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}
MAX_ZIP_BYTES = 2 * 2**30          # all members together, unpacked
MAX_ZIP_FILES = 100_000
MAX_NOTEBOOK_BYTES = 64 * 2**20    # one notebook, on disk or unpacked


class LayoutError(ValueError):
    """SUBMISSIONS cannot be read; the message says what was expected."""


@dataclass
class Submission:
    student: str
    exercise: str        # the exercise's name, e.g. "01_perceptron"
    path: Path | None    # the file the grader reads (None: an archive member that was not unpacked)
    shown: str           # the file as the instructor knows it (relative to SUBMISSIONS)
    note: str = ""       # e.g. "3 notebooks matched; graded the newest"
    problem: str = ""    # why the file cannot be graded at all (an unsafe archive member, not a regular file)


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


def _kind(path: Path) -> str:
    """'file', 'dir', 'link' or 'other' (fifo, device, socket), never following a link."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "other"
    return ("link" if stat.S_ISLNK(mode) else "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode)
            else "other")


def _notebooks(folder: Path, ignored: list, shown) -> list[Path]:
    """The notebooks under `folder`, never following a symbolic link; odd entries go to `ignored`."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for d in list(dirnames):
            if _kind(here / d) == "link":
                dirnames.remove(d)
                if _visible(here / d, folder):
                    ignored.append(f"{shown(here / d)} (a symbolic link: not followed)")
        dirnames[:] = [d for d in dirnames if _visible(here / d, folder)]
        for f in filenames:
            p = here / f
            if not f.endswith(".ipynb") or not _visible(p, folder):
                continue
            kind = _kind(p)
            if kind == "file":
                out.append(p)
            else:
                ignored.append(f"{shown(p)} ({'a symbolic link: not followed' if kind == 'link' else 'not a regular file'})")
    return sorted(out)


def read_untrusted(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """A submission's bytes: a regular file (no link, fifo or device), at most `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path.name} is not a regular file")
        if st.st_size > limit:
            raise OSError(f"{path.name} is larger than {limit // 2**20} MB")
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def _safe_parts(name: str):
    """(the member's path as safe parts, whether it tried to leave the archive's folder)."""
    raw = name.replace("\\", "/").split("/")
    escape = name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in raw
    parts = []
    for p in raw:
        p = re.sub(r"[\x00-\x1f:*?\"<>|]", "_", p).strip()
        if p in ("", ".", ".."):
            continue
        parts.append(p[:120])
    return parts, escape


def extract_zip(archive: Path, into: Path) -> tuple[Path, dict[str, str], list[tuple[list[str], str]]]:
    """Extract the notebooks of a .zip into `into`, member by member.

    Returns (the folder, problems, strays): `problems` maps each unpacked file that must not be
    graded (its member was corrupt, too large, a link, or clashed with another member) to the
    reason; `strays` are members not unpacked at all (a path leaving the archive's folder, a name a
    folder already has), as (safe path parts, reason). Both are reported against the student the
    name points to. Only an unreadable archive as a whole raises LayoutError.
    """
    problems: dict[str, str] = {}
    strays: list[tuple[list[str], str]] = []
    try:
        zf = zipfile.ZipFile(archive)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as e:
        raise LayoutError(f"{archive}: not a readable .zip ({str(e)[:200]})") from e
    if len(infos) > MAX_ZIP_FILES:
        raise LayoutError(f"{archive}: {len(infos)} members; more than {MAX_ZIP_FILES} is not a class export")
    total = 0
    with zf:
        for info in infos:
            if info.is_dir():
                continue
            parts, escape = _safe_parts(info.filename)
            shown = info.filename.encode("utf-8", "backslashreplace").decode()[:200]
            if not parts or not parts[-1].endswith(".ipynb"):
                continue
            if any(p.startswith(".") or p in SKIP_DIRS for p in parts):
                continue
            target = into.joinpath(*parts)
            rel = "/".join(parts)
            reason = ""
            if escape:
                strays.append((parts, f"the archive member {shown!r} points outside the archive's folder"))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                reason = f"the archive member {shown!r} is a symbolic link"
            elif info.file_size > MAX_NOTEBOOK_BYTES or total + info.file_size > MAX_ZIP_BYTES:
                reason = f"the archive member {shown!r} unpacks to more than {MAX_NOTEBOOK_BYTES // 2**20} MB"
            try:
                blocker = next((q for q in list(reversed(target.parents)) if into in q.parents and q.exists()
                                and not q.is_dir()), None)
                if blocker is not None:
                    key = blocker.relative_to(into).as_posix()
                    problems[key] = f"the archive has {key!r} both as a file and as a folder"
                    continue
                if target.is_dir():
                    strays.append((parts, f"the archive has {rel!r} both as a file and as a folder"))
                    continue
                if target.exists():
                    problems[rel] = f"the archive holds {rel!r} more than once"
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                data = b""
                if not reason:
                    try:
                        with zf.open(info) as src:
                            data = src.read(MAX_NOTEBOOK_BYTES + 1)
                        if len(data) > MAX_NOTEBOOK_BYTES:
                            reason = f"the archive member {shown!r} unpacks to more than {MAX_NOTEBOOK_BYTES // 2**20} MB"
                            data = b""
                    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
                            RuntimeError) as e:
                        reason = f"the archive member {shown!r} is corrupt ({str(e)[:100]})"
                        data = b""
                total += len(data)
                target.write_bytes(data)
                if reason:
                    problems[rel] = reason
                else:
                    try:
                        stamp = time.mktime(info.date_time + (0, 0, -1))
                        os.utime(target, (stamp, stamp))
                    except (OverflowError, ValueError, OSError):
                        pass
            except OSError as e:
                strays.append((parts, f"the archive member {shown!r} could not be unpacked ({str(e)[:100]})"))
    return into, problems, strays


def unwrap(root: Path, exercises) -> Path:
    """Look through folders that only wrap the submissions (``export/alice/...``, ``export/a_01.ipynb``)."""
    while True:
        entries = [p for p in root.iterdir() if _visible(p, root)]
        if len(entries) != 1 or _kind(entries[0]) != "dir":
            return root
        inner = entries[0]
        notebooks = [p for p in inner.iterdir() if p.suffix == ".ipynb" and _visible(p, inner) and _kind(p) == "file"]
        flat = [p for p in notebooks if (ex := match_exercise(p.stem, exercises)) and _student_from_flat(p.stem, ex)]
        if notebooks and not flat:
            return root  # a single student's folder
        root = inner


def find_submissions(root: Path, exercises, shown_root: str = "", problems=None,
                     strays=()) -> tuple[list[Submission], list[str]]:
    """(submissions, ignored files) under `root`, a folder (a .zip is extracted first by the caller);
    `problems` and `strays` (from :func:`extract_zip`) are archive members that must not be graded."""
    problems = problems or {}
    subs: dict[tuple[str, str], list[Submission]] = {}
    ignored = []
    top = root
    root = unwrap(root, exercises)
    prefix = "/".join(x for x in (shown_root, root.relative_to(top).as_posix()) if x and x != ".")
    prefix = f"{prefix}/" if prefix else ""
    def shown(p):
        return prefix + p.relative_to(root).as_posix()

    for entry in sorted(root.iterdir()):
        if not _visible(entry, root):
            continue
        kind = _kind(entry)
        if kind in ("link", "other"):
            why = "a symbolic link: not followed" if kind == "link" else "not a regular file"
            ex = match_exercise(entry.stem, exercises) if entry.suffix == ".ipynb" else None
            student = _student_from_flat(entry.stem, ex) if ex else ""
            if student:
                subs.setdefault((student, ex), []).append(
                    Submission(student, ex, entry, shown(entry), problem=f"{shown(entry)} is {why.split(':')[0]}"))
            else:
                ignored.append(f"{shown(entry)} ({why})")
            continue
        if kind == "dir":
            for nb in _notebooks(entry, ignored, shown):
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
    for found in subs.values():
        for sub in found:
            sub.problem = sub.problem or problems.get(sub.path.relative_to(top).as_posix(), "")
    for parts, reason in strays:
        stem = parts[-1][: -len(".ipynb")]
        ex = match_exercise(stem, exercises)
        student = (_student_from_flat(stem, ex) or (parts[-2] if len(parts) > 1 else "")) if ex else ""
        shown_name = f"{shown_root}/{'/'.join(parts)}" if shown_root else "/".join(parts)
        if not student:
            ignored.append(f"{shown_name} ({reason})")
        elif (student, ex) in subs:
            for sub in subs[(student, ex)]:
                sub.problem = sub.problem or reason
        else:
            subs[(student, ex)] = [Submission(student, ex, None, shown_name, problem=reason)]
    out = []
    for (student, ex), found in sorted(subs.items()):
        if len(found) == 1:
            out.append(found[0])
            continue
        exact = [s for s in found if s.path and s.path.stem.lower() == ex.lower()]
        pick = exact[0] if len(exact) == 1 else max(found, key=lambda s: (s.path.lstat().st_mtime if s.path else 0,
                                                                          s.shown))
        pick.note = (f"{len(found)} notebooks matched {ex} ({', '.join(s.shown for s in found)}); "
                     f"graded {pick.shown}")
        out.append(pick)
    return out, ignored
