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

    def members(status=None):
        return store.list_page(None, 1000, list_name="l", status=status).subscribers

    assert len(list(members())) == 150
    assert [s.email for s in members(SubscriberStatus.BOUNCED)] == ["u007@x.io"]


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


class Counting:
    """Passes calls through to moto and records each Scan and Query request."""

    def __init__(self, real):
        self.real = real
        self.requests: list[tuple[str, dict]] = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def scan(self, **request):
        self.requests.append(("scan", request))
        return self.real.scan(**request)

    def query(self, **request):
        self.requests.append(("query", request))
        return self.real.query(**request)


def read_every_page(store, limit, **listing):
    pages, after = [], None
    while True:
        page = store.list_page(after, limit, **listing)
        pages.append([s.email for s in page.subscribers])
        if page.after is None:
            return pages
        after = page.after


def test_list_page_reads_one_page_from_the_table_not_all_of_it(store, provisioned):
    store.save_many([Subscriber(f"u{i:03}@x.io") for i in range(250)], [])
    counting = Counting(provisioned["dynamodb"])
    paged = DynamoSubscriberStore(store.table, store.members_table, counting)

    page = paged.list_page(None, 100)

    assert len(page.subscribers) == 100
    assert page.after == page.subscribers[-1].key
    assert [(op, r["Limit"]) for op, r in counting.requests] == [("scan", 100)]


def test_pages_of_the_whole_table_cover_everyone_once(store):
    store.save_many([Subscriber(f"u{i:03}@x.io") for i in range(250)], [])
    pages = read_every_page(store, 100)
    assert [len(p) for p in pages] == [100, 100, 50]
    assert sorted(e for p in pages for e in p) == [f"u{i:03}@x.io" for i in range(250)]


def test_pages_of_a_list_filtered_by_status_are_full_and_cover_every_match(store, provisioned):
    people = [
        Subscriber(
            f"u{i:03}@x.io",
            lists=frozenset({"l"}),
            status=SubscriberStatus.BOUNCED if i % 3 == 0 else SubscriberStatus.SUBSCRIBED,
        )
        for i in range(300)
    ]
    store.save_many(people, [("l", p.key) for p in people])
    bounced = [p.email for p in people if p.status is SubscriberStatus.BOUNCED]

    pages = read_every_page(store, 30, list_name="l", status=SubscriberStatus.BOUNCED)

    assert [len(p) for p in pages] == [30, 30, 30, 10]
    assert [e for p in pages for e in p] == bounced  # in the list's order, none twice


def test_scan_pages_filtered_by_status_continue_after_the_last_one_shown(store):
    people = [
        Subscriber(
            f"u{i:03}@x.io",
            status=SubscriberStatus.BOUNCED if i % 2 else SubscriberStatus.SUBSCRIBED,
        )
        for i in range(120)
    ]
    store.save_many(people, [])
    pages = read_every_page(store, 25, status=SubscriberStatus.BOUNCED)
    found = [e for p in pages for e in p]
    assert [len(p) for p in pages[:-1]] == [25, 25]
    assert sorted(found) == sorted(p.email for p in people if p.status is SubscriberStatus.BOUNCED)
    assert len(found) == len(set(found))
