"""Provider events applied: bounces and complaints reach the subscriber, the suppression list
and the campaign's reputation once; transient bounces count until N in a row; an interrupted
delivery is settled as sent by the provider's own event, once."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailureState
from tctfmsg.campaigns.domain.subscriber import SubscriberStatus
from tctfmsg.campaigns.services import consumer, provider_events
from tctfmsg.campaigns.services.consumer import Outcome
from tctfmsg.campaigns.services.provider_events import Applied, EventDeps, OutcomePending
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tctfmsg.email.message import AllProvidersUnavailable
from tctfmsg.email.suppression import SuppressionReason
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.campaigns.conftest import World


@dataclass
class NotedReputation:
    noted: list[tuple[str, str]] = field(default_factory=list)

    def note(self, campaign_id: str, kind: str) -> None:
        self.noted.append((campaign_id, kind))


@dataclass
class Events:
    deps: EventDeps
    suppressions: MemorySuppressions
    reputation: NotedReputation


@pytest.fixture
def events(world: World) -> Events:
    suppressions, reputation = MemorySuppressions(), NotedReputation()
    deps = EventDeps(
        world.people, suppressions, world.store, world.ledger, world.failures, reputation,
        world.clock, transient_bounce_limit=3,
    )  # fmt: skip
    return Events(deps, suppressions, reputation)


def event(kind: EventKind, to: str = "p00@example.com", **fields: Any) -> ProviderEvent:
    return ProviderEvent("ses", kind, to, fields.pop("event_id", "fb-1"), **fields)


def test_a_permanent_bounce_marks_the_subscriber_bounced_and_suppresses_the_address(
    world: World, events: Events
) -> None:
    world.seed(1)

    applied = provider_events.apply(events.deps, event(EventKind.BOUNCED, campaign_id="c-1"))

    assert applied is Applied.SUPPRESSED
    assert world.people.get("p00@example.com").status is SubscriberStatus.BOUNCED
    entry = events.suppressions.find("P00@Example.com")
    assert entry is not None and entry.reason is SuppressionReason.BOUNCED
    assert entry.source == "ses:fb-1"
    assert events.reputation.noted == [("c-1", "bounced")]


def test_a_complaint_marks_the_subscriber_complained_and_counts_against_its_campaign(
    world: World, events: Events
) -> None:
    world.seed(1)

    provider_events.apply(events.deps, event(EventKind.COMPLAINED, campaign_id="c-1"))

    assert world.people.get("p00@example.com").status is SubscriberStatus.COMPLAINED
    assert events.suppressions.find("p00@example.com").reason is SuppressionReason.COMPLAINED
    assert events.reputation.noted == [("c-1", "complained")]


def test_a_duplicate_event_changes_nothing_more(world: World, events: Events) -> None:
    world.seed(1)
    bounce = event(EventKind.BOUNCED, campaign_id="c-1")

    provider_events.apply(events.deps, bounce)
    again = provider_events.apply(events.deps, bounce)

    assert again is Applied.ALREADY_SUPPRESSED
    assert events.reputation.noted == [("c-1", "bounced")]  # one bounce, counted once


def test_a_bounce_never_lowers_a_complaint(world: World, events: Events) -> None:
    world.seed(1, p00=SubscriberStatus.COMPLAINED)

    provider_events.apply(events.deps, event(EventKind.BOUNCED))

    assert world.people.get("p00@example.com").status is SubscriberStatus.COMPLAINED


def test_an_address_that_is_no_subscriber_is_still_suppressed(events: Events) -> None:
    provider_events.apply(events.deps, event(EventKind.BOUNCED, to="user@example.com"))

    assert events.suppressions.find("user@example.com") is not None


def test_transient_bounces_suppress_only_after_n_in_a_row(world: World, events: Events) -> None:
    world.seed(1)
    soft = [event(EventKind.SOFT_BOUNCED, event_id=f"fb-{i}") for i in range(3)]

    first_two = [provider_events.apply(events.deps, e) for e in soft[:2]]
    assert first_two == [Applied.COUNTED, Applied.COUNTED]
    assert events.suppressions.find("p00@example.com") is None
    assert world.people.get("p00@example.com").status is SubscriberStatus.SUBSCRIBED

    assert provider_events.apply(events.deps, soft[2]) is Applied.SUPPRESSED
    entry = events.suppressions.find("p00@example.com")
    assert entry is not None and "3 transient bounces in a row" in entry.detail
    assert world.people.get("p00@example.com").status is SubscriberStatus.BOUNCED


def test_a_delivery_resets_the_transient_bounce_count(world: World, events: Events) -> None:
    world.seed(1)
    for i in range(2):
        provider_events.apply(events.deps, event(EventKind.SOFT_BOUNCED, event_id=f"fb-{i}"))

    provider_events.apply(events.deps, event(EventKind.DELIVERED))
    for i in range(2):
        provider_events.apply(events.deps, event(EventKind.SOFT_BOUNCED, event_id=f"fb-{i + 2}"))

    assert events.suppressions.find("p00@example.com") is None


def _interrupted(world: World) -> str:
    """A campaign whose one delivery a provider took before timing out: FAILED interrupted."""
    world.seed(1)
    campaign = world.started()

    class Uncertain:
        def send(self, message: object, proceed: Any = None) -> object:
            assert proceed is not None and proceed()
            raise AllProvidersUnavailable(("ses: timeout",), uncertain=("ses",))

    deps = replace(world.consumer, sender=Uncertain())
    assert consumer.deliver(deps, world.queue.take()[0], "t1") is Outcome.INTERRUPTED
    return campaign.campaign_id


@pytest.mark.parametrize("kind", [EventKind.SENT, EventKind.DELIVERED])
def test_an_interrupted_delivery_is_settled_as_sent_by_the_providers_event(
    world: World, events: Events, kind: EventKind
) -> None:
    campaign_id = _interrupted(world)
    assert world.store.get(campaign_id).counters.failed == 1

    applied = provider_events.apply(
        events.deps, event(kind, campaign_id=campaign_id, message_id="ses-m-1")
    )

    assert applied is Applied.RECONCILED
    delivery = world.ledger.get(campaign_id, "p00@example.com")
    assert (delivery.status, delivery.provider_message_id) == (DeliveryStatus.SENT, "ses-m-1")
    counters = world.store.get(campaign_id).counters
    assert (counters.sent, counters.failed) == (1, 0)
    (failure,) = world.failures.items.values()
    assert failure.state is FailureState.RESOLVED  # nobody retries it into a duplicate


def test_a_duplicate_send_event_settles_an_interrupted_delivery_once(
    world: World, events: Events
) -> None:
    campaign_id = _interrupted(world)
    sent = event(EventKind.SENT, campaign_id=campaign_id, message_id="ses-m-1")

    outcomes = [provider_events.apply(events.deps, sent) for _ in range(2)]

    assert outcomes == [Applied.RECONCILED, Applied.NOTED]
    counters = world.store.get(campaign_id).counters
    assert (counters.sent, counters.failed) == (1, 0)


def test_an_event_for_a_delivery_still_being_sent_comes_back_later(
    world: World, events: Events
) -> None:
    """The provider's event can overtake the consumer's record of the send: dropped, an
    `interrupted` written a moment later would never be settled."""
    world.seed(1)
    campaign = world.started()
    request = world.queue.take()[0]
    now = world.clock.now()
    claimed = world.ledger.claim(
        campaign.campaign_id, request.email_key, "t1", now + timedelta(minutes=3), now
    )
    assert claimed is not None
    delivered = event(EventKind.DELIVERED, campaign_id=campaign.campaign_id, message_id="m-1")

    with pytest.raises(OutcomePending, match="still being sent"):
        provider_events.apply(events.deps, delivered)

    assert world.ledger.get(campaign.campaign_id, request.email_key).status is (
        DeliveryStatus.SENDING
    )


def test_a_send_event_never_touches_a_delivery_that_failed_for_another_reason(
    world: World, events: Events
) -> None:
    world.seed(1)
    campaign = world.started()
    world.sender.rejects.add("p00@example.com")
    consumer.deliver(world.consumer, world.queue.take()[0], "t1")

    applied = provider_events.apply(
        events.deps, event(EventKind.SENT, campaign_id=campaign.campaign_id)
    )

    assert applied is Applied.NOTED
    assert world.ledger.get(campaign.campaign_id, "p00@example.com").status is (
        DeliveryStatus.FAILED
    )
