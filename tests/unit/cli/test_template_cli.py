"""`tctfmsg template …` driven in-process on the shipped files and fakes of the config table,
SES and Chromium: what it prints, its exit code, and what it asked of the template service."""

from __future__ import annotations

import json
import re
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.rendering import service
from tctfmsg.rendering.service import Part
from tctfmsg.rendering.store import TEMPLATES_DIR, FileTemplateStore
from tests.unit.cli.conftest import Cli
from tests.unit.rendering.fakes import (
    FakeScreenshots,
    HostedDown,
    MemoryHosted,
    MemoryVersions,
    VersionsDown,
    template_deps,
)

SHIPPED = len(FileTemplateStore().names())  # every template folder


class Templates:
    """A TemplateRoot as far as the template commands use one."""

    def __init__(self, files: FileTemplateStore | None = None, **ports: Any) -> None:
        self.versions = ports.pop("versions", MemoryVersions())
        self.hosted = ports.pop("hosted", MemoryHosted())
        self.screenshots = ports.pop("screenshots", FakeScreenshots())
        self.template_deps = template_deps(
            files or FileTemplateStore(TEMPLATES_DIR),
            self.versions,
            self.hosted,
            self.screenshots,
            stage="test",
        )


@pytest.fixture
def templates(cli: Cli) -> Templates:
    cli.templates = Templates()
    return cli.templates


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


# list


def test_list_json_shows_each_template_and_where_it_is_stored(
    cli: Cli, templates: Templates
) -> None:
    service.push(templates.template_deps, "newsletter", to_ses=True)

    result = cli("template", "list", "--json")

    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert len(rows) == SHIPPED
    assert rows["newsletter"]["stored"] == ["files", "config table v1", "ses"]
    assert rows["mfa_code"]["channels"] == ["sms", "email"]
    assert rows["mfa_code"]["security_critical"] is True
    assert rows["mfa_code"]["locales"] == ["en", "ar", "de", "es", "fr", "pt-BR"]
    assert set(rows["welcome"]) == {
        "name",
        "types",
        "category",
        "channels",
        "default_channel",
        "required",
        "optional",
        "security_critical",
        "subject",
        "locales",
        "stored",
    }


def test_list_prints_a_table_of_the_templates(cli: Cli, templates: Templates) -> None:
    result = cli("template", "list")

    assert result.exit_code == 0, result.output
    assert "template" in result.stdout and "stored" in result.stdout
    assert "password_reset" in result.stdout and "reset_url" in result.stdout
    assert "(security)" in result.stdout
    assert "en ar de es fr pt-BR" in result.stdout  # password_reset's locales, default first
    assert result.stderr == ""


def test_list_without_the_stack_still_lists_and_says_what_it_did_not_check(cli: Cli) -> None:
    cli.templates = Templates(versions=VersionsDown(), hosted=HostedDown())

    result = cli("template", "list")

    assert result.exit_code == 0, result.output
    assert "newsletter" in result.stdout
    assert "config table and SES not checked" in result.stderr


# preview


def test_preview_prints_the_html_and_the_subject_apart(cli: Cli, templates: Templates) -> None:
    result = cli("template", "preview", "welcome")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and "Hi Ada," in result.stdout
    assert result.stderr.startswith("subject: ")
    assert templates.screenshots.taken == []


def test_preview_text_and_sms_print_those_parts(cli: Cli, templates: Templates) -> None:
    text = cli("template", "preview", "mfa_code", "--text")
    sms = cli("template", "preview", "mfa_code", "--sms")

    assert text.exit_code == 0 and sms.exit_code == 0, text.output + sms.output
    assert "finish signing in:\n\n482913" in text.stdout and "<html" not in text.stdout
    assert sms.stdout.startswith("tctfmsg: your sign-in code is 482913")
    assert sms.stderr == ""  # an SMS has no subject


def test_preview_out_and_png_write_files_and_say_where(
    cli: Cli, templates: Templates, tmp_path: Path
) -> None:
    out, png = tmp_path / "w" / "welcome.html", tmp_path / "welcome.png"

    result = cli("template", "preview", "welcome", "--out", str(out), "--png", str(png))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [(shot[1], shot[2]) for shot in templates.screenshots.taken] == [(png, 700)]
    assert f"written to {out}" in result.stderr
    assert f"screenshot 700x1234px written to {png}" in result.stderr


def test_preview_passes_its_options_to_the_service(
    cli: Cli, templates: Templates, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[Any, ...]] = []

    def preview(*args: Any) -> service.Preview:
        calls.append(args)
        return service.Preview("mfa_code", Part.TEXT, "the text\n", "the subject", "<html/>")

    monkeypatch.setattr(service, "preview", preview)
    data = tmp_path / "d.json"

    result = cli("template", "preview", "mfa_code", "--text", "--data", str(data), "--width", "375")

    assert result.exit_code == 0, result.output
    assert calls == [(templates.template_deps, "mfa_code", data, Part.TEXT, None, 375, None)]
    assert result.stdout == "the text\n"


def test_preview_open_shows_the_html_in_the_browser(
    cli: Cli, templates: Templates, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    out = tmp_path / "welcome.html"

    result = cli("template", "preview", "welcome", "--out", str(out), "--open")

    assert result.exit_code == 0, result.output
    assert opened == [out.resolve().as_uri()]


def test_preview_of_a_missing_variable_is_one_line_naming_it(
    cli: Cli, templates: Templates, tmp_path: Path
) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"first_name": "Ada"}))

    line = _one_line_error(cli("template", "preview", "password_reset", "--data", str(data)))

    assert "'password_reset'" in line and "reset_url" in line


def test_preview_of_bad_json_or_an_unknown_name_is_one_line(
    cli: Cli, templates: Templates, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{first_name: Ada")

    assert "is not valid JSON" in _one_line_error(
        cli("template", "preview", "welcome", "--data", str(broken))
    )
    assert "no template named 'welcom'" in _one_line_error(cli("template", "preview", "welcom"))


def test_preview_refuses_a_width_out_of_range(cli: Cli, templates: Templates) -> None:
    result = cli("template", "preview", "welcome", "--png", "x.png", "--width", "100")

    assert result.exit_code == 2
    assert templates.screenshots.taken == []


# validate


def test_validate_reports_every_shipped_template_fit(cli: Cli, templates: Templates) -> None:
    result = cli("template", "validate")

    assert result.exit_code == 0, result.output
    assert f"{SHIPPED} template(s) checked, 0 problem(s)" in result.stdout


def test_validate_json_has_the_counts_and_the_problems_by_template(
    cli: Cli, templates: Templates
) -> None:
    result = cli("template", "validate", "mfa_code", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == {
        "checked": 1,
        "problems": 0,
        "templates": {"registry.toml": [], "mfa_code": []},
    }


def test_validate_lists_each_problem_and_exits_1(cli: Cli, scratch: Path) -> None:
    sample = scratch / "messages" / "verify_email" / "sample.json"
    sample.write_text('{"first_name": "Ada"}')
    cli.templates = Templates(FileTemplateStore(scratch))

    result = cli("template", "validate")

    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith("✗ verify_email:")]
    assert len(problems) == 1 and "verify_url" in problems[0]
    assert f"{SHIPPED} template(s) checked, 1 problem(s)" in result.stdout


# push


def test_push_stores_a_version_then_says_it_is_unchanged(cli: Cli, templates: Templates) -> None:
    first = cli("template", "push", "newsletter")
    again = cli("template", "push", "newsletter", "--ses")

    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert first.stdout.strip() == "pushed newsletter: config table v1"
    assert re.fullmatch(
        r"pushed newsletter: config table unchanged, still v1; "
        r"SES template tctfmsg-test-newsletter-[0-9a-f]{10} created",
        again.stdout.strip(),
    )
    assert len(templates.versions.versions["newsletter"]) == 1
    assert [n.rsplit("-", 1)[0] for n in templates.hosted.names()] == ["tctfmsg-test-newsletter"]


def test_push_of_a_notification_type_pushes_its_template(cli: Cli, templates: Templates) -> None:
    result = cli("template", "push", "mfa_code")

    assert result.exit_code == 0, result.output
    assert templates.versions.names() == ["mfa_code"]


def test_push_without_a_name_pushes_every_template(cli: Cli, templates: Templates) -> None:
    result = cli("template", "push")

    assert result.exit_code == 0, result.output
    assert result.stdout.count("pushed ") == SHIPPED
    assert len(templates.versions.names()) == SHIPPED
    assert templates.hosted.names() == set()


def test_push_of_a_broken_template_is_one_line_and_uploads_nothing(cli: Cli, scratch: Path) -> None:
    (scratch / "messages" / "welcome" / "sample.json").write_text("{}")
    cli.templates = Templates(FileTemplateStore(scratch))

    line = _one_line_error(cli("template", "push"))

    assert "not pushed: welcome" in line and "tctfmsg template validate welcome" in line
    assert cli.templates.versions.names() == []


def test_push_without_the_stack_is_one_line_saying_how_to_start_it(cli: Cli) -> None:
    cli.templates = Templates(versions=VersionsDown(), hosted=HostedDown())

    line = _one_line_error(cli("template", "push", "newsletter"))

    assert "the embedded stack is not running" in line and "tctfmsg local up" in line


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root, ignore=shutil.ignore_patterns("assets"))
    return root


def test_the_template_group_has_the_four_commands_covered_here() -> None:
    from tctfmsg.cli import template

    names = {
        c.name or getattr(c.callback, "__name__", "") for c in template.app.registered_commands
    }
    assert names == {"list", "preview", "validate", "push", "gallery"}  # gallery: its own file
