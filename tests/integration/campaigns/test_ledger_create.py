"""The ledger's create_many on DynamoDB: absent records are written, existing ones never reset."""

from datetime import UTC, datetime

import pytest

from tctfmsg.adapters.dynamodb.deliveries import DynamoDeliveryLedger
from tctfmsg.domain.delivery import Delivery, DeliveryStatus

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def ledger(provisioned):
    return DynamoDeliveryLedger("tctfmsg-test-deliveries", provisioned["dynamodb"])


def pending(key: str) -> Delivery:
    return Delivery("c-1", key, DeliveryStatus.PENDING, updated_at=NOW)


def test_a_rerun_page_never_turns_a_sent_record_back_into_pending(ledger):
    first = ledger.create_many([pending("a@x.io"), pending("b@x.io")])
    assert sorted(first.created) == ["a@x.io", "b@x.io"]
    claimed = ledger.claim("c-1", "a@x.io", "token", NOW, NOW)
    assert claimed is not None
    assert ledger.finish("c-1", "a@x.io", "token", DeliveryStatus.SENT, NOW, provider="ses")

    again = ledger.create_many([pending("a@x.io"), pending("b@x.io"), pending("c@x.io")])

    assert again.created == ["c@x.io"]
    assert sorted(again.existing) == ["a@x.io", "b@x.io"]
    assert ledger.get("c-1", "a@x.io").status is DeliveryStatus.SENT
    assert ledger.get("c-1", "a@x.io").provider == "ses"


def test_creates_more_than_one_batch(ledger):
    created = ledger.create_many([pending(f"u{i}@x.io") for i in range(260)])
    assert len(created.created) == 260
    assert len(ledger.get_many("c-1", [f"u{i}@x.io" for i in range(260)])) == 260


def test_a_record_at_either_end_of_a_page_is_found_and_kept(ledger):
    ledger.create_many([pending("a@x.io"), pending("m@x.io")])
    for key in ("a@x.io", "m@x.io"):
        assert ledger.claim("c-1", key, "token", NOW, NOW) is not None

    again = ledger.create_many([pending("m@x.io"), pending("f@x.io"), pending("a@x.io")])

    assert again.created == ["f@x.io"]
    assert sorted(again.existing) == ["a@x.io", "m@x.io"]
    assert ledger.get("c-1", "a@x.io").status is DeliveryStatus.SENDING


def test_records_of_another_campaign_do_not_count_as_existing(ledger):
    ledger.create_many([Delivery("c-0", "b@x.io", DeliveryStatus.PENDING, updated_at=NOW)])
    created = ledger.create_many([pending("a@x.io"), pending("b@x.io"), pending("c@x.io")])
    assert sorted(created.created) == ["a@x.io", "b@x.io", "c@x.io"]
