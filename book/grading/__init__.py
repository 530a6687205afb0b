"""Release exercise notebooks from their solutions, and grade students' work (pytest + nbval).

Nothing is imported here eagerly: the trusted kernel imports :mod:`book.grading.channel` alone,
without nbformat and its schema checks.
"""


def __getattr__(name):
    if name in ("ExerciseError", "parse_exercise"):
        from . import spec

        return getattr(spec, name)
    raise AttributeError(f"module 'book.grading' has no attribute {name!r}")
