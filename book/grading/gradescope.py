"""Gradescope's autograder: ``gradescope-bundle`` writes the zip, ``gradescope-run`` runs in it.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when it builds the
image, and for every submission runs ``/autograder/run_autograder`` (copied from the source
folder), with the student's files in ``/autograder/submission``; the scores are read from
``/autograder/results/results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

The zip holds ``setup.sh``, ``run_autograder`` and ``course/``: the ``book`` package,
``pyproject.toml``, ``requirements.txt`` and ``solutions/`` (the tests, hidden ones included,
stay inside the image; results name a question and its points, never a test's source).
``LCB_AUTOGRADER_ROOT`` replaces ``/autograder`` (for trying the bundle out in a folder) and
``LCB_PYTHON`` the Python that runs the grader.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from .._files import atomic_open, atomic_write

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip bubblewrap >/dev/null
python3 -m pip install --quiet --break-system-packages -r /autograder/source/course/requirements.txt \\
  || python3 -m pip install --quiet -r /autograder/source/course/requirements.txt
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission with the course's grader
# and write /autograder/results/results.json.
set -uo pipefail
ROOT="${LCB_AUTOGRADER_ROOT:-/autograder}"
COURSE="$ROOT/source/course"
export PYTHONPATH="$COURSE${PYTHONPATH:+:$PYTHONPATH}"
cd "$COURSE"
exec "${LCB_PYTHON:-python3}" -m book.grading gradescope-run --autograder "$ROOT" --root "$COURSE" \\
  --sandbox "${LCB_SANDBOX:-bwrap}"
"""


def bundle(root: Path, out: Path) -> list[str]:
    """Write the autograder zip for the course at `root` to `out`; return its members."""
    from .spec import solution_files

    root = Path(root).resolve()
    solutions = solution_files(root)
    if not solutions:
        raise ValueError(f"no exercises found: expected solutions/NN_name.ipynb under {root}; pass --root")
    members: dict[str, bytes] = {"setup.sh": SETUP_SH.encode(), "run_autograder": RUN_AUTOGRADER.encode()}
    for p in solutions:
        members[f"course/solutions/{p.name}"] = p.read_bytes()
    for name in ("pyproject.toml", "requirements.txt"):
        if (root / name).is_file():
            members[f"course/{name}"] = (root / name).read_bytes()
    package = Path(__file__).resolve().parents[1]
    for p in sorted(package.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            members[f"course/book/{p.relative_to(package).as_posix()}"] = p.read_bytes()
    with atomic_open(out, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, members[name])
    return sorted(members)


def run(autograder: Path, root: Path, sandbox: str = "bwrap") -> dict:
    """Grade ``<autograder>/submission`` and write ``<autograder>/results/results.json``."""
    from .export import gradescope_results
    from .grade import Course, grade_all
    from .run import Limits
    from .submissions import read_untrusted

    autograder = Path(autograder)
    results_path = autograder / "results" / "results.json"
    course = Course.load(root)
    work = Path(tempfile.mkdtemp(prefix="lcb-gradescope-"))
    doc: dict
    try:
        mine = work / "submissions" / "student"
        mine.mkdir(parents=True)
        found = 0
        for p in sorted((autograder / "submission").rglob("*.ipynb")):
            if ".ipynb_checkpoints" in p.parts or p.name.startswith("."):
                continue
            try:
                (mine / p.name).write_bytes(read_untrusted(p))
                found += 1
            except OSError:
                continue
        if not found:
            doc = {"score": 0.0, "tests": [], "output": "No notebook (.ipynb) was found in the submission: "
                   f"upload the exercise notebook, e.g. {next(iter(course.exercises))}.ipynb."}
        else:
            summary = grade_all(work / "submissions", work / "out", course, limits=Limits(), progress=False,
                                sandbox=sandbox)
            parts = [gradescope_results(r) for r in summary.results]
            several = len(summary.results) > 1
            tests = []
            for r, part in zip(summary.results, parts):
                for t in part["tests"]:
                    tests.append(dict(t, name=f"{r['exercise']}: {t['name']}" if several else t["name"]))
            doc = {"score": sum(p["score"] for p in parts), "tests": tests}
            notes = [p["output"] for p in parts if p.get("output")]
            if notes:
                doc["output"] = "\n".join(notes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    atomic_write(results_path, json.dumps(doc, indent=1) + "\n")
    return doc
