"""The ``check`` (the student's self-check) and ``grade`` subcommands of ``python -m book.grading``."""
from __future__ import annotations

import argparse
import sys

GRADE_HELP = """\
Grade every submission under SUBMISSIONS and write a gradebook, results and feedback to OUT.

SUBMISSIONS is a folder, or a .zip of one (as learning platforms export them), holding either
  a folder per student:     alice/01_perceptron.ipynb   bob/01_perceptron.ipynb
  or one file per notebook: alice_01_perceptron.ipynb   bob_01.ipynb
A notebook belongs to the exercise whose name (01_perceptron) or number (01) its file name holds.
A single folder wrapping everything is looked through; .ipynb_checkpoints and hidden files are
skipped; anything else is listed as ignored.

Only the students' answer cells are taken (matched by the answer name in the cell's metadata);
set-up cells, visible and hidden tests and points come from solutions/NN_name.ipynb under --root.
Each submission runs in two processes: the tests under pytest + nbval in a trusted kernel, the
student's answer cells in a bubblewrap sandbox (no network, no view of the course, the
submissions or OUT), called through proxies that pass only plain data. Without bubblewrap, grade
refuses unless --sandbox none (then every output says the run was not sandboxed). Limits: time
per call and cell (--timeout) and for the whole notebook, memory, output.
Submissions are never modified; links, fifos and unsafe .zip members are not followed and score
0 with the reason.

OUT receives:
  gradebook.csv                     a row per student; a column per question, per exercise and a
                                    total, each header saying what the column is worth; notes
  results.json                      every test's outcome, message and points; flags
  feedback/<student>/<exercise>.md  per question: passed or failed, the test's message, points
  graded/<student>/<exercise>.json  per submission; a re-run skips a submission graded before
                                    (same file, same exercise source) unless --force, so an
                                    interrupted run resumes where it stopped
A progress bar runs over the submissions, and a summary ends the run: graded, could not run
(by reason), limits hit, flagged.

Exit status: 0 when every submission got a grade (a notebook that cannot run gets 0 points and
still counts as graded); 1 when the grader itself failed on some submission; 2 on bad arguments.
"""

SELF_CHECK_HELP = """\
Run a notebook's visible tests the way the grader runs them (pytest + nbval in a fresh Python,
the answer cells in a second one, sandboxed by bubblewrap when it works here, the same limits)
and print, per question, passed or failed with the test's own message and the
points at stake. Hidden tests are not in a student's notebook, so they do not run here.

The same tests run with plain pytest too:  pytest --nbval-lax exercises/01_perceptron.ipynb
Exit status: 0 when every visible test passes, 1 when some fail, 2 when the notebook cannot be read.
"""


def _limits(args):
    from .run import Limits

    notebook = args.notebook_timeout if args.notebook_timeout else max(600.0, 10 * args.timeout)
    return Limits(cell_timeout=args.timeout, notebook_timeout=notebook, memory_mb=args.memory,
                  output_cap=args.output_cap)


def _add_limits(p):
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds a cell may run before it is interrupted (default 60)")
    p.add_argument("--notebook-timeout", type=float, default=None, metavar="S",
                   help="seconds for a whole notebook, all cells together (default: 10 x --timeout, at least 600)")
    p.add_argument("--memory", type=int, default=2048, metavar="MB",
                   help="memory (address space) a notebook may use, Linux only (default 2048)")
    p.add_argument("--output-cap", type=int, default=1_000_000, metavar="BYTES",
                   help="output kept per cell; a cell printing more fails (default 1000000)")


def _self_check(args) -> int:
    from .selfcheck import self_check
    from .spec import ExerciseError

    from .sandbox import SandboxError

    try:
        return self_check(args.notebook, _limits(args), sandbox=args.sandbox)
    except (ExerciseError, SandboxError) as e:
        print(f"cannot check: {e}", file=sys.stderr)
        return 2


def _grade(args) -> int:
    from .grade import Course, grade_all
    from .sandbox import SandboxError
    from .spec import ExerciseError
    from .submissions import LayoutError

    if args.jobs < 1:
        print("grade: -j/--jobs must be at least 1", file=sys.stderr)
        return 2
    formats = [f.strip().lower() for f in (args.export or "").split(",") if f.strip()]
    unknown = [f for f in formats if f not in ("canvas", "moodle", "gradescope")]
    if unknown:
        print(f"grade: --export {','.join(unknown)}: unknown format; choose from canvas, moodle, gradescope",
              file=sys.stderr)
        return 2
    cluster_errors: tuple = ()
    if args.cluster:
        from .cluster import ClusterError, require_distributed

        cluster_errors = (ClusterError,)
        try:
            require_distributed()
        except ClusterError as e:
            print(f"grade: {e}", file=sys.stderr)
            return 2
    try:
        roster = None
        if args.roster:
            from .export import read_roster

            roster = read_roster(args.roster)
        course = Course.load(args.root)
        summary = grade_all(args.submissions, args.out, course, exercise=args.exercise, jobs=args.jobs,
                            limits=_limits(args), force=args.force, progress=not args.quiet,
                            sandbox=args.sandbox, cluster=args.cluster)
    except (ExerciseError, LayoutError, SandboxError, ValueError) + cluster_errors as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: what was graded is kept; run the same command again to go on", file=sys.stderr)
        return 130
    from pathlib import Path

    print(summary.text(Path(args.out)))
    if formats or roster is not None:
        from .export import export_all

        print(export_all(Path(args.out), formats or [], roster))
    return 1 if summary.errors else 0


def add_commands(sub):
    p = sub.add_parser("check", help="the student's self-check: run a notebook's visible tests, report each question",
                       description=SELF_CHECK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("notebook", help="the exercise notebook, e.g. exercises/01_perceptron.ipynb")
    _add_limits(p)
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="run the answers under bubblewrap (bwrap), in a plain process (none), or bwrap when it "
                        "works here (auto, the default)")
    p.set_defaults(func=_self_check)

    g = sub.add_parser("grade", help="grade a class's submissions: gradebook, results, feedback",
                       description=GRADE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("submissions", metavar="SUBMISSIONS", help="a folder or .zip of submissions (layouts above)")
    g.add_argument("--out", required=True, metavar="OUT", help="the folder to write results to (created)")
    g.add_argument("--exercise", metavar="NN", help="grade only this exercise: its number (01) or name")
    g.add_argument("-j", "--jobs", type=int, default=1, metavar="JOBS",
                   help="submissions graded at once (default 1; about one per CPU core)")
    _add_limits(g)
    g.add_argument("--sandbox", choices=("bwrap", "none"), default="bwrap",
                   help="bwrap (the default): answers run under bubblewrap, which must be installed; none: in "
                        "plain processes, and every output says the run was not sandboxed")
    g.add_argument("--force", action="store_true", help="grade again what OUT already holds a grade for")
    g.add_argument("--root", default=".", help="the course folder holding solutions/ (default: .)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    g.add_argument("--cluster", metavar="ADDRESS",
                   help="grade on a Dask cluster: the scheduler's address (tcp://host:8786), or local:N for N "
                        "local worker processes; needs pip install -r requirements-cluster.txt")
    g.add_argument("--export", metavar="FORMATS",
                   help="also write gradebooks for a learning platform, next to gradebook.csv: any of "
                        "canvas,moodle,gradescope (canvas.csv, moodle.csv, gradescope.json)")
    g.add_argument("--roster", metavar="CSV",
                   help="maps students to the platform's ids: a CSV with the header student,lms_id,email,name; "
                        "students missing from it and entries without a submission are listed")
    g.set_defaults(func=_grade)
    add_gradescope_commands(sub)


def _bundle(args) -> int:
    from .gradescope import bundle

    try:
        members = bundle(args.root, args.out)
    except (ValueError, OSError) as e:
        print(f"gradescope-bundle: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({len(members)} files: setup.sh, run_autograder, course/); upload it as the "
          "autograder of a Gradescope programming assignment")
    return 0


def _gradescope_run(args) -> int:
    from .gradescope import run
    from .sandbox import SandboxError
    from .spec import ExerciseError

    try:
        doc = run(args.autograder, args.root, sandbox=args.sandbox)
    except (ExerciseError, SandboxError) as e:
        print(f"gradescope-run: {e}", file=sys.stderr)
        return 2
    print(f"score {doc['score']:g}; wrote results/results.json")
    return 0


def add_gradescope_commands(sub):
    b = sub.add_parser("gradescope-bundle", help="write the autograder zip Gradescope runs",
                       description="Write the zip a Gradescope programming assignment runs: setup.sh (installs "
                                   "Python, bubblewrap and the requirements), run_autograder (grades "
                                   "/autograder/submission with this grader into /autograder/results/results.json) "
                                   "and course/ (the book package and solutions/, hidden tests included).")
    b.add_argument("--out", required=True, metavar="ZIP", help="the zip to write, e.g. autograder.zip")
    b.add_argument("--root", default=".", help="the course folder holding solutions/ (default: .)")
    b.set_defaults(func=_bundle)
    r = sub.add_parser("gradescope-run", help="(inside Gradescope) grade /autograder/submission",
                       description="What run_autograder calls inside Gradescope's image.")
    r.add_argument("--autograder", default="/autograder", help="the autograder folder (default /autograder)")
    r.add_argument("--root", default=".", help="the course folder holding solutions/")
    r.add_argument("--sandbox", choices=("bwrap", "none"), default="bwrap")
    r.set_defaults(func=_gradescope_run)
