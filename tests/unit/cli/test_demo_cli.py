"""`tctfmsg demo` at the door: `demo.run` is a stand-in that reports steps and progress and
returns a report, so what is tested is how the command presents the story and its verdict."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, Counters
from tctfmsg.campaigns.services.delivery_audit import DeliveryAudit
from tctfmsg.campaigns.services.subscriber_import import ImportReport
from tctfmsg.core import settings as settings_module
from tctfmsg.core.errors import Conflict
from tctfmsg.core.settings import Settings
from tctfmsg.local import demo
from tctfmsg.local.demo_transactional import Delivered, TransactionalReport
from tests.support.cli_roots import CampaignWorld, error_line
from tests.unit.cli.conftest import Cli

REPORT_KEYS = {
    "campaign_id", "status", "imported", "rejected_rows", "targeted", "sent_by_provider",
    "sent", "skipped", "failed", "dropped", "duplicated", "unrecorded", "seconds",
    "ses_outage_seconds", "transactional",
}  # fmt: skip


def _campaign() -> Campaign:
    counters = Counters(targeted=10, queued=10, sent=8, skipped=2)
    return CampaignWorld().campaign(CampaignStatus.COMPLETED, counters=counters, fanout_done=True)


def _transactional(repeat_sent_nothing: bool = True) -> TransactionalReport:
    return TransactionalReport(
        during_campaign=[
            Delivered("password_reset", "n-1", "sent", "email", "ses", 140, ["email: sent"]),
            Delivered("mfa_code", "n-2", "sent", "sms", "end-user-messaging-sms", 95),
        ],
        fallback=Delivered(
            "account_locked",
            "n-3",
            "sent",
            "sms",
            "end-user-messaging-sms",
            310,
            ["email: unavailable", "sms: sent"],
        ),
        repeat_same_id=True,
        repeat_sent_nothing=repeat_sent_nothing,
    )


def _report(
    dropped: int = 0, duplicated: int = 0, repeat_sent_nothing: bool = True
) -> demo.DemoReport:
    audit = DeliveryAudit(
        targeted=10,
        sent_by_provider={"resend": 3, "ses": 5 + duplicated},
        ledger={"sent": 8, "skipped": 2},
        received=8 - dropped,
        duplicated=duplicated,
        dropped=dropped,
        unrecorded=0,
    )
    imported = ImportReport(read=12, imported=10, rejected=2)
    return demo.DemoReport(
        _campaign(), imported, audit, seconds=4.567, outage_s=1.234,
        transactional=_transactional(repeat_sent_nothing),
    )  # fmt: skip


@dataclass
class FakeDemo:
    """Stands for `demo.run`: tells the reporter two steps and one progress, then answers."""

    answer: demo.DemoReport | Exception = field(default_factory=_report)
    calls: list[tuple[Settings, Any]] = field(default_factory=list)

    def run(self, settings: Settings, reporter: demo.Reporter) -> demo.DemoReport:
        self.calls.append((settings, reporter))
        reporter.step("embedded stack started at http://127.0.0.1:6200")
        if isinstance(self.answer, Exception):
            raise self.answer
        reporter.progress(self.answer.campaign, 10)
        reporter.step("campaign completed")
        return self.answer


def _campaign_id(fake: FakeDemo) -> str:
    assert isinstance(fake.answer, demo.DemoReport)
    return fake.answer.campaign.campaign_id


@pytest.fixture
def fake_demo(monkeypatch: pytest.MonkeyPatch) -> FakeDemo:
    fake = FakeDemo()
    monkeypatch.setattr(demo, "run", fake.run)
    return fake


def _rows(table: str) -> dict[str, str]:
    """label → value, for every two-cell row of a printed table, whatever its borders."""
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"│|\s{2,}", line) if c.strip()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def test_demo_tells_the_story_then_prints_the_report(cli: Cli, fake_demo: FakeDemo) -> None:
    result = cli("demo")

    assert result.exit_code == 0, result.output
    ((settings, _reporter),) = fake_demo.calls
    assert settings is cli.settings
    out = result.stdout
    assert "• embedded stack started at http://127.0.0.1:6200" in out
    assert "completed: sent 8, skipped 2, failed 0" in out  # the progress it was shown
    assert "• campaign completed" in out
    assert f"Campaign {_campaign_id(fake_demo)}" in out
    assert _rows(out) == {
        "sent via resend": "3",
        "sent via ses": "5",
        "sent (ledger)": "8",
        "skipped (unsubscribed, bounced)": "2",
        "failed": "0",
        "dropped": "0",
        "duplicated": "0",
        "SES outage": "1.2 s",
        "time taken": "4.6 s",
        "password_reset during the campaign": "sent by email (ses) in 140 ms",
        "mfa_code during the campaign": "sent by sms (end-user-messaging-sms) in 95 ms",
        "account_locked, every email provider down": "sent by sms (email: unavailable, sms: sent)",
        "idempotency key repeated": "same notification, nothing sent",
    }


def test_demo_json_is_the_report_and_nothing_else(cli: Cli, fake_demo: FakeDemo) -> None:
    result = cli("demo", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the steps are not printed among the JSON
    assert set(report) == REPORT_KEYS
    assert report == {
        "campaign_id": _campaign_id(fake_demo),
        "status": "completed",
        "imported": 10,
        "rejected_rows": 2,
        "targeted": 10,
        "sent_by_provider": {"resend": 3, "ses": 5},
        "sent": 8,
        "skipped": 2,
        "failed": 0,
        "dropped": 0,
        "duplicated": 0,
        "unrecorded": 0,
        "seconds": 4.57,
        "ses_outage_seconds": 1.23,
        "transactional": _transactional().as_json(),
    }


@pytest.mark.parametrize("as_json", [False, True])
def test_a_dirty_audit_prints_the_report_then_fails_in_one_line(
    cli: Cli, fake_demo: FakeDemo, as_json: bool
) -> None:
    fake_demo.answer = _report(dropped=1, duplicated=2)

    result = cli("demo", *(["--json"] if as_json else []))

    line = error_line(result)
    assert "1 dropped, 2 duplicated" in line and "this is a bug" in line
    if as_json:
        assert json.loads(result.stdout)["dropped"] == 1
    else:
        rows = _rows(result.stdout)
        assert (rows["dropped"], rows["duplicated"]) == ("1", "2")


def test_a_demo_that_cannot_run_is_one_line(cli: Cli, fake_demo: FakeDemo) -> None:
    fake_demo.answer = Conflict("port in use on 127.0.0.1: aws (5566)", "pick other ports")

    result = cli("demo")

    assert "port in use on 127.0.0.1" in error_line(result)


def test_the_demo_refuses_a_deployed_stage(cli: Cli, tmp_path: Path) -> None:
    cli.settings = settings_module.load(target="aws", stage="prod", home=tmp_path / "home")

    result = cli("demo")  # the real demo.run: it refuses before it starts anything

    line = error_line(result)
    assert "the demo runs on the embedded stack only" in line and "without --stage" in line


def test_a_repeated_key_that_sent_again_fails_the_demo_in_one_line(
    cli: Cli, fake_demo: FakeDemo
) -> None:
    fake_demo.answer = _report(repeat_sent_nothing=False)

    result = cli("demo")

    assert result.exit_code == 1
    assert error_line(result).startswith(
        "error: a repeated idempotency key sent a notification again"
    )
