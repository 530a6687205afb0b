"""The chapters' install cell, in Google Colab's situation: a Python with the scientific stack but
without the course's package. Running the cell must install `book` from the course's repository at
the ref the launch buttons open, after which the chapter's imports work.

No network: the repository is a local git repository holding this checkout's package, and git is
told to fetch the course's https address from it (``url.<local>.insteadOf``); pip may not use an
index. The Python is a fresh venv that sees this machine's installed packages through a folder of
links that leaves out the course's own package (installed here in editable mode).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from book.notebooks import INSTALL_CELL_ID, install_requirement

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"


def _git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=course", "-c", "user.email=course@localhost", *args],
                   cwd=cwd, check=True, capture_output=True, text=True)


def _repository(tmp: Path, ref: str) -> Path:
    """A git repository with this checkout's package, where `ref` names its commit."""
    repo = tmp / "repo"
    repo.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", repo)
    shutil.copytree(ROOT / "book", repo / "book", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git("init", "-q", "-b", "main", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "the course's package", cwd=repo)
    if ref != "main":
        _git("tag", ref, cwd=repo)
    return repo


def _python_without_book(tmp: Path) -> Path:
    """A venv that sees the installed packages except the course's own (`book`, `lcb-book`)."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    shared = tmp / "shared-site-packages"
    shared.mkdir()
    system = Path(sysconfig.get_paths()["purelib"])
    for entry in system.iterdir():
        name = entry.name.lower()
        if name.startswith(("book", "lcb_book", "__editable__", "__editable___lcb")) or name.endswith(".pth"):
            continue
        (shared / entry.name).symlink_to(entry)
    (site / "shared.pth").write_text(f"{shared}\n")
    return python


def test_install_cell_makes_the_first_import_work_where_book_is_missing(tmp_path):
    chapter = ROOT / "chapters" / "01_perceptron.ipynb"
    cells = [c for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "code"]
    install, imports = cells[0], cells[1]
    assert install.get("id") == INSTALL_CELL_ID

    url_ref = install_requirement(CONFIG).split("git+", 1)[1]
    url, ref = url_ref.rsplit("@", 1)
    repo = _repository(tmp_path, ref)
    python = _python_without_book(tmp_path)
    work = tmp_path / "student"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "GIT_CONFIG"))}
    env.update(MPLBACKEND="Agg", PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1",
               GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0=f"url.file://{repo}.insteadOf", GIT_CONFIG_VALUE_0=url,
               HOME=str(tmp_path))

    def run(code):
        return subprocess.run([str(python), "-c", code], cwd=work, env=env, capture_output=True, text=True)

    before = run(imports.source)
    assert before.returncode != 0 and "No module named 'book'" in before.stderr, \
        f"the test's Python must lack the course's package:\n{before.stderr[-2000:]}"
    ran = run(install.source)
    assert ran.returncode == 0, f"the install cell failed:\n{ran.stdout[-2000:]}\n{ran.stderr[-3000:]}"
    after = run(imports.source + "\nimport book\nprint(book.__file__)")
    assert after.returncode == 0, f"the chapter's imports fail after the install cell:\n{after.stderr[-3000:]}"
    assert str(tmp_path / "venv") in after.stdout, f"book was not installed into the fresh Python: {after.stdout}"
    again = run(install.source)
    assert again.returncode == 0 and again.stdout == "", "where book is installed the cell must do nothing"
