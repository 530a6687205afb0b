"""Grade on a Dask cluster: one task per submission, the grader process alone writes OUT.

``grade --cluster tcp://host:8786`` (or ``--cluster local:N``, a local cluster of N worker
processes) sends each submission to a Dask worker as plain data: the submission's bytes, the
exercise's source (the ``solutions/`` notebook) and the limits. The worker writes both to a private
temporary folder, grades them exactly as ``grade -j`` does on one machine (pytest + nbval in a
trusted kernel, the answers under bubblewrap) and returns the result, a dict of plain data. It never
sees the submissions folder or OUT, so no shared file system is needed.

Dask runs a task again on another worker when the one running it dies; the grader writes a result
into OUT only when its task's result comes back, once per submission.

Before any work is sent, every worker's environment is checked against the grader's
(:func:`fingerprint`): the same ``book`` version, the same grader code, bubblewrap present (when
grading with ``--sandbox bwrap``), and, when the worker has its own copy of the course
(``LCB_COURSE_ROOT``, or a ``solutions/`` folder in its working directory), the same course source.
Each task checks again, so a worker that joins later is held to the same rule. A mismatch stops the
run with a message naming the worker.

``distributed`` is an optional dependency (``pip install -r requirements-cluster.txt``); this
module imports it only when ``--cluster`` is given.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .._files import digest
from .run import Limits
from .submissions import Submission, read_untrusted

INSTALL_HINT = ("--cluster needs Dask distributed: pip install -r requirements-cluster.txt "
                "(or pip install 'distributed>=2026.8,<2027')")


class ClusterError(RuntimeError):
    """The cluster cannot be used; the message says what is wrong and what to do."""


# -- what a worker must agree on ---------------------------------------------------------------

def _grader_code_sha256() -> str:
    from .spec import combined_digest

    return combined_digest({p.name: digest(p) for p in Path(__file__).resolve().parent.glob("*.py")})


def course_sha256(root) -> str | None:
    """A hash over the course's ``solutions/NN_name.ipynb`` notebooks, or None without any."""
    from .spec import combined_digest, solution_files

    paths = solution_files(Path(root))
    return combined_digest({p.name: digest(p) for p in paths}) if paths else None


def fingerprint() -> dict:
    """This process's environment as far as grading depends on it."""
    import book

    from .grade import GRADER_VERSION
    from .sandbox import bwrap

    root = os.environ.get("LCB_COURSE_ROOT") or ("." if Path("solutions").is_dir() else "")
    return {"book": getattr(book, "__version__", "?"), "grader_version": GRADER_VERSION,
            "grader_code": _grader_code_sha256(), "bwrap": bool(bwrap()),
            "course": course_sha256(root) if root else None,
            "course_root": str(Path(root).resolve()) if root else ""}


def mismatch(mine: dict, theirs: dict, sandbox: str) -> list[str]:
    """What differs between the grader's fingerprint and a worker's, in words."""
    problems = []
    if theirs.get("book") != mine["book"]:
        problems.append(f"book version {theirs.get('book')!r}, the grader has {mine['book']!r}")
    if theirs.get("grader_version") != mine["grader_version"] or theirs.get("grader_code") != mine["grader_code"]:
        problems.append("different grader code (book/grading); install the same commit of the course on every worker")
    if sandbox == "bwrap" and not theirs.get("bwrap"):
        problems.append("bubblewrap (bwrap) is not installed; apt-get install bubblewrap")
    if theirs.get("course") is not None and theirs.get("course") != mine["course"]:
        problems.append(f"a different course source (solutions/ under {theirs.get('course_root')}); "
                        "update that copy of the course or unset LCB_COURSE_ROOT")
    return problems


class WorkerMismatch(RuntimeError):
    """Raised inside a task on a worker whose environment differs from the grader's."""


# -- on the worker -----------------------------------------------------------------------------

_state_lock = threading.Lock()
_courses: dict[str, object] = {}
_runners: dict[str, object] = {}
_own: dict | None = None


def _course_for(name: str, source: bytes):
    from .grade import Course

    digest = hashlib.sha256(source).hexdigest()
    with _state_lock:
        if digest not in _courses:
            root = Path(tempfile.mkdtemp(prefix="lcb-course-"))
            (root / "solutions").mkdir()
            (root / "solutions" / f"{name}.ipynb").write_bytes(source)
            _courses[digest] = Course.load(root)
        return _courses[digest]


def _runners_for(mode: str):
    from .sandbox import Runners

    with _state_lock:
        if mode not in _runners:
            _runners[mode] = Runners(mode)
        return _runners[mode]


def grade_task(job: dict) -> dict:
    """Grade one submission on a worker: `job` holds plain data only (see :func:`_job`)."""
    from .grade import _grade_safely

    global _own
    if _own is None:
        _own = fingerprint()
    problems = mismatch(job["expect"], _own, job["sandbox"])
    if problems:
        raise WorkerMismatch(f"worker {_worker_name() or '?'}: " + "; ".join(problems))
    course = _course_for(job["exercise"], job["source"])
    work = Path(tempfile.mkdtemp(prefix="lcb-sub-"))
    try:
        path = work / "submission.ipynb"
        path.write_bytes(job["data"])
        sub = Submission(job["student"], job["exercise"], path, job["shown"], job["note"])
        result = _grade_safely(sub, course, Limits(**job["limits"]), _runners_for(job["sandbox"]))
        result["worker"] = os.environ.get("DASK_WORKER_NAME", "") or _worker_name()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except Exception:
        return ""


# -- on the grader -----------------------------------------------------------------------------

def require_distributed():
    """Raise ClusterError with what to install when Dask distributed is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None


def connect(address: str, sandbox: str):
    """A Dask client for `address` (``tcp://host:port`` or ``local:N``) whose workers all match."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    cluster = None
    if address.startswith("local:"):
        try:
            n = int(address.split(":", 1)[1])
            if n < 1:
                raise ValueError
        except ValueError:
            raise ClusterError(f"--cluster {address!r}: expected local:N with N a number of workers, "
                               "e.g. local:2") from None
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="30s")
        except (OSError, TimeoutError) as e:
            raise ClusterError(f"--cluster {address}: cannot reach a Dask scheduler there ({e}); start one with "
                               "`dask scheduler` and pass the address it prints (tcp://host:8786)") from None
    try:
        client.wait_for_workers(1, timeout=60)
    except Exception:
        client.close()
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"--cluster {address}: no worker joined the scheduler within 60 s; start workers "
                           f"with `dask worker {address}`") from None
    return client, cluster


def verify_workers(client, mine: dict, sandbox: str):
    """Raise ClusterError naming every worker whose environment differs from the grader's."""
    infos = client.run(fingerprint)
    workers = client.scheduler_info().get("workers", {})
    bad = []
    for address, info in sorted(infos.items()):
        problems = mismatch(mine, info, sandbox)
        if problems:
            name = workers.get(address, {}).get("name", address)
            bad.append(f"worker {name} ({address}): " + "; ".join(problems))
    if bad:
        raise ClusterError("refusing to grade: these workers differ from this grader:\n  " + "\n  ".join(bad))


def _job(s: Submission, data: bytes, course, limits: Limits, sandbox: str, expect: dict) -> dict:
    return {"student": s.student, "exercise": s.exercise, "shown": s.shown, "note": s.note, "data": data,
            "source": course.sources[s.exercise], "limits": dataclasses.asdict(limits), "sandbox": sandbox,
            "expect": expect}


def run(address: str, todo, course, limits: Limits, sandbox: str, local_grade):
    """Yield (submission, path, result) for every (submission, path) in `todo`, graded on the cluster.

    A submission the grader cannot even read (an unsafe archive member, a fifo) is graded here by
    `local_grade`, exactly as without ``--cluster`` (it fails before any notebook runs)."""
    from distributed import as_completed

    client, cluster = connect(address, sandbox)
    mine = fingerprint()
    mine_for_course = dict(mine, course=course.course_sha256)
    try:
        verify_workers(client, mine_for_course, sandbox)
        window = max(4, 4 * len(client.scheduler_info().get("workers", {})))
        pending = iter(todo)
        futures = {}
        done = as_completed()

        def fill():
            graded_here = []
            while len(futures) < window:
                item = next(pending, None)
                if item is None:
                    break
                s, path = item
                data = None
                if not s.problem and s.path is not None:
                    try:
                        data = read_untrusted(s.path)
                    except OSError:
                        data = None
                if data is None:
                    graded_here.append((s, path, local_grade(s)))
                    continue
                f = client.submit(grade_task, _job(s, data, course, limits, sandbox, mine_for_course),
                                  pure=False, retries=0)
                futures[f] = (s, path)
                done.add(f)
            return graded_here

        while True:
            yield from fill()
            if not futures:
                break
            f = next(done)
            s, path = futures.pop(f)
            try:
                r = f.result()
            except WorkerMismatch as e:
                raise ClusterError(f"refusing to grade on a worker that differs from this grader: {e}") from None
            except Exception as e:  # the task failed on too many workers (KilledWorker)
                from .grade import cap

                r = {"student": s.student, "exercise": s.exercise, "file": s.shown, "status": "error",
                     "reason": cap(f"the cluster could not grade it: {e!r}"), "reason_kind": "grader",
                     "score": 0.0, "max": course.exercises[s.exercise].total_points, "questions": [],
                     "flags": [], "sandbox": sandbox}
            f.release()
            yield s, path, r
    finally:
        try:
            client.close()
        finally:
            if cluster is not None:
                cluster.close()
