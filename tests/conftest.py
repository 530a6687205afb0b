"""Shared fixtures: one build of the book per test session, reused by every test that reads it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the book from scratch (no cache) with warnings as errors; return (html folder, log).

    While working on the browser tests, LCB_BUILT_HTML=<folder> reuses a book built before.
    """
    if os.environ.get("LCB_BUILT_HTML"):
        return Path(os.environ["LCB_BUILT_HTML"]), ""
    out = tmp_path_factory.mktemp("book")
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(ROOT), "--path-output", str(out),
           "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the book does not build with warnings as errors:\n{log[-6000:]}"
    return out / "_build" / "html", log
