"""Grade a whole class: submissions in, gradebook, results and feedback out.

``grade_all`` finds the submissions (see :mod:`book.grading.submissions`), grades each one in its
own pytest + nbval process with its answers in a sandboxed answer process (see
:mod:`book.grading.run`, :mod:`book.grading.channel`, :mod:`book.grading.sandbox`), ``jobs`` at a
time, and writes into OUT:

* ``graded/<student>/<exercise>.json``: one submission's result, written as soon as it is graded;
  a later run skips a submission whose result is there, signed with the grader's key, for the same
  file and the same exercise source (unless ``force``), so an interrupted run resumes where it
  stopped;
* ``gradebook.csv``: a row per student, a column per question and per exercise, and a total;
* ``results.json``: every test's outcome, message and points, and what was flagged;
* ``feedback/<student>/<exercise>.md``: what a student reads.

Every file is written atomically (a temporary file renamed into place). Submissions are only read.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .._files import atomic_write
from .assemble import SubmissionError, assemble, forbidden_names, read_submission, validate_submission
from .run import Limits, RunResult, run_notebook, stop_all
from .sandbox import Runners
from .spec import (BEGIN_HIDDEN, END_HIDDEN, Exercise, ExerciseError, _blocks, combined_digest, parse_exercise,
                   solution_files)
from .submissions import LayoutError, Submission, extract_zip, find_submissions, read_untrusted

GRADER_VERSION = 2
MAX_TEXT = 2000      # characters kept of any message, reason or flag
MAX_FLAGS = 50
NOT_SANDBOXED = ("NOT SANDBOXED: graded with --sandbox none, so the answers ran as ordinary processes "
                 "that could read and write files and use the network")
COULD_NOT_RUN = {
    "empty": "empty file",
    "json": "not valid JSON",
    "nbformat": "not nbformat 4",
    "unreadable": "cannot be read",
    "invalid": "not a valid notebook",
    "wrong_exercise": "another exercise's notebook",
    "no_answers": "no answer cells of the exercise",
    "unsafe": "not a regular file, or unsafe in its archive",
}
LIMIT_KINDS = {"timeout": "cell time limit", "stuck": "could not be interrupted", "memory": "memory limit",
               "kernel_died": "kernel ended", "answer_died": "answer process ended", "exit": "called exit", "output": "output cap",
               "time_limit": "notebook time limit"}
# LCB_GRADE_INTERRUPT_AFTER=N: the run interrupts itself (as Ctrl-C would) once N submissions are
# graded and saved, whatever the machine's speed (how the tests interrupt a run at a known point)
INTERRUPT_AFTER = "LCB_GRADE_INTERRUPT_AFTER"
PROCESS_ENDED = {"answer_died": "your answers", "kernel_died": "the notebook"}  # which process a kind names


# -- the course -------------------------------------------------------------------------------

@dataclass
class Course:
    root: Path
    exercises: dict[str, Exercise]
    digests: dict[str, str]
    sources: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def course_sha256(self) -> str:
        """A hash over every solutions/ notebook (what a cluster worker's own copy must match)."""
        return combined_digest({f"{n}.ipynb": self.digests[n] for n in self.exercises})

    @classmethod
    def load(cls, root=".") -> "Course":
        root = Path(root).resolve()
        paths = solution_files(root)
        if not paths:
            raise ExerciseError(f"no exercises found: expected solutions/NN_name.ipynb under {root}; "
                                "run from the course folder or pass --root")
        exercises = {p.stem: parse_exercise(p) for p in paths}
        sources = {p.stem: p.read_bytes() for p in paths}
        # the digest of the very bytes a cluster worker is sent (a file edited meanwhile cannot split them)
        digests = {n: hashlib.sha256(b).hexdigest() for n, b in sources.items()}
        return cls(root, exercises, digests, sources)

    def pick(self, wanted: str | None) -> list[str]:
        """The exercise names `wanted` ("01" or "01_perceptron") refers to; all when None."""
        if not wanted:
            return list(self.exercises)
        hits = [n for n in self.exercises if wanted.lower() in (n.lower(), n.split("_")[0])]
        if len(hits) != 1:
            raise ExerciseError(f"--exercise {wanted!r} matches {len(hits)} exercises; "
                                f"choose one of {', '.join(self.exercises)} (or its number)")
        return hits


# -- one submission ---------------------------------------------------------------------------

def submission_sha256(path: Path) -> str:
    """A submission's SHA-256, or "" when it cannot be read (or is not a regular file). Not
    :func:`book._files.digest`: a submission is untrusted, so it is read only by
    :func:`~book.grading.submissions.read_untrusted` (no link, fifo or device; a size cap)."""
    try:
        return hashlib.sha256(read_untrusted(Path(path))).hexdigest() if path else ""
    except OSError:
        return ""


def _hidden_lines(source: str) -> set[int]:
    lines = source.splitlines()
    return {n + 1 for a, b in _blocks(lines, BEGIN_HIDDEN, END_HIDDEN, "") for n in range(a + 1, b)}


def _error_text(rec: dict) -> str:
    ename, message = rec.get("ename", ""), rec.get("message", "")
    if ename == "AssertionError" and message:
        return message
    return f"{ename}: {message}" if message else ename or "failed"


def describe(rec: dict, limits: Limits) -> str:
    """What happened in a cell, in words a student can act on."""
    kind = rec.get("kind")
    if kind == "error":
        return _error_text(rec)
    if kind == "timeout":
        return (f"did not finish within {limits.cell_timeout:g} s (the time limit per cell): "
                "look for a loop that never ends")
    if kind == "stuck":
        return (f"did not finish within {limits.cell_timeout:g} s and could not be interrupted, "
                "so the grader ended its Python process")
    if kind == "memory":
        return f"ran out of memory (the limit is {limits.memory_mb} MB): {rec.get('message', '')}"
    if kind == "exit":
        return (f"called sys.exit() or exit() ({_error_text(rec)}); an answer must return, "
                "not stop Python")
    if kind in PROCESS_ENDED:
        return (f"ended the Python process running {PROCESS_ENDED[kind]} ({rec.get('message', '')}); "
                "os._exit(), a signal or a crash does that")
    return rec.get("message", "") or kind or "failed"


def score(ex: Exercise, missing: dict, records: dict, limits: Limits) -> list[dict]:
    """A result per question: its points earned, whether it passed, and why not."""
    answers = {}
    for cid, i in ex.answers.items():
        rec = records.get(i, {})
        if cid in missing:
            answers[cid] = missing[cid]
        elif not rec.get("ok"):
            line = f" (line {rec['line']} of your answer cell)" if rec.get("kind") == "error" and rec.get("line") else ""
            answers[cid] = f"your answer '{cid}' {'raised ' if rec.get('kind') == 'error' else ''}" \
                           f"{describe(rec, limits)}{line}"
    out = []
    for q in ex.questions.values():
        rec = records.get(q.cell, {})
        result = {"id": q.id, "points": q.points, "earned": 0.0, "passed": False, "depends": list(q.depends),
                  "kind": rec.get("kind", "not_run"), "message": "", "hidden": False}
        problems = [answers[d] for d in q.depends if d in answers]
        if problems:
            result.update(kind="answer", message=cap("; ".join(problems)))
        elif rec.get("ok"):
            result.update(earned=q.points, passed=True, kind="passed")
        else:
            hidden = rec.get("kind") == "error" and rec.get("line") in _hidden_lines(ex.nb.cells[q.cell].source)
            result.update(message=cap(describe(rec, limits)), hidden=bool(hidden))
        out.append(result)
    return out


def cap(text, n=MAX_TEXT) -> str:
    """`text` as a str of at most `n` characters, with lone surrogates made visible, never raising."""
    try:
        text = str(text)
    except Exception:
        text = "(a message that could not be shown)"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    cut = " ... (cut by the grader)"
    return text if len(text) <= n else text[: n - len(cut)] + cut


def _runtime_flags(ex: Exercise, records: dict) -> list[dict]:
    names = {i: (c.metadata.get("grading") or {}).get("id") for i, c in enumerate(ex.nb.cells)}
    out, seen = [], set()
    for i in sorted(records):
        for severity, what in records[i].get("findings", []):
            if (severity, what) in seen:
                continue
            seen.add((severity, what))
            out.append({"severity": cap(severity, 20), "where": names.get(i) or f"cell {i}", "what": cap(what, 300)})
    return out[:MAX_FLAGS]


def _grade_safely(sub: Submission, course: Course, limits: Limits, runners: Runners) -> dict:
    """grade_submission, with a failure of the grader itself reported for this submission alone."""
    try:
        return grade_submission(sub, course, limits, runners)
    except Exception as e:
        return {"student": sub.student, "exercise": sub.exercise, "file": sub.shown, "status": "error",
                "reason": cap(f"the grader failed: {e!r}"), "reason_kind": "grader", "score": 0.0,
                "max": course.exercises[sub.exercise].total_points, "questions": [], "flags": [],
                "sandbox": runners.mode}


def grade_submission(sub: Submission, course: Course, limits: Limits, runners: Runners) -> dict:
    """Grade one submission; never raises for anything the student's file contains."""
    ex = course.exercises[sub.exercise]
    started = time.monotonic()
    result = {"student": sub.student, "exercise": ex.name, "file": sub.shown, "sha256": submission_sha256(sub.path),
              "solution_sha256": course.digests[ex.name], "grader_version": GRADER_VERSION,
              "status": "graded", "reason": "", "reason_kind": "", "score": 0.0, "max": ex.total_points,
              "questions": [], "flags": [], "note": cap(sub.note), "limits": limits.describe(), "passes": 0,
              "sandbox": runners.mode}
    try:
        if sub.problem:
            raise SubmissionError("unsafe", sub.problem)
        student = read_submission(sub.path, sub.shown)
        validate_submission(student, ex, course.exercises.values())
    except SubmissionError as e:
        reason = cap(e)
        result.update(status="could_not_run", reason=reason, reason_kind=e.kind,
                      questions=[{"id": q.id, "points": q.points, "earned": 0.0, "passed": False,
                                  "depends": list(q.depends), "kind": "could_not_run", "message": reason,
                                  "hidden": False} for q in ex.questions.values()])
        result["seconds"] = round(time.monotonic() - started, 3)
        return result
    assembly = assemble(ex, student)
    channel = runners.config(forbidden_names(ex), limits.memory_mb, limits.notebook_timeout)
    run: RunResult = run_notebook(assembly.nb, ex.name, limits, assembly.cells, channel)
    result["passes"] = run.passes
    if run.error:
        result.update(status="error", reason=cap(run.error), reason_kind="grader", log=cap(run.log[-4000:], 4000))
    else:
        result["questions"] = score(ex, assembly.missing, run.records, limits)
        result["score"] = sum(q["earned"] for q in result["questions"])
        result["flags"] = (_runtime_flags(ex, run.records) + assembly.flags)[:MAX_FLAGS]
        result["cells"] = {str(i): {k: cap(rec.get(k), 300) if isinstance(rec.get(k), str) else rec.get(k)
                                    for k in ("kind", "ename", "message", "line", "seconds")}
                           for i, rec in sorted(run.records.items())}
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


# -- files ------------------------------------------------------------------------------------

def write_text(path: Path, text: str):
    """Write `text` to `path` atomically (see :func:`book._files.atomic_write`); characters a file
    system cannot hold (a student's name, a message) are written as backslash escapes."""
    atomic_write(path, text, errors="backslashreplace", newline="")


def safe_name(name: str) -> str:
    """A file-system-safe folder name for a student."""
    safe = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", name).strip("._-") or "student"
    if safe == name and len(safe) <= 80 and safe.lower() == safe:
        return safe
    tag = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe[:80]}-{tag}"


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (a formula) gets a quote first."""
    text = cap(value, 500) if not isinstance(value, str) else cap(value, 2000)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _points(x: float) -> str:
    return f"{x:g}"


def feedback_text(r: dict, ex: Exercise) -> str:
    lines = [f"# {ex.name}: {_points(r['score'])} of {_points(r['max'])} points", ""]
    if r.get("sandbox") == "none":
        lines += [f"{NOT_SANDBOXED}.", ""]
    if r["status"] == "could_not_run":
        lines += [f"Your notebook `{r['file']}` could not be graded: {r['reason'].rstrip('.')}.", "",
                  "Every question scores 0. Fix the notebook and hand it in again, or ask your instructor.", ""]
        return "\n".join(lines)
    if r["status"] == "error":
        lines += [f"The grader could not run `{r['file']}` ({r['reason']}). This is not your doing: "
                  "your instructor has been told.", ""]
        return "\n".join(lines)
    lines += [f"Graded from `{r['file']}`. Only your answer cells were taken; the set-up cells, the tests "
              "(visible and hidden) and the points come from the course's copy of the exercise.", ""]
    if r.get("note"):
        lines += [f"Note: {r['note']}.", ""]
    lines += ["| Question | Result | Points |", "|---|---|---|"]
    for q in r["questions"]:
        lines.append(f"| {q['id']} | {'passed' if q['passed'] else 'failed'} | "
                     f"{_points(q['earned'])} / {_points(q['points'])} |")
    lines.append("")
    for q in r["questions"]:
        head = f"## {q['id']}: {'passed' if q['passed'] else 'failed'}, {_points(q['earned'])} of {_points(q['points'])} points"
        lines.append(head)
        if not q["passed"]:
            what = "A hidden test failed" if q.get("hidden") else "The test failed"
            if q["kind"] == "answer":
                what = "Not credited"
            lines.append(f"{what}: {q['message']}")
        lines.append("")
    forbidden = [f for f in r["flags"] if f["severity"] == "forbidden"]
    notes = [f for f in r["flags"] if f["severity"] == "note"]
    suspect = [f for f in r["flags"] if f["severity"] == "suspect"]
    if r["flags"]:
        lines += ["## Integrity", ""]
        for f in forbidden:
            lines.append(f"- Off-limits ({f['where']}): {f['what']}.")
        for f in notes:
            lines.append(f"- Note ({f['where']}): {f['what']}.")
        for f in suspect:
            lines.append(f"- For your instructor to review: answer '{f['where']}', line {f.get('line', '?')}, {f['what']}.")
        lines.append("")
    return "\n".join(lines)


def gradebook_text(results: list[dict], course: Course, names: list[str]) -> str:
    students = sorted({r["student"] for r in results})
    by = {(r["student"], r["exercise"]): r for r in results}
    by_student_sandbox = {r["student"]: r.get("sandbox") for r in results}
    header = ["student"]
    for n in names:
        ex = course.exercises[n]
        header += [f"{n}:{q.id} ({_points(q.points)} pts)" for q in ex.questions.values()]
        header.append(f"{n} ({_points(ex.total_points)} pts)")
    total_max = sum(course.exercises[n].total_points for n in names)
    header += [f"total ({_points(total_max)} pts)", "notes"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in header])
    for s in students:
        row, total, notes = [s], 0.0, []
        for n in names:
            ex = course.exercises[n]
            r = by.get((s, n))
            if r is None:
                row += [""] * len(ex.questions) + ["0"]
                notes.append(f"{n}: not submitted")
                continue
            earned = {q["id"]: q["earned"] for q in r["questions"]}
            if r["status"] == "error":
                row += [""] * len(ex.questions) + [""]
                notes.append(f"{n}: not graded ({r['reason']})")
                continue
            row += [_points(earned.get(q, 0.0)) for q in ex.questions] + [_points(r["score"])]
            total += r["score"]
            if r["status"] == "could_not_run":
                notes.append(f"{n}: could not run ({COULD_NOT_RUN.get(r['reason_kind'], r['reason_kind'])})")
            forbidden = [f["what"] for f in r["flags"] if f["severity"] == "forbidden"]
            if forbidden:
                notes.append(f"{n}: flagged ({'; '.join(forbidden[:3])})")
            elif any(f["severity"] == "suspect" for f in r["flags"]):
                notes.append(f"{n}: code to review")
        if by_student_sandbox.get(s) == "none":
            notes.append("not sandboxed")
        row += [_points(total), " | ".join(notes)]
        w.writerow([csv_cell(c) for c in row])
    return buf.getvalue()


def write_outputs(out: Path, course: Course, results: list[dict], names: list[str], limits: Limits):
    results = sorted(results, key=lambda r: (r["student"], r["exercise"]))
    write_text(out / "gradebook.csv", gradebook_text(results, course, names))
    modes = sorted({r.get("sandbox") or "none" for r in results})
    doc = {"grader_version": GRADER_VERSION, "limits": limits.describe(),
           "sandbox": modes[0] if len(modes) == 1 else modes,
           "sandboxed": all(r.get("sandbox") == "bwrap" for r in results),
           "exercises": {n: {"points": course.exercises[n].total_points,
                             "questions": {q.id: q.points for q in course.exercises[n].questions.values()}}
                         for n in names},
           "submissions": results}
    if not doc["sandboxed"]:
        doc["warning"] = NOT_SANDBOXED
    write_text(out / "results.json", json.dumps(doc, indent=1) + "\n")
    for r in results:
        write_text(out / "feedback" / safe_name(r["student"]) / f"{r['exercise']}.md",
                     feedback_text(r, course.exercises[r["exercise"]]))


# -- the class --------------------------------------------------------------------------------

@dataclass
class Summary:
    results: list[dict] = field(default_factory=list)
    graded_now: int = 0
    skipped: int = 0
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def errors(self) -> list[dict]:
        return [r for r in self.results if r["status"] == "error"]

    def text(self, out: Path) -> str:
        rs = self.results
        head = [f"{NOT_SANDBOXED}."] if any(r.get("sandbox") == "none" for r in rs) else []
        ran = [r for r in rs if r["status"] == "graded"]
        cnr = [r for r in rs if r["status"] == "could_not_run"]
        lines = [f"{len(rs)} submissions from {len({r['student'] for r in rs})} students: "
                 f"{self.graded_now} graded now, {self.skipped} already graded (kept), in {self.seconds:.0f} s"]
        if ran:
            lines.append(f"  graded: {len(ran)}, mean {sum(r['score'] for r in ran) / len(ran):.2f} of "
                         f"{sum(r['max'] for r in ran) / len(ran):.2f} points")
        lines.append(f"  could not run (scored 0): {len(cnr)}")
        for kind, n in Counter(r["reason_kind"] for r in cnr).most_common():
            who = ", ".join(r["file"] for r in cnr if r["reason_kind"] == kind)
            lines.append(f"    {COULD_NOT_RUN.get(kind, kind)}: {n} ({who})")
        hits = Counter(c["kind"] for r in ran for c in r.get("cells", {}).values() if c["kind"] in LIMIT_KINDS)
        if hits:
            lines.append("  limits hit (cells): " + ", ".join(f"{LIMIT_KINDS[k]} {n}" for k, n in sorted(hits.items())))
        flagged = [r for r in ran if any(f["severity"] == "forbidden" for f in r["flags"])]
        review = [r for r in ran if r not in flagged and any(f["severity"] == "suspect" for f in r["flags"])]
        if flagged:
            lines.append(f"  flagged (reached for what the exercise puts off-limits): {len(flagged)} "
                         f"({', '.join(r['file'] for r in flagged)})")
        if review:
            lines.append(f"  code to review: {len(review)} ({', '.join(r['file'] for r in review)})")
        if self.errors:
            lines.append(f"  NOT graded, grader errors: {len(self.errors)}")
            for r in self.errors:
                lines.append(f"    {r['file']}: {r['reason']}")
            lines.append("    (what pytest printed is in results.json, under 'log'; a re-run tries these again)")
        if self.ignored:
            lines.append(f"  ignored files: {len(self.ignored)}")
            lines += [f"    {x}" for x in self.ignored[:10]]
            if len(self.ignored) > 10:
                lines.append(f"    ... and {len(self.ignored) - 10} more")
        if self.interrupted:
            lines.append("  interrupted: run the same command again to grade the rest")
        lines.append(f"wrote {out / 'gradebook.csv'}, {out / 'results.json'}, {out / 'feedback'}/")
        return cap("\n".join(head + lines), 200_000)


def _interrupt_after() -> int:
    value = os.environ.get(INTERRUPT_AFTER, "").strip()
    if value and not value.isdigit():
        raise ValueError(f"{INTERRUPT_AFTER}={value!r}: expected a number of submissions; unset it to grade all")
    return int(value or 0)


def grader_key() -> bytes:
    """The key that signs OUT/graded/*.json, kept outside OUT (``LCB_GRADER_KEY`` names the file;
    default ~/.config/lcb-grader/key, made on first use, readable by its owner only)."""
    path = Path(os.environ.get("LCB_GRADER_KEY") or Path.home() / ".config" / "lcb-grader" / "key")
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    return path.read_bytes()


def _mac(record: dict, key: bytes) -> str:
    import hmac

    body = json.dumps({k: v for k, v in record.items() if k != "mac"}, sort_keys=True, ensure_ascii=True)
    return hmac.new(key, body.encode("ascii"), "sha256").hexdigest()


def _load_result(path: Path, key: bytes) -> dict | None:
    """A result saved by an earlier run, if its signature is this grader's; else None (graded again)."""
    import hmac

    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 8 * 2**20:
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("mac"), str):
        return None
    if not hmac.compare_digest(doc["mac"], _mac(doc, key)):
        return None
    doc.pop("mac")
    return doc


def grade_all(submissions, out, course: Course, exercise: str | None = None, jobs: int = 1,
              limits: Limits = Limits(), force: bool = False, progress: bool = True,
              sandbox: str = "bwrap", cluster: str | None = None) -> Summary:
    """Grade every submission under `submissions` (a folder or a .zip) into `out`; with `cluster` (a
    Dask scheduler's address, or ``local:N``) on that cluster's workers (see :mod:`book.grading.cluster`)."""
    started = time.monotonic()
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    names = course.pick(exercise)
    if not submissions.exists():
        raise LayoutError(f"{submissions}: no such folder or .zip")
    if out == submissions or submissions in out.parents:
        raise LayoutError(f"--out {out} is inside SUBMISSIONS: choose a folder outside it")
    unpacked = None
    try:
        if submissions.is_file():
            if submissions.suffix.lower() != ".zip":
                raise LayoutError(f"{submissions}: expected a folder or a .zip of submissions")
            unpacked = Path(tempfile.mkdtemp(prefix="submissions-"))
            root, problems, strays = extract_zip(submissions, unpacked)
            subs, ignored = find_submissions(root, list(course.exercises), submissions.name, problems, strays)
        else:
            subs, ignored = find_submissions(submissions, list(course.exercises))
        subs = [s for s in subs if s.exercise in names]
        if not subs:
            raise LayoutError(f"{submissions}: no submissions found for {', '.join(names)}; expected a folder "
                              "per student (alice/01_perceptron.ipynb) or files named <student>_<exercise>.ipynb")
        shown = [n for n in names if any(s.exercise == n for s in subs)]
        if cluster and sandbox in ("bwrap", "none"):
            # no answer runs in this process: the workers sandbox them (and are checked for bubblewrap);
            # here only files that cannot be read are scored, so this machine needs no bubblewrap
            runners = Runners("none")
            runners.mode = sandbox
        else:
            runners = Runners(sandbox)
        key = grader_key()
        interrupt_after = _interrupt_after()
        summary = Summary(ignored=ignored)
        todo, results = [], {}
        for s in subs:
            path = out / "graded" / safe_name(s.student) / f"{s.exercise}.json"
            old = None if force else _load_result(path, key)
            if old and old.get("status") != "error" and old.get("sha256") == submission_sha256(s.path) \
                    and old.get("sandbox") == runners.mode and old.get("exercise") == s.exercise \
                    and old.get("solution_sha256") == course.digests[s.exercise] \
                    and old.get("grader_version") == GRADER_VERSION and old.get("student") == s.student:
                results[(s.student, s.exercise)] = old
                summary.skipped += 1
            else:
                todo.append((s, path))
        bar = None
        if progress and todo:
            from tqdm import tqdm
            bar = tqdm(total=len(todo), desc="grading", unit="notebook", dynamic_ncols=True)
        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            if cluster:
                from . import cluster as dask_cluster

                graded = dask_cluster.run(cluster, todo, course, limits, runners.mode,
                                          lambda s: _grade_safely(s, course, limits, runners))
            else:
                futures = {pool.submit(_grade_safely, s, course, limits, runners): (s, path) for s, path in todo}
                graded = ((*futures[fut], fut.result()) for fut in as_completed(futures))
            for s, path, r in graded:
                if r["status"] != "error":
                    write_text(path, json.dumps(dict(r, mac=_mac(r, key)), indent=1) + "\n")
                results[(s.student, s.exercise)] = r
                summary.graded_now += 1
                if bar is not None:
                    bar.set_postfix_str(cap(f"{s.student} {s.exercise}: {_points(r['score'])}/{_points(r['max'])}", 60),
                                        refresh=False)
                    bar.update(1)
                if summary.graded_now == interrupt_after:
                    # what a Ctrl-C arriving now does (see INTERRUPT_AFTER), raised here rather than sent as
                    # SIGINT: a run started in the background by a shell ignores SIGINT
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            summary.interrupted = True
            pool.shutdown(wait=False, cancel_futures=True)
            stop_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            runners.close()
            if bar is not None:
                bar.close()
            summary.results = sorted(results.values(), key=lambda r: (r["student"], r["exercise"]))
            summary.seconds = time.monotonic() - started
            if summary.results:
                write_outputs(out, course, summary.results, shown, limits)
        return summary
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
