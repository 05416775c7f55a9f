"""The campaign store stamps `progress_at` in the very UpdateItem that counts outcomes, against
moto: no extra write per batch (decision 0093)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tctfmsg.campaigns.adapters.campaigns import DynamoCampaignStore
from tctfmsg.campaigns.domain.campaign import Audience, new_campaign
from tctfmsg.core.resources import ResourceNames

NAMES = ResourceNames("test")
CREATED = datetime(2030, 1, 1, tzinfo=UTC)
LATER = CREATED + timedelta(minutes=7)


@pytest.fixture
def store(provisioned: dict[str, Any]) -> DynamoCampaignStore:
    return DynamoCampaignStore(NAMES["campaigns"], provisioned["dynamodb"])


@pytest.fixture
def writes(store: DynamoCampaignStore) -> Iterator[list[str]]:
    """The UpdateExpression of every UpdateItem the store sends."""
    seen: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(params["UpdateExpression"])

    store.client.meta.events.register("provide-client-params.dynamodb.UpdateItem", record)
    yield seen
    store.client.meta.events.unregister("provide-client-params.dynamodb.UpdateItem", record)


def _campaign(store: DynamoCampaignStore) -> str:
    campaign = new_campaign(
        name="n", subject="s", template="t", audience=Audience("news"), sender="a@b.io",
        now=CREATED,
    )  # fmt: skip
    store.create(campaign)
    return campaign.campaign_id


def test_outcomes_and_their_progress_are_one_write(
    store: DynamoCampaignStore, writes: list[str]
) -> None:
    cid = _campaign(store)

    store.record_outcomes(cid, {"sent": 5, "failed": 1}, {"rejected": (1, "x@y.io")}, LATER)

    stored = store.get(cid)
    assert stored is not None
    assert stored.progress_at == LATER
    assert (stored.counters.sent, stored.counters.failed) == (5, 1)
    assert len(writes) == 1
    assert "progress_at = :progress" in writes[0]


def test_outcomes_without_failures_stamp_progress_too(store: DynamoCampaignStore) -> None:
    cid = _campaign(store)

    after = store.record_outcomes(cid, {"sent": 2}, {}, LATER)

    assert after.progress_at == LATER
    assert after.counters.sent == 2


def test_counts_added_as_outcomes_stamp_progress_in_the_same_write(
    store: DynamoCampaignStore, writes: list[str]
) -> None:
    cid = _campaign(store)

    after = store.add_counts(cid, {"skipped": 1}, progress_at=LATER)

    assert after.progress_at == LATER
    assert after.counters.skipped == 1
    assert len(writes) == 1


def test_counts_added_without_progress_leave_it_alone(store: DynamoCampaignStore) -> None:
    cid = _campaign(store)
    store.record_outcomes(cid, {"sent": 1}, {}, LATER)

    after = store.add_counts(cid, {"requeued": 3})

    assert after.progress_at == LATER
    assert after.counters.requeued == 3


def test_nothing_counted_is_no_progress(store: DynamoCampaignStore) -> None:
    cid = _campaign(store)

    after = store.record_outcomes(cid, {"sent": 0}, {}, LATER)

    assert after.progress_at is None
