"""The template commands, as an operator runs them, against a running embedded stack."""

import json
import re
import struct

from tctfmsg.rendering.store import FileTemplateStore

SHIPPED = len(FileTemplateStore().names())  # every template folder


def ses_client(stack):
    return stack.aws("ses")


def listing(stack) -> dict:
    rows = json.loads(stack.cli("template", "list", "--json", check=True).stdout)
    return {row["name"]: row for row in rows}


def test_every_shipped_template_validates(stack):
    result = stack.cli("template", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{SHIPPED} template(s) checked, 0 problem(s)" in result.stdout


def test_list_shows_category_channels_required_and_storage(stack):
    rows = listing(stack)
    assert rows["mfa_code"]["channels"] == ["sms", "email"]
    assert rows["mfa_code"]["default_channel"] == "sms"
    assert rows["mfa_code"]["security_critical"] is True
    assert rows["verify_email"]["required"] == ["verify_url"]
    assert rows["newsletter"]["category"] == "campaign"
    assert "files" in rows["welcome"]["stored"]


def test_preview_refuses_missing_data_by_name_in_one_line(stack, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"first_name": "Ada"}))
    result = stack.cli("template", "preview", "password_reset", "--data", str(data))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "'password_reset'" in lines[0] and "reset_url" in lines[0]


def test_preview_bad_json_and_unknown_name_are_one_line_errors(stack, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{first_name: Ada")
    result = stack.cli("template", "preview", "welcome", "--data", str(broken))
    assert result.returncode == 1 and "is not valid JSON" in result.stderr
    result = stack.cli("template", "preview", "welcom")
    assert result.returncode == 1 and "no template named 'welcom'" in result.stderr


def test_preview_writes_html_text_and_png(stack, tmp_path):
    out, png = tmp_path / "welcome.html", tmp_path / "welcome.png"
    stack.cli("template", "preview", "welcome", "--out", str(out), "--png", str(png), check=True)
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "Hi Ada," in html
    assert struct.unpack(">I", png.read_bytes()[16:20])[0] == 700
    text = stack.cli("template", "preview", "mfa_code", "--text", check=True).stdout
    assert "finish signing in:\n\n482913" in text
    sms = stack.cli("template", "preview", "mfa_code", "--sms", check=True).stdout
    assert sms.strip().startswith("tctfmsg: your sign-in code is 482913")
    german = stack.cli("template", "preview", "mfa_code", "--sms", "--locale", "de", check=True)
    assert german.stdout.strip().startswith("tctfmsg: Ihr Anmeldecode lautet 482913")


def test_push_versions_in_the_config_table_and_hosts_in_ses(fresh_stack):
    # a stack of its own: on the shared one another test may have pushed newsletter already
    first = fresh_stack.cli("template", "push", "newsletter", check=True).stdout
    assert "newsletter: config table v1" in first
    again = fresh_stack.cli("template", "push", "newsletter", "--ses", check=True).stdout
    assert "unchanged, still v1" in again
    # `local up` hosted it already, under the same stage-and-content name (decision 0080)
    found = re.search(r"SES template (tctfmsg-local-newsletter-[0-9a-f]{10}) updated", again)
    assert found, again
    hosted = ses_client(fresh_stack).get_template(TemplateName=found.group(1))
    assert "{{unsubscribe_url}}" in hosted["Template"]["HtmlPart"]
    assert "{{>" not in hosted["Template"]["HtmlPart"]
    stored = listing(fresh_stack)["newsletter"]["stored"]
    assert stored == ["files", "config table v1", "ses"]


def test_push_all_uploads_every_template(stack):
    result = stack.cli("template", "push", check=True)
    assert result.stdout.count("pushed") == SHIPPED
    rows = listing(stack)
    assert all(any(s.startswith("config table v") for s in r["stored"]) for r in rows.values())
