"""The gallery service on the shipped templates with a stand-in Chromium: what it renders,
what the index links, how failures show, and that screenshots run side by side."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from tctfmsg.core.errors import InvalidInput, TctfmsgError
from tctfmsg.rendering import gallery
from tctfmsg.rendering.gallery import Card, pool_size, render_gallery
from tctfmsg.rendering.gallery_index import index_html
from tctfmsg.rendering.store import FileTemplateStore
from tests.unit.rendering.fakes import FakeScreenshots, template_deps

LINKS = re.compile(r'href="([^"]+)"')


def test_every_template_gets_a_png_per_width_and_the_index_links_them_all(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    shots = FakeScreenshots()

    shown = render_gallery(template_deps(files, screenshots=shots), tmp_path / "g")

    names = files.names()
    assert sorted(card.template for card in shown.cards) == names
    expected = {f"{n}.en.{w}.png" for n in names for w in (700, 375)}
    assert {out.name for _, out, _ in shots.taken} == expected
    assert {(out.name, w) for _, out, w in shots.taken} == {
        (f"{n}.en.{w}.png", w) for n in names for w in (700, 375)
    }
    index = (tmp_path / "g" / "index.html").read_text()
    assert set(LINKS.findall(index)) == expected
    assert all((tmp_path / "g" / link).is_file() for link in expected)
    assert shown.failures == 0 and shown.pictures == 2 * len(names)


def test_the_index_shows_subject_preheader_category_channels_and_locale(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    shown = render_gallery(template_deps(files), tmp_path)

    card = next(c for c in shown.cards if c.template == "account_locked")
    assert card.subject == "Your tctfmsg account is locked"
    assert card.preheader.startswith("Too many failed sign-ins")
    index = (tmp_path / "index.html").read_text()
    section = index.split('id="account_locked.en"', 1)[1].split("</section>", 1)[0]
    for shown_text in (card.subject, card.preheader, "transactional", "email, sms", ">en<"):
        assert shown_text in section


class FailingAt375(FakeScreenshots):
    def screenshot(self, html: str, out: Path, width: int) -> int:
        if width == 375 and "newsletter" in out.name:
            raise TctfmsgError("Chromium did not finish within 60s")
        return super().screenshot(html, out, width)


def test_a_failed_screenshot_is_shown_on_its_card_and_counted(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    shown = render_gallery(template_deps(files, screenshots=FailingAt375()), tmp_path)

    assert shown.failures == 1 and shown.pictures == 2 * len(files.names()) - 1
    card = next(c for c in shown.cards if c.template == "newsletter")
    assert card.shots == {700: "newsletter.en.700.png"}
    index = (tmp_path / "index.html").read_text()
    assert "no screenshot: Chromium did not finish within 60s" in index


def test_a_template_that_cannot_render_is_listed_with_its_reason(
    scratch: Path, tmp_path: Path
) -> None:
    sample = scratch / "messages" / "password_reset" / "sample.json"
    data = json.loads(sample.read_text())
    del data["reset_url"]
    sample.write_text(json.dumps(data))

    shown = render_gallery(template_deps(FileTemplateStore(scratch)), tmp_path / "g")

    card = next(c for c in shown.cards if c.template == "password_reset")
    assert card.error is not None and "reset_url" in card.error and not card.shots
    assert shown.failures == 1 and shown.pictures == 2 * len(FileTemplateStore(scratch).names()) - 2
    assert "not rendered: " in (tmp_path / "g" / "index.html").read_text()


def test_the_index_escapes_template_text_and_links_relatively() -> None:
    card = Card("x<y", "en", "campaign", ("email",), subject='<script>alert("s")</script>')
    card.shots[700] = 'x<y".en.700.png'

    page = index_html([card], (700, 375))

    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="x%3Cy%22.en.700.png"' in page
    assert "http" not in page and "<script" not in page  # no external asset, no script


def test_screenshots_run_side_by_side_in_a_bounded_pool(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    together = threading.Barrier(2, timeout=10)  # two shots must be in flight at once
    at_once, lock, peak = [0], threading.Lock(), [0]

    class Concurrent(FakeScreenshots):
        def screenshot(self, html: str, out: Path, width: int) -> int:
            with lock:
                at_once[0] += 1
                peak[0] = max(peak[0], at_once[0])
            try:
                together.wait()  # alone (a serial pool), this breaks after its timeout
                return super().screenshot(html, out, width)
            finally:
                with lock:
                    at_once[0] -= 1

    shown = render_gallery(template_deps(files, screenshots=Concurrent()), tmp_path, workers=2)

    assert shown.pictures == 2 * len(files.names()) and peak[0] == 2


def test_pool_size_is_one_chromium_per_core_and_never_more_than_the_work() -> None:
    assert pool_size(22, cpus=2) == 2
    assert pool_size(1, cpus=8) == 1
    assert pool_size(22, cpus=None) >= 1


def test_locale_default_is_each_templates_default_and_all_is_every_variant(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    names = files.names()
    for locale in (None, "en"):
        shown = render_gallery(template_deps(files), tmp_path / str(locale), locale)
        assert {c.locale for c in shown.cards} == {"en"} and len(shown.cards) == len(names)
    every = render_gallery(template_deps(files), tmp_path / "all", "all")
    expected = {(n, x) for n in names for x in files.get(n).locales}
    assert {(c.template, c.locale) for c in every.cards} == expected
    assert ("password_reset", "ar") in expected and ("password_reset", "pt-BR") in expected


def test_one_locale_shows_the_templates_written_in_it_in_its_words(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    shown = render_gallery(template_deps(files), tmp_path, "de")
    german = {n for n in files.names() if "de" in files.get(n).locales}
    assert {c.template for c in shown.cards} == german and {c.locale for c in shown.cards} == {"de"}
    reset = next(c for c in shown.cards if c.template == "password_reset")
    english = render_gallery(template_deps(files), tmp_path / "en", "en")
    reset_en = next(c for c in english.cards if c.template == "password_reset")
    assert reset.subject != reset_en.subject and reset.preheader != reset_en.preheader


def test_a_locale_no_template_has_is_one_clear_error(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="no template is written in locale 'xx'") as caught:
        render_gallery(template_deps(files), tmp_path, "xx")
    assert "en" in str(caught.value.hint)


def test_the_locale_seam_lists_every_variant_it_is_given(
    files: FileTemplateStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gallery, "template_locales", lambda _files, _t: ("en", "es"))

    shown = render_gallery(template_deps(files), tmp_path, "all")

    names = files.names()
    assert len(shown.cards) == 2 * len(names) and shown.pictures == 4 * len(names)
    assert (tmp_path / "newsletter.es.375.png").is_file()
