"""Weight and speed of the explorers in the built book, measured in Chromium.

    python benchmarks/explorer_weight.py [--html _build/html] [--no-speed]

1. Page weight: each chapter opened in a fresh browser context (a first visit, empty cache);
   every response body the page loads is gzipped (level 6, as a web server would; Python's
   http.server does not compress) and summed. Budget: 1.0 MB gzipped per chapter page.
2. Update time: for every slider of every explorer, 50 positions set through `input` events;
   each redraw is synchronous, timed with performance.now(). Budget: 16 ms (chapters 1-4).
3. Playground: steps per second on the spiral with two hidden layers of 8 units, while playing
   (drawing included), over 3 s. Target: 200 steps per second.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BUDGET = 1.0e6


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])
            if c["file"].startswith("chapters/")]


def serve(html_dir):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


LOAD_ALL = """async () => {
  for (let y = 0; y <= document.body.scrollHeight; y += 600) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20)); }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
}"""


def page_weight(browser, url):
    """(raw bytes, gzipped bytes, [(gzipped, raw, url)]) of everything a first visit loads."""
    ctx = browser.new_context()
    page = ctx.new_page()
    bodies = []

    def on_response(resp):
        try:
            bodies.append((resp.url, resp.body()))
        except Exception:      # redirects and aborted requests have no body
            pass
    page.on("response", on_response)
    page.goto(url, wait_until="load")
    page.evaluate(LOAD_ALL)          # every image (lazy ones too) and MathJax with its fonts
    page.wait_for_load_state("networkidle")
    ctx.close()
    items = sorted(((len(gzip.compress(b, 6)), len(b), u) for u, b in bodies), reverse=True)
    return sum(i[1] for i in items), sum(i[0] for i in items), items


UPDATE_TIMES = """
() => {
  const out = [];
  document.querySelectorAll('.lcb-explorer').forEach((box, k) => {
    box.querySelectorAll('input[type=range]').forEach((input) => {
      const start = input.value, max = +input.max, times = [];
      for (let j = 0; j < 50; j++) {
        input.value = String(Math.round(max * j / 49));
        const t = performance.now();
        input.dispatchEvent(new Event('input', {bubbles: true}));
        times.push(performance.now() - t);
      }
      input.value = start; input.dispatchEvent(new Event('input', {bubbles: true}));
      times.sort((a, b) => a - b);
      out.push({explorer: box.dataset.lcbModule + ' #' + k, control: input.labels[0] ? input.labels[0].textContent : input.id,
                median: times[25], max: times[49]});
    });
  });
  return out;
}
"""


def update_times(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("[...document.querySelectorAll('.lcb-explorer')].every(b => b.dataset.lcbReady === 'yes')")
    rows = page.evaluate(UPDATE_TIMES)
    page.close()
    return rows


def playground_speed(browser, url, seconds=3.0):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("[...document.querySelectorAll('.lcb-explorer')].every(b => b.dataset.lcbReady === 'yes')")
    pg = page.locator('.lcb-explorer[data-lcb-module="playground"]')
    pg.get_by_label("Data set").select_option("spiral")
    pg.get_by_label("Hidden layers").select_option("2")
    pg.get_by_label("Units in layer 1").select_option("8")
    pg.get_by_label("Units in layer 2").select_option("8")
    pg.get_by_role("button", name="Reset").click()
    steps0 = int(pg.locator("[data-steps]").get_attribute("data-steps"))
    pg.get_by_role("button", name="Play").click()
    t0 = page.evaluate("performance.now()")
    page.wait_for_timeout(seconds * 1000)
    pg.get_by_role("button", name="Pause").click()
    t1 = page.evaluate("performance.now()")
    steps1 = int(pg.locator("[data-steps]").get_attribute("data-steps"))
    page.close()
    return (steps1 - steps0) / ((t1 - t0) / 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", default=str(ROOT / "_build" / "html"), help="the built book's html folder")
    ap.add_argument("--no-speed", action="store_true", help="page weights only")
    args = ap.parse_args()
    html_dir = Path(args.html)
    if not (html_dir / "index.html").exists():
        raise SystemExit(f"no built book in {html_dir}: run `jupyter-book build .` first or pass --html")
    from playwright.sync_api import sync_playwright

    server, base = serve(html_dir)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        print(f"{'page':34s} {'raw KB':>9s} {'gzip KB':>9s}  budget 1000 KB   largest three (gzip KB)")
        for name in chapters():
            raw, gz, items = page_weight(browser, f"{base}/{name}.html")
            top = ", ".join(f"{Path(u.split('?')[0]).name} {g / 1e3:.0f}" for g, _, u in items[:3])
            print(f"{name:34s} {raw / 1e3:9.0f} {gz / 1e3:9.0f}  {'ok  ' if gz <= BUDGET else 'OVER'}  {top}")
        if not args.no_speed:
            print(f"\n{'explorer':16s} {'control':24s} {'median ms':>9s} {'max ms':>8s}")
            for name in chapters():
                for r in update_times(browser, f"{base}/{name}.html"):
                    print(f"{r['explorer']:16s} {r['control'][:24]:24s} {r['median']:9.2f} {r['max']:8.2f}")
            nets = [n for n in chapters() if "neural" in n]
            if nets:
                sps = playground_speed(browser, f"{base}/{nets[0]}.html")
                print(f"\nplayground, spiral, 2 x 8 hidden units, playing: {sps:.0f} steps per second (target 200)")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
