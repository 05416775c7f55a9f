"""Each provider event is counted by kind and provider once it is applied, and the counts are
published when the batch ends (docs/decisions/0092)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tctfmsg.campaigns.services.provider_event_batch import ProviderEventBatch
from tctfmsg.campaigns.services.provider_events import EventDeps, OutcomePending
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.campaigns.conftest import World
from tests.unit.campaigns.test_provider_events import NotedReputation


@pytest.fixture
def deps(world: World) -> EventDeps:
    return EventDeps(
        world.people, MemorySuppressions(), world.store, world.ledger, world.failures,
        NotedReputation(), world.clock,
    )  # fmt: skip


@dataclass
class Tally:
    added: list[tuple[str, str]] = field(default_factory=list)
    flushed: list[list[tuple[str, str]]] = field(default_factory=list)

    def add(self, metric: str, provider: str, count: int = 1) -> None:
        self.added.extend([(metric, provider)] * count)

    def flush(self) -> None:
        self.flushed.append(self.added)
        self.added = []


def _event(provider: str, kind: EventKind, to: str, campaign_id: str = "") -> ProviderEvent:
    return ProviderEvent(provider, kind, to, f"{provider}-{to}", campaign_id=campaign_id)


def test_applied_events_are_counted_by_kind_and_provider_and_published_at_the_end(
    world: World, deps: EventDeps
) -> None:
    world.seed(2)
    tally = Tally()
    batch = ProviderEventBatch(deps, tally)

    batch.handle([_event("resend", EventKind.BOUNCED, "p00@example.com")])
    batch.handle([_event("sendgrid", EventKind.COMPLAINED, "p01@example.com")])
    batch.handle([_event("resend", EventKind.DELIVERED, "p01@example.com")])
    assert tally.flushed == []
    batch.finish()

    assert tally.flushed == [[
        ("EmailEvent-bounced", "resend"),
        ("EmailEvent-complained", "sendgrid"),
        ("EmailEvent-delivered", "resend"),
    ]]  # fmt: skip


def test_an_event_that_fails_to_apply_is_not_counted_until_it_does_and_is_logged_by_its_id(
    world: World, deps: EventDeps, caplog: pytest.LogCaptureFixture
) -> None:
    world.seed(1)
    campaign = world.started()
    request = world.queue.take()[0]
    now = world.clock.now()
    world.ledger.claim(campaign.campaign_id, request.email_key, "t1", now, now)
    tally = Tally()
    batch = ProviderEventBatch(deps, tally)
    early = _event("resend", EventKind.DELIVERED, "p00@example.com", campaign.campaign_id)

    with pytest.raises(OutcomePending):
        batch.handle([early])

    assert tally.added == []  # SQS brings it back; it is counted when it applies
    assert "could not apply delivered event resend-p00@example.com from resend" in caplog.text
