"""Campaign safety on the embedded stack (decision 0076): a typo is refused before anything is
created; a template broken mid-campaign pauses it and, once fixed, resume sends each recipient
exactly once; one subscriber's bad data is one failure, with its reason everywhere an operator
looks; no send starts after `campaign pause` returns."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.rendering.adapters.config_store import DynamoTemplateVersions
from tctfmsg.rendering.store import TEMPLATES_DIR, FileTemplateStore
from tests.e2e.conftest import Stack, _started
from tests.e2e.helpers import as_json, outbox_counts, wait_for

TEMPLATE = "product_update"  # made to require `plan` in this module's copy of the registry


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    templates = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    registry = templates / "registry.toml"
    registry.write_text(
        registry.read_text().replace(
            'required = ["unsubscribe_url"]\noptional = ["first_name", "name", "email", "plan"]',
            'required = ["unsubscribe_url", "plan"]\noptional = ["first_name", "name", "email"]',
        )
    )
    assert '"unsubscribe_url", "plan"' in registry.read_text()
    extra = {"TCTFMSG_TEMPLATES_DIR": str(templates), "TCTFMSG_TEMPLATE_CACHE_S": "0"}
    yield from _started(tmp_path_factory.mktemp("tctfmsg-safety-home"), extra)


def _import(stack: Stack, tmp_path: Path, list_name: str, rows: dict[str, str]) -> None:
    source = tmp_path / f"{list_name}.csv"
    source.write_text(
        "email,name,plan\n" + "".join(f"{e},{e.split('@')[0]},{p}\n" for e, p in rows.items())
    )
    stack.cli("subscriber", "import", str(source), "--list", list_name, check=True)


def _create(stack: Stack, list_name: str, template: str = TEMPLATE) -> str:
    created = as_json(
        stack, "campaign", "create", "--name", f"e2e {list_name}", "--template", template,
        "--subject", "Hello", "--list", list_name,
    )  # fmt: skip
    return str(created["campaign_id"])


def _status(stack: Stack, campaign_id: str) -> dict[str, Any]:
    return dict(as_json(stack, "campaign", "status", campaign_id))


@contextmanager
def _paced(stack: Stack, rate_per_s: float) -> Iterator[None]:
    """SES slowed and held to a rate, so a campaign lasts long enough to act on half way."""
    before = next(p for p in as_json(stack, "providers", "list") if p["name"] == "ses")
    stack.cli("providers", "configure", "ses", "--rate", str(rate_per_s), check=True)
    stack.cli("local", "fault", "ses", "--slow", "300", check=True)
    try:
        yield
    finally:
        stack.cli("local", "fault", "ses", "--up", check=True)
        stack.cli("providers", "configure", "ses", "--rate", str(before["rate_per_s"]), check=True)


def _template_versions(stack: Stack) -> DynamoTemplateVersions:
    return DynamoTemplateVersions("tctfmsg-local-config", stack.aws("dynamodb"))


def test_a_typo_in_the_template_is_refused_in_one_line_and_nothing_is_created(
    stack: Stack, tmp_path: Path
) -> None:
    _import(stack, tmp_path, "e2e-typo", {"typo1@example.com": "pro"})

    result = stack.cli(
        "campaign", "create", "--name", "e2e typo", "--template", "nosuch",
        "--subject", "Hello", "--list", "e2e-typo",
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no template named 'nosuch' in registry.toml — see `tctfmsg template list` for"
        " the names"
    ]
    assert "Traceback" not in result.stderr
    assert [c for c in as_json(stack, "campaign", "list") if c["name"] == "e2e typo"] == []


def test_a_template_broken_mid_campaign_pauses_it_and_resume_after_the_fix_sends_each_once(
    stack: Stack, tmp_path: Path
) -> None:
    emails = [f"broken{i:02d}@example.com" for i in range(40)]
    _import(stack, tmp_path, "e2e-broken", dict.fromkeys(emails, "pro"))
    campaign_id = _create(stack, "e2e-broken")
    versions = _template_versions(stack)
    good = FileTemplateStore(Path(stack.env["TCTFMSG_TEMPLATES_DIR"])).get(TEMPLATE)
    with _paced(stack, rate_per_s=4):
        stack.cli("campaign", "send-now", campaign_id, check=True)
        wait_for("the first sends", lambda: _status(stack, campaign_id)["counters"]["sent"] >= 3)
        versions.put(replace(good, html=good.html + "{{>no_such_partial}}"))  # broken for all
        paused = wait_for(
            "the automatic pause",
            lambda: (
                (s := as_json(stack, "campaign", "show", campaign_id))["status"] == "paused" and s
            ),
        )
        refused = stack.cli("campaign", "resume", campaign_id)  # still broken: refused
        versions.put(good)  # the fix
        stack.cli("campaign", "resume", campaign_id, check=True)
        final = wait_for(
            "the campaign to complete",
            lambda: (s := _status(stack, campaign_id))["status"] == "completed" and s,
        )

    assert paused["pause_reason"].startswith(f"auto-paused: template '{TEMPLATE}' does not render")
    assert "no_such_partial" in paused["pause_reason"]
    assert refused.returncode == 1 and "does not render" in refused.stderr
    assert outbox_counts(stack, emails) == dict.fromkeys(emails, 1)
    counters = final["counters"]
    assert counters["sent"] == counters["targeted"] == counters["queued"] == 40
    assert counters["failed"] == 0
    assert final["pause_reason"] is None


def test_one_subscriber_with_bad_data_is_one_failure_with_its_reason_and_no_pause(
    stack: Stack, tmp_path: Path
) -> None:
    rows = {f"data{i}@example.com": "pro" for i in range(4)} | {"zz-noplan@example.com": ""}
    _import(stack, tmp_path, "e2e-data", rows)
    campaign_id = _create(stack, "e2e-data")

    stack.cli("campaign", "send-now", campaign_id, check=True)
    final = wait_for(
        "the campaign to complete",
        lambda: (s := _status(stack, campaign_id))["status"] == "completed" and s,
    )
    shown = as_json(stack, "campaign", "show", campaign_id)
    listed = as_json(stack, "campaign", "failures", campaign_id, "--reason", "render-error")

    assert (final["counters"]["sent"], final["counters"]["failed"]) == (4, 1)
    assert final["pause_reason"] is None
    assert [(f["reason"], f["count"], f["sample"]) for f in shown["failures"]] == [
        ("render-error", 1, "zz-noplan@example.com")
    ]
    [failure] = listed
    assert failure["recipient"] == "zz-noplan@example.com"
    assert "needs variable plan" in failure["detail"]
    assert failure["retryable"] is False
    log = (stack.home / "local" / "stack.log").read_text()
    assert f"delivery to zz-noplan@example.com in {campaign_id} failed: render-error" in log


def test_no_send_starts_after_pause_returns(stack: Stack, tmp_path: Path) -> None:
    emails = [f"pausing{i:02d}@example.com" for i in range(40)]
    _import(stack, tmp_path, "e2e-pausing", dict.fromkeys(emails, "pro"))
    campaign_id = _create(stack, "e2e-pausing")
    with _paced(stack, rate_per_s=4):
        stack.cli("campaign", "send-now", campaign_id, check=True)
        wait_for("the first sends", lambda: _status(stack, campaign_id)["counters"]["sent"] >= 3)
        stack.cli("campaign", "pause", campaign_id, check=True)
        at_pause = sum(outbox_counts(stack, emails).values())
        time.sleep(4)  # longer than a visibility timeout: a late send would have landed
        after = sum(outbox_counts(stack, emails).values())

    assert after == at_pause < 40
