from datetime import UTC, datetime

import pytest

from tctfmsg.campaigns.adapters.subscribers import DynamoSubscriberStore
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.core.errors import NotFound

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def store(provisioned):
    return DynamoSubscriberStore(
        "tctfmsg-test-subscribers", "tctfmsg-test-list-members", provisioned["dynamodb"]
    )


def ann(**changes):
    base = dict(
        email="Ann@example.com",
        name="Ann",
        lists=frozenset({"news", "vip"}),
        attributes={"city": "Oslo", "score": 4.5, "tags": ["a"]},
        created_at=NOW,
        updated_at=NOW,
    )
    return Subscriber(**{**base, **changes})


def test_saved_subscribers_read_back_whole(store):
    store.save_many([ann()], [("news", "ann@example.com"), ("vip", "ann@example.com")])
    assert store.get("ann@example.com") == ann()


def test_get_many_reads_more_than_one_batch(store):
    people = [Subscriber(f"u{i}@x.io", created_at=NOW) for i in range(230)]
    store.save_many(people, [])
    found = store.get_many([p.key for p in people] + ["missing@x.io"])
    assert len(found) == 230


def test_members_pages_a_list_and_filters_by_status(store):
    people = [Subscriber(f"u{i:03}@x.io", lists=frozenset({"l"})) for i in range(150)]
    people[7] = Subscriber("u007@x.io", lists=frozenset({"l"}), status=SubscriberStatus.BOUNCED)
    store.save_many(people, [("l", p.key) for p in people])
    assert len(list(store.members("l"))) == 150
    assert [s.email for s in store.members("l", SubscriberStatus.BOUNCED)] == ["u007@x.io"]


def test_delete_erases_the_subscriber_and_every_membership(store, provisioned):
    store.save_many([ann()], [("news", "ann@example.com"), ("vip", "ann@example.com")])
    store.delete(ann())
    assert store.get("ann@example.com") is None
    members = provisioned["dynamodb"].scan(TableName="tctfmsg-test-list-members")["Items"]
    assert members == []


def test_set_status_on_a_missing_subscriber_is_not_found(store):
    with pytest.raises(NotFound):
        store.set_status("ghost@x.io", SubscriberStatus.UNSUBSCRIBED, NOW)


def test_unprocessed_batch_items_are_retried_until_stored(store, provisioned):
    real = provisioned["dynamodb"]

    class Throttling:
        """Passes calls through to moto, but first answers one batch with all unprocessed."""

        def __init__(self):
            self.throttled = False

        def __getattr__(self, name):
            return getattr(real, name)

        def batch_write_item(self, RequestItems):
            if not self.throttled:
                self.throttled = True
                return {"UnprocessedItems": RequestItems}
            return real.batch_write_item(RequestItems=RequestItems)

    throttled = DynamoSubscriberStore(store.table, store.members_table, Throttling())
    throttled.save_many([ann()], [("news", "ann@example.com")])
    assert store.get("ann@example.com") is not None
