"""Command line: ``python -m book.grading {release,check,grade} ...``; see ``--help``."""
from __future__ import annotations

import argparse
import sys

# jsonschema imports the optional rfc3987_syntax, when installed, for IRI formats no notebook schema
# uses; it builds a grammar at import time (seconds of CPU). The grader imports nbformat, hence
# jsonschema, in this process and in its fork server: without that module, jsonschema skips those
# formats.
sys.modules.setdefault("rfc3987_syntax", None)

from .spec import ExerciseError


def _release(args) -> int:
    from .release import out_of_date, release

    try:
        if args.check:
            problems = out_of_date(args.root)
            if problems:
                print("exercises/ differs from what the release writes:", file=sys.stderr)
                for p in problems:
                    print("  " + p, file=sys.stderr)
                print("Run `python -m book.grading release` to regenerate exercises/ from solutions/.",
                      file=sys.stderr)
                return 1
            print("exercises/ is exactly what the release writes.")
            return 0
        written = release(args.root)
    except ExerciseError as e:
        print(f"release stopped, nothing written: {e}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m book.grading",
        description="Release exercise notebooks from their solutions, let a student check a notebook (check), "
                    "and grade a whole class.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="write exercises/ from solutions/ (stubs, hidden tests removed)",
                       description="Write exercises/NN_name.ipynb from solutions/NN_name.ipynb: answers "
                                   "become stubs raising NotImplementedError, hidden tests are removed, "
                                   "outputs cleared. Nothing is written if any source is malformed.")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming file and cell if exercises/ is not what the release writes")
    p.add_argument("--root", default=".", help="the course folder holding solutions/ and exercises/ (default: .)")
    p.set_defaults(func=_release)
    try:
        from . import cli_grade
    except ImportError:
        pass
    else:
        cli_grade.add_commands(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
