"""What `template validate` checks of a rendered email for people and mail clients: the page
says its language and direction, layout tables say they are layout, every image has alt text,
and text stands out from its background by WCAG's 4.5:1 (relative luminance, WCAG 2.x §1.4.3)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

MIN_CONTRAST = 4.5
BODY_TEXT = "#000000"  # a browser's default text and page colours, before any style applies
PAGE = "#ffffff"
LINK = "#4f46e5"  # the design system's `a { color }` (partials/styles.mustache)
HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.I)
HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})\b", re.I)
RGB = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})", re.I)
NAMED = {"white": "#ffffff", "black": "#000000", "transparent": ""}
SKIPPED = frozenset(["head", "style", "script", "title"])
VOID = frozenset(
    ["area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"]
)
MAX_REPORTED = 3

Rgb = tuple[int, int, int]


def parse_colour(value: str) -> Rgb | None:
    """The first colour in a CSS value (#abc, #aabbcc, rgb(), white/black), or None."""
    value = value.strip().lower()
    if value in NAMED:
        value = NAMED[value]
    if found := HEX.search(value):
        digits = found.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
        return r, g, b
    if found := RGB.search(value):
        r, g, b = (min(int(found.group(i)), 255) for i in (1, 2, 3))
        return r, g, b
    return None


def relative_luminance(colour: Rgb) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: Rgb, background: Rgb) -> float:
    """WCAG's contrast ratio, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def _declarations(style: str) -> dict[str, str]:
    out = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        black, white = parse_colour(BODY_TEXT), parse_colour(PAGE)
        assert black is not None and white is not None
        # (tag, text colour, background, hidden)
        self.stack: list[tuple[str, Rgb, Rgb, bool]] = [("", black, white, False)]
        self.html_attrs: dict[str, str | None] | None = None
        self.tables_without_role = 0
        self.images_without_alt = 0
        self.low_contrast: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_attrs = found
        if tag == "table" and (found.get("role") or "").lower() != "presentation":
            self.tables_without_role += 1
        if tag == "img" and "alt" not in found:
            self.images_without_alt += 1
        if tag in SKIPPED:
            self.skip += 1
        if tag in VOID:
            return
        _, colour, background, hidden = self.stack[-1]
        style = _declarations(found.get("style") or "")
        if tag == "a":
            colour = parse_colour(style.get("color", "")) or parse_colour(LINK) or colour
        else:
            colour = parse_colour(style.get("color", "")) or colour
        ground = style.get("background-color") or style.get("background") or found.get("bgcolor")
        background = parse_colour(ground or "") or background
        hidden = hidden or bool(HIDDEN.search(found.get("style") or ""))
        self.stack.append((tag, colour, background, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        if tag in VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text or self.skip:
            return
        _, colour, background, hidden = self.stack[-1]
        if hidden:
            return
        ratio = contrast_ratio(colour, background)
        if ratio < MIN_CONTRAST:
            shown = text if len(text) <= 40 else text[:39] + "…"
            self.low_contrast.append(
                f"text {shown!r} is {_hex(colour)} on {_hex(background)}: contrast "
                f"{ratio:.2f}:1, under {MIN_CONTRAST}:1"
            )


def _hex(colour: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def accessibility_problems(html: str) -> list[str]:
    """One line per problem: missing lang or dir, layout tables without role="presentation",
    images without alt, and the first few pieces of text under 4.5:1 contrast."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    problems = []
    attrs = reader.html_attrs or {}
    for name in ("lang", "dir"):
        if not attrs.get(name):
            problems.append(f'<html> has no {name}="…"')
    if attrs.get("dir") and attrs["dir"] not in ("ltr", "rtl"):
        problems.append(f'<html dir="{attrs["dir"]}"> is neither ltr nor rtl')
    if reader.tables_without_role:
        problems.append(f'{reader.tables_without_role} <table>(s) without role="presentation"')
    if reader.images_without_alt:
        problems.append(f"{reader.images_without_alt} <img>(s) without alt text")
    problems += reader.low_contrast[:MAX_REPORTED]
    if len(reader.low_contrast) > MAX_REPORTED:
        problems.append(f"and {len(reader.low_contrast) - MAX_REPORTED} more low-contrast texts")
    return problems
