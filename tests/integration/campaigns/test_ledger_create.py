"""The ledger on DynamoDB: a fan-out page is one item listing its PENDING recipients; a
recipient's own item appears with its first change; nothing recorded is ever reset."""

from datetime import UTC, datetime

import pytest

from tctfmsg.campaigns.adapters.deliveries import DynamoDeliveryLedger
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus

NOW = datetime(2026, 5, 1, tzinfo=UTC)
TABLE = "tctfmsg-test-deliveries"


@pytest.fixture
def ledger(provisioned):
    return DynamoDeliveryLedger(TABLE, provisioned["dynamodb"])


def pending(key: str, campaign: str = "c-1") -> Delivery:
    return Delivery(campaign, key, DeliveryStatus.PENDING, updated_at=NOW)


def items(ledger, partition: str) -> list[dict]:
    response = ledger.client.query(
        TableName=TABLE,
        KeyConditionExpression="campaign_id = :c",
        ExpressionAttributeValues={":c": {"S": partition}},
    )
    return response["Items"]


def test_a_page_is_one_item_and_its_recipients_read_as_pending(ledger):
    keys = [f"u{i:03d}@x.io" for i in range(260)]
    created = ledger.create_page("c-1", None, "u259@x.io", [pending(k) for k in keys])

    assert sorted(created.created) == keys and created.end == "u259@x.io"
    assert len(items(ledger, "c-1#pending")) == 1
    assert items(ledger, "c-1") == []  # no recipient item until its first change
    assert ledger.get("c-1", "u007@x.io").status is DeliveryStatus.PENDING
    assert len(ledger.get_many("c-1", keys)) == 260
    assert ledger.count_by_status("c-1")[DeliveryStatus.PENDING] == 260
    assert sorted(ledger.open_keys("c-1", DeliveryStatus.PENDING)) == keys
    assert ledger.get("c-1", "zed@x.io") is None  # on no page


def test_pages_answer_only_for_the_keys_they_cover(ledger):
    ledger.create_page("c-1", None, "k@x.io", [pending("b@x.io"), pending("k@x.io")])
    ledger.create_page("c-1", "k@x.io", None, [pending("m@x.io"), pending("z@x.io")])

    found = ledger.get_many("c-1", ["b@x.io", "k@x.io", "l@x.io", "m@x.io", "z@x.io"])

    assert sorted(found) == ["b@x.io", "k@x.io", "m@x.io", "z@x.io"]
    assert ledger.get("c-1", "k@x.io").status is DeliveryStatus.PENDING  # a page's last key
    assert ledger.get("c-2", "b@x.io") is None  # another campaign's page


def test_the_first_change_creates_the_recipients_item_once(ledger):
    ledger.create_page("c-1", None, None, [pending("a@x.io"), pending("b@x.io")])

    claimed = ledger.claim("c-1", "a@x.io", "t1", NOW, NOW)
    assert claimed is not None and claimed.status is DeliveryStatus.SENDING
    assert ledger.claim("c-1", "a@x.io", "t2", NOW, NOW) is None  # only one claim wins
    assert ledger.settle(
        "c-1", "b@x.io", DeliveryStatus.PENDING, DeliveryStatus.CANCELLED, None, NOW
    )
    assert ledger.claim("c-1", "b@x.io", "t3", NOW, NOW) is None  # cancelled stays so

    assert ledger.finish("c-1", "a@x.io", "t1", DeliveryStatus.SENT, NOW, provider="ses")
    counts = ledger.count_by_status("c-1")
    assert (counts[DeliveryStatus.SENT], counts[DeliveryStatus.CANCELLED]) == (1, 1)
    assert counts[DeliveryStatus.PENDING] == 0
    assert list(ledger.open_keys("c-1")) == []
    assert {d.email_key: d.status for d in ledger.list("c-1")} == {
        "a@x.io": DeliveryStatus.SENT,
        "b@x.io": DeliveryStatus.CANCELLED,
    }


def test_a_released_claim_is_pending_again_and_listed_once(ledger):
    ledger.create_page("c-1", None, None, [pending("a@x.io"), pending("b@x.io")])
    ledger.claim("c-1", "a@x.io", "t1", NOW, NOW)
    assert ledger.release("c-1", "a@x.io", "t1", "all providers down", NOW)

    assert sorted(ledger.open_keys("c-1", DeliveryStatus.PENDING)) == ["a@x.io", "b@x.io"]
    assert ledger.count_by_status("c-1")[DeliveryStatus.PENDING] == 2
    assert ledger.claim("c-1", "a@x.io", "t2", NOW, NOW).attempts == 2


def test_a_rerun_page_never_turns_a_sent_record_back_into_pending(ledger):
    first = ledger.create_page("c-1", None, "b@x.io", [pending("a@x.io"), pending("b@x.io")])
    assert sorted(first.created) == ["a@x.io", "b@x.io"]
    assert ledger.claim("c-1", "a@x.io", "token", NOW, NOW) is not None
    assert ledger.finish("c-1", "a@x.io", "token", DeliveryStatus.SENT, NOW, provider="ses")

    # the page's run died before its cursor was saved; the re-run reads one member more
    again = ledger.create_page(
        "c-1", None, "c@x.io", [pending("a@x.io"), pending("b@x.io"), pending("c@x.io")]
    )

    assert again.created == ["c@x.io"]
    assert sorted(again.existing) == ["a@x.io", "b@x.io"]
    assert ledger.get("c-1", "a@x.io").status is DeliveryStatus.SENT
    assert ledger.get("c-1", "a@x.io").provider == "ses"
    assert ledger.get("c-1", "c@x.io").status is DeliveryStatus.PENDING
    assert len(items(ledger, "c-1#pending")) == 1


def test_a_rerun_page_that_reads_less_goes_on_from_where_the_page_was_recorded(ledger):
    ledger.create_page("c-1", None, "m@x.io", [pending("a@x.io"), pending("m@x.io")])

    # m left the list before the re-run, which therefore reads on past it
    again = ledger.create_page("c-1", None, "f@x.io", [pending("a@x.io"), pending("f@x.io")])

    assert again.end == "m@x.io"  # the next page starts after m, so pages never overlap
    assert again.created == ["f@x.io"]
    assert ledger.get("c-1", "m@x.io").status is DeliveryStatus.PENDING


def test_skipped_deliveries_get_their_own_item_and_are_never_pending(ledger):
    skipped = Delivery("c-1", "s@x.io", DeliveryStatus.SKIPPED, reason="bounced", updated_at=NOW)
    ledger.create_page("c-1", None, None, [pending("a@x.io"), skipped])

    assert ledger.get("c-1", "s@x.io").reason == "bounced"
    again = ledger.create_page("c-1", None, None, [pending("a@x.io"), skipped])
    assert again.created == [] and sorted(again.existing) == ["a@x.io", "s@x.io"]
    assert list(ledger.open_keys("c-1")) == ["a@x.io"]


def test_records_of_another_campaign_do_not_count_as_existing(ledger):
    ledger.create_page("c-0", None, None, [pending("b@x.io", "c-0")])
    ledger.claim("c-0", "b@x.io", "t", NOW, NOW)

    created = ledger.create_page(
        "c-1", None, None, [pending("a@x.io"), pending("b@x.io"), pending("c@x.io")]
    )

    assert sorted(created.created) == ["a@x.io", "b@x.io", "c@x.io"]


def test_a_finish_with_the_claims_attempts_writes_the_final_record_whole(ledger):
    ledger.create_page("c-1", None, None, [pending("a@x.io"), pending("b@x.io")])
    claimed = ledger.claim("c-1", "a@x.io", "t1", NOW, NOW)
    assert claimed.attempts == 1 and claimed.claim == "t1"

    assert not ledger.finish(
        "c-1", "a@x.io", "other", DeliveryStatus.SENT, NOW, provider="ses", attempts=1
    )
    assert ledger.finish(
        "c-1", "a@x.io", "t1", DeliveryStatus.SENT, NOW, provider="ses", message_id="m-1",
        attempts=claimed.attempts,
    )  # fmt: skip

    (item,) = items(ledger, "c-1")
    assert {k: next(iter(v.values())) for k, v in item.items()} == {
        "campaign_id": "c-1",
        "email_key": "a@x.io",
        "status": DeliveryStatus.SENT.value,
        "attempts": "1",
        "provider": "ses",
        "provider_message_id": "m-1",
        "updated_at": item["updated_at"]["S"],
    }  # no claim, no open_status: out of the open index
    assert not ledger.finish("c-1", "a@x.io", "t1", DeliveryStatus.FAILED, NOW, attempts=1)
    assert list(ledger.open_keys("c-1")) == ["b@x.io"]


def test_a_retried_delivery_keeps_counting_its_attempts(ledger):
    ledger.create_page("c-1", None, None, [pending("a@x.io")])
    first = ledger.claim("c-1", "a@x.io", "t1", NOW, NOW)
    ledger.release("c-1", "a@x.io", "t1", "all providers down", NOW)
    second = ledger.claim("c-1", "a@x.io", "t2", NOW, NOW)

    assert (first.attempts, second.attempts) == (1, 2)
    assert ledger.finish("c-1", "a@x.io", "t2", DeliveryStatus.SENT, NOW, attempts=2)
    assert ledger.get("c-1", "a@x.io").attempts == 2


def test_look_ups_span_many_pages_read_a_few_at_a_time(ledger):
    keys = [f"u{i:03d}@x.io" for i in range(60)]
    start = None
    for i in range(0, 60, 5):  # twelve pages, more than one read of page items holds
        end = keys[i + 4] if i + 5 < 60 else None
        ledger.create_page("c-1", start, end, [pending(k) for k in keys[i : i + 5]])
        start = end
    ledger.claim("c-1", "u031@x.io", "t", NOW, NOW)

    assert all(
        ledger.get("c-1", k).status is DeliveryStatus.PENDING for k in keys if k != "u031@x.io"
    )
    assert len(ledger.get_many("c-1", keys)) == 60
    assert sorted(ledger.open_keys("c-1", DeliveryStatus.PENDING)) == [
        k for k in keys if k != "u031@x.io"
    ]
    assert ledger.count_by_status("c-1")[DeliveryStatus.PENDING] == 59
