"""Release exercise notebooks from their solutions, and grade students' work (pytest + nbval)."""
from .spec import ExerciseError, parse_exercise  # noqa: F401
