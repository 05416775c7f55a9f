"""A real headless Chromium (installed by scripts/install-system-deps) renders the newsletter."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.adapters import chromium as preview
from tctfmsg.rendering.adapters.chromium import ChromiumScreenshotter


@pytest.fixture(scope="module")
def newsletter_html() -> str:
    files = FileTemplateStore()
    assets = files.design().assets_dir.resolve().as_uri()
    renderer = Renderer(files, load_registry(), files.design(), {"asset_base_url": assets})
    return renderer.render("newsletter", files.get("newsletter").sample).html


def _png(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, at = b"", 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            idat += data[at + 8 : at + 8 + length]
        at += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.parametrize("width", [700, 375])
def test_newsletter_screenshot_at_desktop_and_phone_widths(tmp_path, newsletter_html, width):
    out = tmp_path / f"newsletter-{width}.png"
    height = ChromiumScreenshotter().screenshot(newsletter_html, out, width)
    png_width, png_height, pixels = _png(out)
    assert (png_width, png_height) == (width, height)
    assert 1200 < height < 4000  # the whole email: header, three articles, button, footer
    # a real picture, not a blank page: many distinct byte values across the image
    assert len(set(pixels[:: max(1, len(pixels) // 20000)])) > 50


def test_the_layout_fits_a_phone_without_sideways_scrolling(newsletter_html):
    phone_width, phone_height = preview.page_size(newsletter_html, 375)
    desktop_width, desktop_height = preview.page_size(newsletter_html, 700)
    assert phone_width == 375
    assert desktop_width == 700
    assert phone_height > desktop_height  # the text reflowed into the narrower column
