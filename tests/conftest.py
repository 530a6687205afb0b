"""Shared fixtures: one build of the book per test session, reused by every test that reads it, and one
Chromium (Playwright's sync API allows one instance per process) for the book's and JupyterLab's browser tests."""
from __future__ import annotations

import os
import shutil
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


CHROMIUM = os.environ.get("LCB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _ensure_chromium() -> str:
    """Chromium from Debian's packages; installed here when missing and we may (root with apt-get)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Chromium is missing: installing Debian's chromium package (about a minute) ...")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if Path(CHROMIUM).exists():
            return CHROMIUM
    pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: install Debian's package with "
                "`sudo apt-get install chromium` (or set LCB_CHROMIUM to a Chromium binary), then run pytest again")


# how long a browser test waits for a page, an element or a state before it fails: generous, so that a
# busy machine makes the browser tests slower but never fails them (Playwright's default is 30 s)
BROWSER_WAIT_MS = 180_000


class _PatientBrowser:
    """The Chromium Browser, whose new contexts and pages wait up to BROWSER_WAIT_MS by default."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.set_default_timeout(BROWSER_WAIT_MS)
        context.set_default_navigation_timeout(BROWSER_WAIT_MS)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.set_default_timeout(BROWSER_WAIT_MS)
        page.set_default_navigation_timeout(BROWSER_WAIT_MS)
        return page


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _ensure_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield _PatientBrowser(b)
        b.close()


# -- the fast loop: `pytest -m "not slow"` ----------------------------------------------------------
# Bare `pytest` runs everything; `pytest -m "not slow"` leaves out what is marked here, in one place:
# the book's build and what reads it, the browser and JupyterLab tests, the chapters' and solutions'
# notebooks under nbval, and the grading tests that grade whole notebooks in sandboxes.
SLOW_FOLDERS = ("browser", "jupyterlab")
SLOW_FIXTURES = {"built_book", "normal_run", "hostile_run", "zip_run", "exported"}
SLOW_FILES = {"test_grade_resume.py", "test_grade_sandbox.py", "test_grade_selfcheck.py"}
SLOW_TESTS = {"test_cluster_survives_a_killed_worker_and_matches_a_local_run",
              "test_a_worker_with_another_course_is_refused_by_name",
              "test_install_cell_makes_the_first_import_work_where_book_is_missing"}  # pip-installs the package
# parametrised tests of which the fast loop keeps only the cases whose id ends so: one notebook run per
# exercise (every answer stubbed) instead of one per answer and per listed mistake
FAST_CASES = {"test_variant_fails_exactly_the_expected_questions": "-all-stubs"}


def _is_slow(item) -> bool:
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return True
    try:
        parts = path.relative_to(ROOT / "tests").parts
    except ValueError:
        parts = ()
    name = getattr(item, "originalname", None)
    if name in FAST_CASES and not item.callspec.id.endswith(FAST_CASES[name]):
        return True
    return (bool(parts) and parts[0] in SLOW_FOLDERS or path.name in SLOW_FILES or name in SLOW_TESTS
            or bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)
