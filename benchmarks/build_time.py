"""Time the book's build, and check that two builds give the same text.

    python benchmarks/build_time.py

1. a cold build (no cache: every chapter executes), warnings as errors;
2. a rebuild with the cache and nothing changed;
3. a second cold build in another folder, whose pages' text is compared with the first's.

Prints a table of seconds, then whether the two cold builds' text is identical.
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(ROOT),
         "-W", "-n", "--keep-going", "--path-output"]


def build(out: Path) -> float:
    t = time.perf_counter()
    result = subprocess.run(BUILD + [str(out)], capture_output=True, text=True, cwd=ROOT)
    if result.returncode:
        sys.exit(f"the build failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return time.perf_counter() - t


def page_text(html_dir: Path) -> dict[str, str]:
    """The visible text of every page (tags and embedded images removed)."""
    texts = {}
    for path in sorted(html_dir.rglob("*.html")):
        raw = path.read_text(encoding="utf-8")
        raw = re.sub(r"<script.*?</script>|<style.*?</style>", "", raw, flags=re.S)
        texts[str(path.relative_to(html_dir))] = html.unescape(re.sub(r"<[^>]+>", " ", raw)).split()
    return texts


def main() -> int:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        cold = build(Path(a))
        cached = build(Path(a))
        cold2 = build(Path(b))
        first, second = page_text(Path(a, "_build", "html")), page_text(Path(b, "_build", "html"))
    differ = [p for p in first if first[p] != second.get(p)]
    print(f"{'build':<38}{'seconds':>10}")
    print(f"{'cold (no cache, every chapter runs)':<38}{cold:>10.1f}")
    print(f"{'rebuild (cache, nothing changed)':<38}{cached:>10.1f}")
    print(f"{'second cold build':<38}{cold2:>10.1f}")
    print(f"pages: {len(first)}; pages whose text differs between the two cold builds: {len(differ)}"
          + (f" ({', '.join(differ[:5])})" if differ else ""))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
