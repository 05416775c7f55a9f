"""`template validate`: what it finds in a template, one line per problem."""

from __future__ import annotations

from pathlib import Path

from tctfmsg.rendering import service
from tctfmsg.rendering.checks import html_problems
from tctfmsg.rendering.store import FileTemplateStore
from tests.unit.rendering.fakes import template_deps


def _validate(files: FileTemplateStore, name: str | None = None) -> dict[str, list[str]]:
    return service.validate(template_deps(files), name).templates


def test_every_shipped_template_validates(files):
    results = _validate(files)
    assert len(results) >= 31  # the registry file and at least thirty templates
    assert all(problems == [] for problems in results.values()), results


def test_unclosed_and_misnested_tags_are_found():
    assert html_problems("<!DOCTYPE html><table><tr><td>x</td></tr></table>") == []
    found = html_problems("<!DOCTYPE html><table><tr><td>x</tr></table><p>")
    assert any("</tr> where </td>" in p for p in found)
    assert any("<p> is never closed" in p for p in found)
    assert html_problems("<html></html>")[0] == "does not start with <!DOCTYPE html>"


def test_broken_html_sample_and_size_are_reported(scratch: Path):
    body = scratch / "messages" / "welcome" / "html.mustache"
    body.write_text(body.read_text() + "<div>never closed\n" + "<p>x</p>" * 15000)
    sample = scratch / "messages" / "verify_email" / "sample.json"
    sample.write_text('{"first_name": "Ada"}')
    results = _validate(FileTemplateStore(scratch))
    welcome = " | ".join(results["welcome"])
    assert "</td> where </div>" in welcome  # the div left open inside the content cell
    assert "over Gmail's 102 KB clipping limit" in welcome
    assert any("verify_url" in p and "sample.json" in p for p in results["verify_email"])
    assert results["newsletter"] == []


def test_a_required_variable_no_part_uses_is_reported(scratch: Path):
    registry = scratch / "registry.toml"
    registry.write_text(
        registry.read_text().replace(
            'required = ["verify_url"]', 'required = ["verify_url", "otp"]'
        )
    )
    results = _validate(FileTemplateStore(scratch), "verify_email")
    assert any("requires 'otp'" in p for p in results["registry.toml"])


def test_an_sms_over_one_segment_is_reported(scratch: Path):
    (scratch / "messages" / "mfa_code" / "sms.mustache").write_text("{{code}} " + "x" * 170)
    results = _validate(FileTemplateStore(scratch), "mfa_code")
    assert any("over one 160-character segment" in p for p in results["mfa_code"])
