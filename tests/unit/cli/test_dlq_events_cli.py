"""`tctfmsg dlq events …` on an in-memory dead-letter queue: count, list (bounded, nothing taken
off) and redrive (each message removed only after the main queue took it; one line for each
refused)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest

from tctfmsg.campaigns.services.provider_event_dlq import DeadEventDeps
from tctfmsg.core.health import QueueFigures
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tests.support.cli_roots import error_line
from tests.support.dead_letter_memory import FixedGauge, MemoryDeadLetters, MemoryMainQueue
from tests.unit.cli.conftest import Cli
from tests.unit.email.fakes import FakeClock

BOUNCE = ProviderEvent("resend", EventKind.BOUNCED, "ada@example.com", "svix-1", campaign_id="c-1")
COMPLAINT = ProviderEvent("sendgrid", EventKind.COMPLAINED, "bob@example.com", "sg-1")


@dataclass
class DeadQueue:
    dead: MemoryDeadLetters
    main: MemoryMainQueue
    clock: FakeClock


@pytest.fixture
def queue(cli: Cli) -> DeadQueue:
    dead, clock = MemoryDeadLetters(), FakeClock()
    main = MemoryMainQueue(dead.steps)
    figures = QueueFigures("provider_events_dlq", 3, 1, 0, 7200.0)
    deps = DeadEventDeps(dead, main, FixedGauge(figures), clock)
    cli.campaigns = SimpleNamespace(dead_event_deps=deps)
    return DeadQueue(dead, main, clock)


def _put(queue: DeadQueue, body: str, hours_ago: float = 2) -> str:
    return queue.dead.put(body, queue.clock.now() - timedelta(hours=hours_ago))


def test_count_prints_how_many_wait_and_the_oldest_age(cli: Cli, queue: DeadQueue) -> None:
    human, as_json = cli("dlq", "events", "count"), cli("dlq", "events", "count", "--json")

    assert human.exit_code == 0, human.output
    assert "4 dead provider event message(s) (3 waiting, 1 being read, the oldest 7200s old)" in (
        human.stdout
    )
    assert json.loads(as_json.stdout) == {
        "queue": "provider_events_dlq", "total": 4, "visible": 3, "in_flight": 1, "delayed": 0,
        "oldest_age_s": 7200.0,
    }  # fmt: skip


def test_list_says_what_each_is_and_takes_nothing_off_the_queue(cli: Cli, queue: DeadQueue) -> None:
    bounce = _put(queue, BOUNCE.to_json(), hours_ago=3)
    junk = _put(queue, "[bold red]not json\x1b[2J")

    human = cli("dlq", "events", "list")
    as_json = json.loads(cli("dlq", "events", "list", "--json").stdout)

    assert human.exit_code == 0, human.output
    assert "resend" in human.stdout and "bounced" in human.stdout and "c-1" in human.stdout
    assert "not a provider event" in human.stdout
    assert "\x1b" not in human.stdout  # a hostile body cannot restyle the terminal
    assert "2 listed" in human.stdout
    rows = {row["message_id"]: row for row in as_json["events"]}
    assert as_json["more"] is False
    assert rows[bounce] | {"why": "", "receives": 0} == {
        "message_id": bounce, "provider": "resend", "kinds": ["bounced"], "recipients": 1,
        "campaign_id": "c-1", "why": "", "age_s": 3 * 3600.0, "receives": 0,
    }  # fmt: skip
    assert rows[bounce]["why"].startswith("it failed to apply on each of 6 receives")
    assert rows[bounce]["why"].endswith("(search it for svix-1)")  # what the consumer logged
    assert rows[junk]["provider"] == "" and rows[junk]["why"].startswith("not a provider event")
    assert queue.dead.visible == [bounce, junk]  # both given back, none removed


def test_list_is_bounded_and_says_when_more_wait(cli: Cli, queue: DeadQueue) -> None:
    for _ in range(25):
        _put(queue, COMPLAINT.to_json())

    default = json.loads(cli("dlq", "events", "list", "--json").stdout)
    three = cli("dlq", "events", "list", "--limit", "3")

    assert len(default["events"]) == 20 and default["more"] is True
    assert "3 listed; more wait (raise --limit)" in three.stdout
    assert len(queue.dead.visible) == 25


@pytest.mark.parametrize("limit", ["0", "101", "-5"])
def test_list_refuses_a_limit_out_of_bounds_in_one_line(
    cli: Cli, queue: DeadQueue, limit: str
) -> None:
    line = error_line(cli("dlq", "events", "list", "--limit", limit))
    assert "--limit must be from 1 to 100" in line


def test_redrive_sends_each_back_before_removing_it_and_refuses_what_is_no_event(
    cli: Cli, queue: DeadQueue
) -> None:
    bounce, complaint = _put(queue, BOUNCE.to_json()), _put(queue, COMPLAINT.to_json())
    junk = _put(queue, "{}")

    result = cli("dlq", "events", "redrive")

    assert result.exit_code == 1, result.output  # something stayed: a script notices
    assert "requeued 2; refused 1" in result.stdout
    (refusal,) = [line for line in result.stdout.splitlines() if line.startswith("refused ")]
    assert refusal.startswith(f"refused {junk}: not a provider event")
    assert refusal.endswith("left in the dead-letter queue")
    assert queue.main.bodies == [BOUNCE.to_json(), COMPLAINT.to_json()]
    for message_id in (bounce, complaint):
        steps = queue.dead.steps
        assert steps.index(("sent", message_id)) < steps.index(("removed", message_id))
    assert queue.dead.visible == [junk]  # given back, visible again


def test_a_message_the_main_queue_does_not_take_stays_in_the_dead_letter_queue(
    cli: Cli, queue: DeadQueue
) -> None:
    taken, refused = _put(queue, BOUNCE.to_json()), _put(queue, COMPLAINT.to_json())
    queue.main.refuse.add(refused)

    result = cli("dlq", "events", "redrive", "--json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["requeued"] == [taken]
    assert report["refused"] == [{
        "message_id": refused,
        "why": "SQS refused it: KMS.ThrottlingException; left in the dead-letter queue",
    }]  # fmt: skip
    assert queue.dead.visible == [refused]
    assert ("removed", refused) not in queue.dead.steps


def test_a_requeued_message_that_could_not_be_removed_is_reported_not_lost(
    cli: Cli, queue: DeadQueue
) -> None:
    stuck = _put(queue, BOUNCE.to_json())
    queue.dead.refuse_removal.add(stuck)

    result = cli("dlq", "events", "redrive")

    assert result.exit_code == 0, result.output
    assert "requeued 1; refused 0" in result.stdout
    assert f"requeued {stuck} but it is still in the dead-letter queue" in result.stdout
    assert queue.main.bodies == [BOUNCE.to_json()]


def test_redrive_stops_at_max_and_leaves_the_rest(cli: Cli, queue: DeadQueue) -> None:
    for _ in range(15):
        _put(queue, BOUNCE.to_json())

    result = cli("dlq", "events", "redrive", "--max", "12")

    assert result.exit_code == 0, result.output
    assert "requeued 12; refused 0" in result.stdout
    assert len(queue.dead.visible) == 3


def test_redrive_of_an_empty_queue_says_so(cli: Cli, queue: DeadQueue) -> None:
    result = cli("dlq", "events", "redrive", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"requeued": [], "refused": [], "requeued_not_removed": []}


def test_redrive_refuses_a_max_out_of_bounds_in_one_line(cli: Cli, queue: DeadQueue) -> None:
    assert "--max must be from 1 to 1000" in error_line(
        cli("dlq", "events", "redrive", "--max", "0")
    )
