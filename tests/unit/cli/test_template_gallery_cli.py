"""`tctfmsg template gallery` in-process, on the shipped templates and a stand-in Chromium."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest

from tctfmsg.core.errors import TctfmsgError
from tctfmsg.rendering.store import FileTemplateStore
from tests.unit.cli.conftest import Cli
from tests.unit.cli.test_template_cli import Templates
from tests.unit.rendering.fakes import FakeScreenshots


class BrokenChromium(FakeScreenshots):
    def screenshot(self, html: str, out: Path, width: int) -> int:
        raise TctfmsgError("Chromium failed (exit 1): no display")


def test_gallery_writes_the_index_and_opens_it_when_asked(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.templates = Templates()
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)

    result = cli("template", "gallery", "--out", str(tmp_path / "g"), "--open")

    assert result.exit_code == 0, result.output
    n = len(FileTemplateStore().names())
    assert f"{n} template(s), {2 * n} screenshot(s), 0 failure(s)" in result.stdout
    assert opened == [(tmp_path / "g" / "index.html").resolve().as_uri()]


def test_failed_renders_are_listed_and_the_exit_code_says_so(cli: Cli, tmp_path: Path) -> None:
    cli.templates = Templates(screenshots=BrokenChromium())

    result = cli("template", "gallery", "--out", str(tmp_path))

    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert f"{2 * len(FileTemplateStore().names())} failure(s)" in result.stdout
    assert "newsletter 375px: Chromium failed (exit 1): no display" in result.stderr
    assert (tmp_path / "index.html").is_file()


def test_an_unknown_locale_is_one_line(cli: Cli, tmp_path: Path) -> None:
    cli.templates = Templates()

    result = cli("template", "gallery", "--out", str(tmp_path), "--locale", "xx")

    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no template is written in locale 'xx'" in result.stderr


def test_an_out_that_is_a_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    cli.templates = Templates()
    taken = tmp_path / "taken"
    taken.write_text("not a folder")

    result = cli("template", "gallery", "--out", str(taken))

    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "cannot write the gallery to" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
