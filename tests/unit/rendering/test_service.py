"""The template use cases (list, preview, validate, push) on the shipped files and fakes of
the config table, SES and Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tctfmsg.core.errors import InvalidInput, NotFound, StackNotRunning
from tctfmsg.rendering import service
from tctfmsg.rendering.service import Part
from tctfmsg.rendering.store import FileTemplateStore
from tests.unit.rendering.fakes import (
    FakeScreenshots,
    HostedDown,
    MemoryHosted,
    MemoryVersions,
    VersionsDown,
    template_deps,
)

SHIPPED = len(FileTemplateStore().names())  # every template folder


def test_list_shows_where_each_template_is_stored(files: FileTemplateStore) -> None:
    versions, hosted = MemoryVersions(), MemoryHosted()
    deps = template_deps(files, versions, hosted)
    service.push(deps, "newsletter", to_ses=True)

    listing = service.list_templates(deps)

    rows = {row["name"]: row for row in listing.rows}
    assert listing.unchecked is None
    assert rows["newsletter"]["stored"] == ["files", "config table v1", "ses"]
    assert rows["welcome"]["stored"] == ["files"]
    assert rows["mfa_code"]["default_channel"] == "sms"
    assert rows["verify_email"]["required"] == ["verify_url"]


def test_list_without_the_stack_shows_the_files_and_says_what_was_not_checked(
    files: FileTemplateStore,
) -> None:
    listing = service.list_templates(template_deps(files, VersionsDown(), HostedDown()))

    assert len(listing.rows) == SHIPPED
    assert all(row["stored"] == ["files"] for row in listing.rows)
    assert listing.unchecked is not None and "not running" in listing.unchecked


def test_preview_renders_the_html_with_the_sample_and_the_shipped_images(
    files: FileTemplateStore,
) -> None:
    shown = service.preview(template_deps(files), "welcome")

    assert shown.template == "welcome" and shown.part is Part.HTML
    assert shown.body.startswith("<!DOCTYPE html>") and "Hi Ada," in shown.body
    assert files.design().assets_dir.resolve().as_uri() in shown.body
    assert shown.subject and shown.html == shown.body and shown.png_height is None


def test_preview_of_a_notification_type_renders_its_template(files: FileTemplateStore) -> None:
    shown = service.preview(template_deps(files), "mfa_code", part=Part.TEXT)

    assert "finish signing in:\n\n482913" in shown.body
    assert shown.html is not None and shown.html.startswith("<!DOCTYPE html>")


def test_preview_of_the_sms_part_has_no_subject_and_no_html(files: FileTemplateStore) -> None:
    shown = service.preview(template_deps(files), "mfa_code", part=Part.SMS)

    assert shown.body.startswith("tctfmsg: your sign-in code is 482913")
    assert (shown.subject, shown.html) == (None, None)


def test_preview_with_a_png_asks_the_screenshotter_for_the_html(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    shots = FakeScreenshots()
    png = tmp_path / "welcome.png"

    shown = service.preview(template_deps(files, screenshots=shots), "welcome", png=png, width=375)

    assert shots.taken == [(shown.html, png, 375)]
    assert shown.png_height == 1234


def test_preview_uses_the_data_file_and_names_what_is_missing(
    files: FileTemplateStore, tmp_path: Path
) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"first_name": "Grace", "verify_url": "https://v/1"}))
    shown = service.preview(template_deps(files), "verify_email", data=data)
    assert "Grace" in shown.body

    data.write_text(json.dumps({"first_name": "Ada"}))
    with pytest.raises(InvalidInput, match="reset_url"):
        service.preview(template_deps(files), "password_reset", data=data)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{first_name: Ada", "is not valid JSON"), ("[1, 2]", "holds a JSON list, not an object")],
)
def test_preview_refuses_data_that_is_not_a_json_object(
    files: FileTemplateStore, tmp_path: Path, content: str, message: str
) -> None:
    data = tmp_path / "data.json"
    data.write_text(content)

    with pytest.raises(InvalidInput, match=message):
        service.preview(template_deps(files), "welcome", data=data)


def test_preview_of_an_unknown_name_is_not_found(files: FileTemplateStore) -> None:
    with pytest.raises(NotFound, match="no template named 'welcom'"):
        service.preview(template_deps(files), "welcom")


def test_validate_counts_the_templates_checked_and_their_problems(
    files: FileTemplateStore,
) -> None:
    validation = service.validate(template_deps(files))

    assert (validation.checked, validation.problems) == (SHIPPED, 0)
    assert service.validate(template_deps(files), "mfa_code").checked == 1


def test_push_stores_a_new_version_only_when_the_files_changed(files: FileTemplateStore) -> None:
    versions = MemoryVersions()
    deps = template_deps(files, versions)

    [first] = service.push(deps, "newsletter")
    [again] = service.push(deps, "newsletter")

    assert (first.version, first.changed, first.ses) == (1, True, None)
    assert (again.version, again.changed) == (1, False)
    assert len(versions.versions["newsletter"]) == 1


def test_push_to_ses_creates_then_updates_the_flattened_template(
    files: FileTemplateStore,
) -> None:
    hosted = MemoryHosted()
    deps = template_deps(files, hosted=hosted, stage="prod")

    [first] = service.push(deps, "newsletter", to_ses=True)
    [again] = service.push(deps, "newsletter", to_ses=True)

    assert first.ses_template and first.ses_template.startswith("tctfmsg-prod-newsletter-")
    assert (again.ses_template, first.ses, again.ses) == (first.ses_template, "created", "updated")
    assert "{{>" not in hosted.templates[first.ses_template].html


def test_push_of_every_template_uploads_each(files: FileTemplateStore) -> None:
    versions = MemoryVersions()

    pushed = service.push(template_deps(files, versions))

    assert [p.name for p in pushed] == versions.names() and len(pushed) == SHIPPED


def test_a_broken_template_stops_the_whole_push_before_anything_is_uploaded(
    scratch: Path,
) -> None:
    (scratch / "messages" / "welcome" / "sample.json").write_text("{}")
    versions = MemoryVersions()

    with pytest.raises(InvalidInput, match="not pushed: welcome"):
        service.push(template_deps(FileTemplateStore(scratch), versions))

    assert versions.names() == []


def test_push_without_the_stack_says_it_is_not_running(files: FileTemplateStore) -> None:
    with pytest.raises(StackNotRunning):
        service.push(template_deps(files, VersionsDown()), "newsletter")
