"""`tctfmsg campaign …` on in-memory campaign ports: what each command prints, its exit code,
and the lifecycle move it made."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Counters
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.cli import campaign as campaign_cli
from tctfmsg.email.message import SendReceipt
from tests.support.cli_roots import CampaignWorld, FakeTemplatesRoot, error_line
from tests.support.email_memory import FakeEmailRoot, RecordingSender
from tests.unit.cli.conftest import Cli

CAMPAIGN_KEYS = {
    "campaign_id", "name", "subject", "template", "render", "list", "filter", "sender",
    "status", "send_at", "fanout_done", "counters", "created_at", "updated_at", "completed_at",
    "pause_reason", "failures",
}  # fmt: skip


@pytest.fixture
def world(cli: Cli) -> CampaignWorld:
    world = CampaignWorld()
    cli.campaigns = world
    return world


def _json(output: str) -> dict:
    return json.loads(output)


# create


def test_create_stores_a_draft_with_the_given_audience_and_says_so(
    cli: Cli, world: CampaignWorld
) -> None:
    result = cli(
        "campaign", "create", "--name", "Spring", "--template", "newsletter",
        "--subject", "Hello", "--list", "news", "--filter", "plan=pro", "--filter", "lang=en",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    (stored,) = world.store.items.values()
    assert (stored.name, stored.subject, stored.template) == ("Spring", "Hello", "newsletter")
    assert stored.audience.list_name == "news"
    assert dict(stored.audience.filter) == {"plan": "pro", "lang": "en"}
    assert stored.sender == cli.settings.sender  # no --from: the sender setting
    assert stored.status is CampaignStatus.DRAFT
    assert f"created {stored.campaign_id} (draft)" in result.stdout
    assert "plan=pro, lang=en" in result.stdout


def test_create_json_is_the_campaign_and_honours_from(cli: Cli, world: CampaignWorld) -> None:
    result = cli(
        "campaign", "create", "--name", "Spring", "--template", "newsletter",
        "--subject", "Hello", "--list", "news", "--from", "News <news@example.com>", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    assert set(data) == CAMPAIGN_KEYS
    (stored,) = world.store.items.values()
    assert data["campaign_id"] == stored.campaign_id
    assert (data["status"], data["list"], data["filter"]) == ("draft", "news", {})
    assert data["sender"] == "News <news@example.com>" == stored.sender
    assert data["counters"] == {
        "targeted": 0, "queued": 0, "requeued": 0, "sent": 0, "failed": 0, "skipped": 0,
        "cancelled": 0, "bounced": 0, "complained": 0,
    }  # fmt: skip


def test_create_render_hosted_is_stored_and_runtime_is_the_default(
    cli: Cli, world: CampaignWorld
) -> None:
    base = ["campaign", "create", "--name", "N", "--template", "newsletter", "--subject", "S"]

    hosted = cli(*base, "--list", "news", "--render", "hosted", "--json")
    default = cli(*base, "--list", "news", "--json")
    wrong = cli(*base, "--list", "news", "--render", "ses")

    assert _json(hosted.stdout)["render"] == "hosted"
    assert _json(default.stdout)["render"] == "runtime"
    assert sorted(c.render.value for c in world.store.items.values()) == ["hosted", "runtime"]
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--filter", "plan"], "invalid filter 'plan'"),
        (["--from", "not-an-address"], "invalid sender"),
        (["--subject", "  "], "needs a subject"),
    ],
)
def test_create_refuses_bad_input_in_one_line_and_stores_nothing(
    cli: Cli, world: CampaignWorld, extra: list[str], says: str
) -> None:
    args = ["--name", "n", "--template", "newsletter", "--subject", "s", "--list", "news"]

    result = cli("campaign", "create", *args, *extra)

    assert says in error_line(result)
    assert world.store.items == {}


# list and show


def test_list_shows_every_campaign_and_a_count(cli: Cli, world: CampaignWorld) -> None:
    draft = world.campaign(name="first")
    sending = world.campaign(CampaignStatus.SENDING, name="second", counters=Counters(targeted=4))

    result = cli("campaign", "list")

    assert result.exit_code == 0, result.output
    assert draft.campaign_id in result.stdout and sending.campaign_id in result.stdout
    assert "draft" in result.stdout and "sending" in result.stdout
    assert result.stdout.strip().endswith("2 campaigns")


def test_list_status_filter_and_json(cli: Cli, world: CampaignWorld) -> None:
    world.campaign(name="first")
    paused = world.campaign(CampaignStatus.PAUSED, name="second")

    result = cli("campaign", "list", "--status", "paused", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["campaign_id"] for c in data] == [paused.campaign_id]
    assert set(data[0]) == CAMPAIGN_KEYS and data[0]["status"] == "paused"


def test_list_refuses_an_unknown_status(cli: Cli, world: CampaignWorld) -> None:
    result = cli("campaign", "list", "--status", "asleep")

    assert result.exit_code == 2  # Click's usage error names the choices
    assert "asleep" in result.output and "Traceback" not in result.output


def test_list_of_nothing_says_zero(cli: Cli, world: CampaignWorld) -> None:
    result = cli("campaign", "list")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("0 campaigns")


def test_show_prints_the_campaign_fields(cli: Cli, world: CampaignWorld) -> None:
    campaign = world.campaign(CampaignStatus.SENDING, counters=Counters(targeted=3, sent=2))

    human = cli("campaign", "show", campaign.campaign_id)
    as_json = cli("campaign", "show", campaign.campaign_id, "--json")

    assert human.exit_code == 0, human.output
    assert campaign.campaign_id in human.stdout and "Spring news" in human.stdout
    assert "targeted 3" in human.stdout and "sent 2" in human.stdout
    assert "none" in human.stdout  # the empty filter, said rather than left blank
    data = _json(as_json.stdout)
    assert set(data) == CAMPAIGN_KEYS
    assert data["counters"]["sent"] == 2 and data["status"] == "sending"


# the unknown id, for every command that takes one


@pytest.mark.parametrize(
    "command",
    [
        ["show"],
        ["schedule", "--at", "2030-05-01T09:00Z"],
        ["send-now"],
        ["pause"],
        ["resume"],
        ["cancel"],
        ["status"],
        ["test-send", "--to", "ada@example.com"],
    ],
)
def test_an_unknown_campaign_is_one_line_and_exit_1(
    cli: Cli, world: CampaignWorld, command: list[str]
) -> None:
    cli.templates, cli.email = FakeTemplatesRoot(), FakeEmailRoot()
    verb, *options = command

    result = cli("campaign", verb, "c-nope", *options)

    line = error_line(result)
    assert "no campaign c-nope" in line and "campaign list" in line
    assert result.stdout == ""
    assert world.invoker.calls == [] and cli.email.sender.sent == []


# schedule


def test_schedule_moves_a_draft_to_the_time_given(cli: Cli, world: CampaignWorld) -> None:
    draft = world.campaign()

    result = cli("campaign", "schedule", draft.campaign_id, "--at", "2030-05-01T09:00Z")

    assert result.exit_code == 0, result.output
    stored = world.store.items[draft.campaign_id]
    assert stored.status is CampaignStatus.SCHEDULED
    assert stored.send_at == datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    assert f"{draft.campaign_id} scheduled for 2030-05-01 09:00:00Z" in result.stdout


def test_schedule_reads_a_time_without_zone_as_utc_and_prints_json(
    cli: Cli, world: CampaignWorld
) -> None:
    draft = world.campaign()

    result = cli("campaign", "schedule", draft.campaign_id, "--at", "2030-05-01T11:30", "--json")

    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    assert data["status"] == "scheduled"
    assert data["send_at"] == "2030-05-01T11:30:00+00:00"
    assert world.store.items[draft.campaign_id].send_at == datetime(2030, 5, 1, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize("at", ["yesterday", "2030-13-01T09:00Z", ""])
def test_schedule_with_an_unreadable_time_is_one_line_and_changes_nothing(
    cli: Cli, world: CampaignWorld, at: str
) -> None:
    draft = world.campaign()

    result = cli("campaign", "schedule", draft.campaign_id, "--at", at)

    line = error_line(result)
    assert "cannot read the time" in line and "ISO 8601" in line
    assert world.store.items[draft.campaign_id].status is CampaignStatus.DRAFT


def test_schedule_in_the_past_is_refused(cli: Cli, world: CampaignWorld) -> None:
    draft = world.campaign()
    past = (world.clock.now() - timedelta(hours=1)).isoformat()

    result = cli("campaign", "schedule", draft.campaign_id, "--at", past)

    assert "is in the past" in error_line(result)
    assert world.store.items[draft.campaign_id].status is CampaignStatus.DRAFT


# send-now, pause, resume, cancel


def test_send_now_makes_it_due_and_starts_the_scheduler(cli: Cli, world: CampaignWorld) -> None:
    draft = world.campaign()

    result = cli("campaign", "send-now", draft.campaign_id)

    assert result.exit_code == 0, result.output
    stored = world.store.items[draft.campaign_id]
    assert (stored.status, stored.send_at) == (CampaignStatus.SCHEDULED, world.clock.now())
    assert world.invoker.calls == [
        ("campaign_scheduler", {"action": "start", "campaign_id": draft.campaign_id})
    ]
    assert f"{draft.campaign_id} is due now" in result.stdout


def test_pause_stops_a_sending_campaign(cli: Cli, world: CampaignWorld) -> None:
    sending = world.campaign(CampaignStatus.SENDING)

    result = cli("campaign", "pause", sending.campaign_id, "--json")

    assert result.exit_code == 0, result.output
    assert _json(result.stdout)["status"] == "paused"
    assert world.store.items[sending.campaign_id].status is CampaignStatus.PAUSED


def test_resume_requeues_what_is_pending_and_continues_the_fanout(
    cli: Cli, world: CampaignWorld
) -> None:
    paused = world.campaign(CampaignStatus.PAUSED, fanout_done=False)
    pending, _sent = world.deliveries(
        paused.campaign_id, DeliveryStatus.PENDING, DeliveryStatus.SENT
    )

    result = cli("campaign", "resume", paused.campaign_id)

    assert result.exit_code == 0, result.output
    assert f"{paused.campaign_id} resumed" in result.stdout
    assert world.store.items[paused.campaign_id].status is CampaignStatus.SENDING
    assert [m.email_key for m in world.queue.messages] == [pending]
    assert world.invoker.calls == [
        ("campaign_scheduler", {"action": "fanout", "campaign_id": paused.campaign_id})
    ]


def test_cancel_cancels_what_is_still_pending(cli: Cli, world: CampaignWorld) -> None:
    sending = world.campaign(CampaignStatus.SENDING, counters=Counters(targeted=2, sent=1))
    pending, sent = world.deliveries(
        sending.campaign_id, DeliveryStatus.PENDING, DeliveryStatus.SENT
    )

    result = cli("campaign", "cancel", sending.campaign_id, "--json")

    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    assert data["status"] == "cancelled" and data["counters"]["cancelled"] == 1
    ledger = world.ledger.items
    assert ledger[(sending.campaign_id, pending)].status is DeliveryStatus.CANCELLED
    assert ledger[(sending.campaign_id, sent)].status is DeliveryStatus.SENT


@pytest.mark.parametrize(
    ("status", "verb", "says"),
    [
        (CampaignStatus.DRAFT, "pause", "is draft and cannot become paused"),
        (CampaignStatus.DRAFT, "resume", "is draft and cannot become sending"),
        (CampaignStatus.COMPLETED, "cancel", "is completed and cannot become cancelled"),
        (CampaignStatus.CANCELLED, "send-now", "is cancelled and cannot become scheduled"),
        (CampaignStatus.SENDING, "schedule", "is sending and cannot become scheduled"),
    ],
)
def test_an_illegal_transition_is_one_line_and_changes_nothing(
    cli: Cli, world: CampaignWorld, status: CampaignStatus, verb: str, says: str
) -> None:
    campaign = world.campaign(status)
    options = ["--at", "2030-05-01T09:00Z"] if verb == "schedule" else []

    result = cli("campaign", verb, campaign.campaign_id, *options)

    line = error_line(result)
    assert f"campaign {campaign.campaign_id} {says}" in line
    assert world.store.items[campaign.campaign_id] == campaign
    assert world.invoker.calls == [] and world.queue.messages == []


# status


def test_status_prints_one_progress_line(cli: Cli, world: CampaignWorld) -> None:
    counters = Counters(targeted=10, queued=10, sent=5, failed=1, skipped=2, cancelled=0)
    campaign = world.campaign(CampaignStatus.SENDING, counters=counters)

    result = cli("campaign", "status", campaign.campaign_id)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"{campaign.campaign_id} sending: sent 5, failed 1, skipped 2, cancelled 0 "
        "of 10 targeted (10 queued)"
    )


def test_status_json_is_the_campaign_even_with_watch(cli: Cli, world: CampaignWorld) -> None:
    campaign = world.campaign(CampaignStatus.SENDING, counters=Counters(targeted=3, sent=3))

    result = cli("campaign", "status", campaign.campaign_id, "--watch", "--json")

    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    assert set(data) == CAMPAIGN_KEYS and data["counters"]["sent"] == 3


def test_status_watch_follows_until_the_campaign_stops_sending(
    cli: Cli, world: CampaignWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = world.campaign(
        CampaignStatus.SENDING, counters=Counters(targeted=2), fanout_done=True
    )
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # each wait, the consumer gets one more sent
        waits.append(seconds)
        world.store.add_counts(campaign.campaign_id, {"sent": 1})
        if world.store.items[campaign.campaign_id].counters.sent == 2:
            world.store.transition(
                campaign.campaign_id, CampaignStatus.SENDING, CampaignStatus.COMPLETED,
                world.clock.now(),
            )  # fmt: skip

    monkeypatch.setattr(campaign_cli, "time", SimpleNamespace(sleep=sleep))

    result = cli("campaign", "status", campaign.campaign_id, "--watch", "--interval", "0.5")

    assert result.exit_code == 0, result.output
    assert waits == [0.5, 0.5]
    assert result.stdout.strip().splitlines()[-1] == (
        f"{campaign.campaign_id} completed: sent 2, failed 0, skipped 0, cancelled 0 "
        "of 2 targeted (0 queued)"
    )


def test_status_refuses_an_interval_below_the_minimum(cli: Cli, world: CampaignWorld) -> None:
    campaign = world.campaign(CampaignStatus.SENDING)

    result = cli("campaign", "status", campaign.campaign_id, "--watch", "--interval", "0")

    assert result.exit_code == 2 and "Traceback" not in result.output


# test-send


def test_test_send_sends_one_marked_copy_outside_the_ledger(cli: Cli, world: CampaignWorld) -> None:
    campaign = world.campaign(CampaignStatus.SENDING)
    cli.templates = FakeTemplatesRoot()
    cli.email = FakeEmailRoot()
    cli.email.backbone.sender = RecordingSender(SendReceipt("resend", "r-7"))

    result = cli("campaign", "test-send", campaign.campaign_id, "--to", "Ada@Example.com")

    assert result.exit_code == 0, result.output
    (message,) = cli.email.sender.sent
    assert message.to == "Ada@example.com"
    assert message.subject == "[test] Spring is here"
    assert message.idempotency_key is None
    assert message.headers["List-Unsubscribe"].startswith("<https://unsubscribe.test/u?token=")
    assert message.headers["List-Unsubscribe"].endswith(
        f", <mailto:unsubscribe@unsubscribe.test?subject={campaign.campaign_id}>"
    )
    assert "Hi Ada" in message.text
    assert world.ledger.items == {} and world.store.items[campaign.campaign_id] == campaign
    assert result.stdout.strip() == (
        f"test copy of {campaign.campaign_id} sent to Ada@Example.com via resend"
    )


def test_test_send_json_is_the_receipt(cli: Cli, world: CampaignWorld) -> None:
    campaign = world.campaign()
    cli.templates, cli.email = FakeTemplatesRoot(), FakeEmailRoot()

    result = cli("campaign", "test-send", campaign.campaign_id, "--to", "ada@example.com", "--json")

    assert result.exit_code == 0, result.output
    assert _json(result.stdout) == {"provider": "ses", "message_id": "m-1", "to": "ada@example.com"}


def test_test_send_to_an_invalid_address_is_one_line_and_sends_nothing(
    cli: Cli, world: CampaignWorld
) -> None:
    campaign = world.campaign()
    cli.templates, cli.email = FakeTemplatesRoot(), FakeEmailRoot()

    result = cli("campaign", "test-send", campaign.campaign_id, "--to", "not-an-address")

    assert "invalid email 'not-an-address'" in error_line(result)
    assert cli.email.sender.sent == []
