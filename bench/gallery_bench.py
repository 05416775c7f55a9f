"""Render the whole template gallery (every template at 700 and 375 px in headless Chromium,
in the gallery's bounded pool) and print templates/s against a baseline measured in the same
run: the same number of screenshots of a blank page through the same pool, i.e. what Chromium
costs before any email is laid out. The ratio gallery/baseline says how much of the gallery's
time is the emails themselves (1.0: none). The HTML-only render rate is printed for reference.

Bounded: one gallery pass and one baseline pass, about a minute on two cores.
Run: .venv/bin/python bench/gallery_bench.py [WORKERS]
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.adapters.chromium import ChromiumScreenshotter
from tctfmsg.rendering.gallery import WIDTHS, pool_size, render_gallery
from tctfmsg.rendering.service import TemplateDeps

# An empty page as tall as a short email (a zero-height page never finishes its screenshot).
BLANK = (
    "<!DOCTYPE html><html><body style='margin:0'><div style='height:1200px'></div></body></html>"
)


class _Unused:
    """The gallery reads files only: no config table, no SES."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the gallery bench touched {name}")


def _html_only(files: FileTemplateStore) -> tuple[int, float]:
    registry = load_registry(files.root)
    renderer = Renderer(files, registry, files.design())
    names = [n for n in registry.templates() if files.get(n).has_email]
    for name in names:
        renderer.render(name, files.get(name).sample)  # compile once, as a process does
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for name in names:
            renderer.render(name, files.get(name).sample)
    return len(names) * rounds, time.perf_counter() - started


def main(workers: int | None = None) -> None:
    files = FileTemplateStore()
    shots = ChromiumScreenshotter()
    deps = TemplateDeps(files, _Unused(), _Unused(), shots, "bench")  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="tctfmsg-gallery-bench-") as tmp:
        pictures = len(files.names()) * len(WIDTHS)
        pool = workers or pool_size(pictures)
        started = time.perf_counter()
        shown = render_gallery(deps, Path(tmp) / "gallery", workers=pool)
        gallery_s = time.perf_counter() - started

        blank = [(Path(tmp) / f"blank-{i}.png", WIDTHS[i % len(WIDTHS)]) for i in range(pictures)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=pool) as executor:
            list(executor.map(lambda job: shots.screenshot(BLANK, *job), blank))
        blank_s = time.perf_counter() - started
    rendered, html_s = _html_only(files)

    templates = len(shown.cards)
    gallery_rate = templates / gallery_s
    baseline_rate = templates / blank_s  # as many blank shots as the gallery took
    print(
        f"templates: {templates}  screenshots: {shown.pictures} ({', '.join(map(str, WIDTHS))} px)"
        f"  failures: {shown.failures}  pool: {pool} (cpus {os.cpu_count()})"
    )
    print(f"python {platform.python_version()}, {platform.machine()}")
    print(f"gallery (PNG):                  {gallery_rate:>7.2f} templates/s ({gallery_s:.1f} s)")
    print(f"baseline, blank-page shots:     {baseline_rate:>7.2f} templates/s ({blank_s:.1f} s)")
    print(f"ratio gallery/baseline:         {gallery_rate / baseline_rate:>7.2f}")
    print(f"reference, HTML only (no PNG):  {rendered / html_s:>7,.0f} templates/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
