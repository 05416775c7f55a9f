from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tctfmsg.campaigns.adapters.campaigns import CAMPAIGN
from tctfmsg.campaigns.adapters.delivery_records import DELIVERY
from tctfmsg.campaigns.adapters.failed_messages import FAILED
from tctfmsg.campaigns.adapters.subscribers import SUBSCRIBER
from tctfmsg.campaigns.domain.campaign import (
    COUNTERS,
    Audience,
    Campaign,
    CampaignStatus,
    Counters,
    RenderMode,
    Window,
)
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.core import resources
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.email.config_store import PROVIDER
from tctfmsg.email.message import ProviderConfig

SHAPES = {
    "s": "text",
    "n": 42,
    "f": 1.5,
    "b": True,
    "m": {"city": "Oslo", "nested": {"x": [1, "two", False]}},
    "l": ["VIP", "Beta"],
    "ss": {"a", "b"},
    "none_in_map": {"k": None},
}


def test_serialises_exactly_like_boto3():
    boto = {
        k: TypeSerializer().serialize(Decimal(str(v)) if isinstance(v, float) else v)
        for k, v in SHAPES.items()
    }
    ours = codec.to_item(SHAPES)
    ours["ss"]["SS"] = sorted(ours["ss"]["SS"])
    boto["ss"]["SS"] = sorted(boto["ss"]["SS"])
    assert ours == boto


def test_round_trips_to_plain_python():
    assert codec.from_item(codec.to_item(SHAPES)) == SHAPES


def test_reads_what_boto3_writes():
    item = {
        k: TypeSerializer().serialize(v) for k, v in {"n": Decimal("7"), "m": {"a": "b"}}.items()
    }
    assert codec.from_item(item) == {"n": 7, "m": {"a": "b"}}
    assert TypeDeserializer().deserialize(codec.to_value(3)) == Decimal(3)


def test_none_values_are_left_out_of_items():
    assert codec.to_item({"a": "x", "b": None}) == {"a": {"S": "x"}}


def test_nan_is_refused():
    with pytest.raises(TypeError, match="NaN"):
        codec.to_value(float("nan"))


# --- ItemMapping: one dataclass ↔ one item, for every store (decision 0065) ------------------

T = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
STAMP = {"S": "2026-03-01T12:30:00.000000+00:00"}

# Each value with the item the hand-written mappers wrote for it before ItemMapping replaced
# them, attribute for attribute: items already stored must keep reading, and new ones must be
# the same bytes.
STORED = {
    "delivery claimed": (
        DELIVERY,
        Delivery(
            "c-1",
            "ada@example.com",
            DeliveryStatus.SENDING,
            attempts=2,
            claim="tok",
            claimed_until=T + timedelta(minutes=3),
            reason="throttled",
            updated_at=T,
        ),
        {
            "attempts": {"N": "2"},
            "campaign_id": {"S": "c-1"},
            "claim": {"S": "tok"},
            "claimed_until": {"S": "2026-03-01T12:33:00.000000+00:00"},
            "email_key": {"S": "ada@example.com"},
            "open_status": {"S": "sending"},
            "reason": {"S": "throttled"},
            "status": {"S": "sending"},
            "updated_at": STAMP,
        },
    ),
    "delivery sent": (
        DELIVERY,
        Delivery(
            "c-1",
            "ada@example.com",
            DeliveryStatus.SENT,
            attempts=1,
            provider="ses",
            provider_message_id="m-1",
            updated_at=T,
        ),
        {
            "attempts": {"N": "1"},
            "campaign_id": {"S": "c-1"},
            "email_key": {"S": "ada@example.com"},
            "provider": {"S": "ses"},
            "provider_message_id": {"S": "m-1"},
            "status": {"S": "sent"},
            "updated_at": STAMP,
        },
    ),
    "campaign": (
        CAMPAIGN,
        Campaign(
            "c-1",
            "Spring",
            "Hi",
            "newsletter",
            Audience("news", {"plan": "pro", "a": "b"}),
            "News <n@example.com>",
            CampaignStatus.SCHEDULED,
            send_at=T,
            counters=Counters(targeted=3, queued=2, sent=1),
            cursor="m@x.io",
            created_at=T,
            updated_at=T,
        ),
        {
            "audience_filter": {"S": '{"a": "b", "plan": "pro"}'},
            "campaign_id": {"S": "c-1"},
            "cancelled": {"N": "0"},
            "created_at": STAMP,
            "failed": {"N": "0"},
            "fanout_cursor": {"S": "m@x.io"},
            "fanout_done": {"BOOL": False},
            "list_name": {"S": "news"},
            "name": {"S": "Spring"},
            "queued": {"N": "2"},
            "send_at": STAMP,
            "sender": {"S": "News <n@example.com>"},
            "sent": {"N": "1"},
            "skipped": {"N": "0"},
            "status": {"S": "scheduled"},
            "subject": {"S": "Hi"},
            "targeted": {"N": "3"},
            "template": {"S": "newsletter"},
            "updated_at": STAMP,
            # since decision 0076: the new counters, the failure summary, the breaker window
            "requeued": {"N": "0"},
            "bounced": {"N": "0"},
            "complained": {"N": "0"},
            "failure_counts": {"M": {}},
            "failure_samples": {"M": {}},
            "window_settled": {"N": "0"},
            "window_failed": {"N": "0"},
            "window_prev_failed": {"N": "0"},
            "render": {"S": "runtime"},  # since decision 0080: who renders it
        },
    ),
    "failed message": (
        FAILED,
        FailedMessage(
            "f-1",
            "c-1",
            "ada@example.com",
            "dead-lettered",
            "five receives",
            5,
            '{"a": 1}',
            T,
            FailureState.RETRIED,
            T,
        ),
        {
            "attempts": {"N": "5"},
            "body": {"S": '{"a": 1}'},
            "campaign_id": {"S": "c-1"},
            "detail": {"S": "five receives"},
            "email_key": {"S": "ada@example.com"},
            "failed_at": STAMP,
            "failure_id": {"S": "f-1"},
            "reason": {"S": "dead-lettered"},
            "state": {"S": "retried"},
            "updated_at": STAMP,
        },
    ),
    "subscriber": (
        SUBSCRIBER,
        Subscriber(
            "Ada@Example.com",
            "Ada",
            SubscriberStatus.BOUNCED,
            frozenset({"news", "beta"}),
            {"plan": "pro", "seats": 3, "vip": True},
            T,
            T,
        ),
        {
            "attributes": {"M": {"plan": {"S": "pro"}, "seats": {"N": "3"}, "vip": {"BOOL": True}}},
            "created_at": STAMP,
            "email": {"S": "Ada@Example.com"},
            "email_key": {"S": "ada@example.com"},
            "lists": {"SS": ["beta", "news"]},
            "name": {"S": "Ada"},
            "status": {"S": "bounced"},
            "updated_at": STAMP,
        },
    ),
    "provider settings": (
        PROVIDER,
        ProviderConfig("resend", 2, enabled=False, rate_per_s=12.5, fail_max=3),
        {
            "pk": {"S": "provider"},
            "sk": {"S": "resend"},
            "order": {"N": "2"},
            "enabled": {"BOOL": False},
            "rate_per_s": {"N": "12.5"},
            "fail_max": {"N": "3"},
            "reset_timeout_s": {"N": "30.0"},
        },
    ),
}


@pytest.mark.parametrize(("mapping", "value", "item"), STORED.values(), ids=STORED.keys())
def test_a_record_is_stored_as_the_item_it_always_was(mapping, value, item):
    assert mapping.to_item(value) == item


@pytest.mark.parametrize(("mapping", "value", "item"), STORED.values(), ids=STORED.keys())
def test_a_stored_item_reads_as_the_record_it_was_written_from(mapping, value, item):
    assert mapping.from_item(item) == value


@pytest.mark.parametrize(("mapping", "value", "item"), STORED.values(), ids=STORED.keys())
def test_a_record_round_trips(mapping, value, item):
    assert mapping.from_item(mapping.to_item(value)) == value


def test_a_fresh_subscriber_stores_no_empty_list_set_and_reads_back_with_none():
    fresh = Subscriber("bo@example.com")

    item = SUBSCRIBER.to_item(fresh)

    assert "lists" not in item  # DynamoDB refuses an empty set
    assert "created_at" not in item  # None is never stored
    assert SUBSCRIBER.from_item(item) == fresh


def test_attributes_older_items_lack_read_as_their_defaults():
    sparse_campaign = {
        k: v
        for k, v in STORED["campaign"][2].items()
        if k not in (*COUNTERS, "fanout_done", "failure_counts", "failure_samples", "render")
        and not k.startswith("window_")
    }
    sparse_failure = {
        k: v for k, v in STORED["failed message"][2].items() if k not in ("detail", "body")
    }
    del sparse_failure["attempts"]
    bare = {"campaign_id": {"S": "c-1"}, "email_key": {"S": "a@x.io"}, "status": {"S": "pending"}}

    campaign = CAMPAIGN.from_item(sparse_campaign)
    failure = FAILED.from_item(sparse_failure)

    assert (campaign.counters, campaign.fanout_done) == (Counters(), False)
    assert (campaign.window, campaign.failures, campaign.pause_reason) == (Window(), [], None)
    assert campaign.render is RenderMode.RUNTIME
    assert (failure.detail, failure.attempts, failure.body) == ("", 0, "")
    assert DELIVERY.from_item(bare) == Delivery("c-1", "a@x.io")


def test_an_item_without_a_required_attribute_is_refused():
    item = dict(STORED["failed message"][2])
    del item["failed_at"]  # a field the dataclass has no default for

    with pytest.raises(KeyError, match="failed_at"):
        FAILED.from_item(item)


def test_numbers_stored_in_any_form_read_as_the_field_s_type():
    item = dict(STORED["delivery sent"][2]) | {"attempts": {"N": "3.0"}}
    settings = {"order": {"N": "1"}, "rate_per_s": {"N": "7"}, "enabled": {"BOOL": True}}

    assert DELIVERY.from_item(item).attempts == 3
    assert PROVIDER.present(settings, ["order", "rate_per_s", "enabled", "fail_max"]) == {
        "order": 1,
        "rate_per_s": 7.0,
        "enabled": True,
    }
    assert type(PROVIDER.present(settings, ["rate_per_s"])["rate_per_s"]) is float


def test_a_field_renamed_that_the_dataclass_lacks_is_refused():
    with pytest.raises(TypeError, match="no fields"):
        ItemMapping(Delivery, renamed={"recipient": "email_key"})


@pytest.mark.parametrize(
    ("mapping", "table"),
    [
        (DELIVERY, "deliveries"),
        (CAMPAIGN, "campaigns"),
        (FAILED, "failed_messages"),
        (SUBSCRIBER, "subscribers"),
        (PROVIDER, "config"),
    ],
)
def test_a_stored_record_carries_every_key_its_table_and_indexes_declare(mapping, table):
    # A key renamed in the spec but not in the record would leave items out of the table's
    # indexes (or unwritable); this catches it before DynamoDB does.
    assert set(resources.table(table).attributes()) <= mapping.attributes()


def test_key_names_come_from_the_spec():
    by_open = KeyNames.of("deliveries", "by_open")

    assert KeyNames.of("deliveries").key("c-1", "a@x.io") == {
        "campaign_id": {"S": "c-1"},
        "email_key": {"S": "a@x.io"},
    }
    assert (by_open.index, by_open.partition, by_open.sorted_by) == (
        "by_open",
        "campaign_id",
        "open_status",
    )
    assert KeyNames.of("list_members").names == {"#pk": "list", "#sk": "email_key"}
    with pytest.raises(KeyError, match="no index"):
        KeyNames.of("deliveries", "by_nothing")
