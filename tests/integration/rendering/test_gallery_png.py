"""The gallery in a real headless Chromium: one PNG per template and width, all linked."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from tctfmsg.rendering.adapters.chromium import ChromiumScreenshotter
from tctfmsg.rendering.gallery import render_gallery
from tctfmsg.rendering.store import TEMPLATES_DIR, FileTemplateStore
from tests.unit.rendering.fakes import template_deps


def test_gallery_writes_one_png_per_template_and_width_and_links_them_all(
    tmp_path: Path,
) -> None:
    files = FileTemplateStore(TEMPLATES_DIR)
    deps = template_deps(files, screenshots=ChromiumScreenshotter(timeout_s=60))

    shown = render_gallery(deps, tmp_path)

    assert shown.failures == 0
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == sorted(f"{n}.en.{w}.png" for n in files.names() for w in (700, 375))
    for png in tmp_path.glob("*.png"):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width == int(png.name.split(".")[-2]) and height > 400
    index = (tmp_path / "index.html").read_text()
    assert set(re.findall(r'<img src="([^"]+)"', index)) == set(pngs)
