"""Listing subscribers a page at a time, with an opaque cursor the service checks."""

import pytest

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services import subscribers
from tctfmsg.campaigns.services.subscribers import Listing
from tctfmsg.core.errors import InvalidInput
from tests.unit.subscribers.fakes import FakeSubscriberStore

EVERYONE = Listing()


def people(count: int, **fields) -> list[Subscriber]:
    return [Subscriber(f"u{i:03}@x.io", **fields) for i in range(count)]


def test_a_page_asks_the_store_for_one_page_and_hands_back_a_cursor_to_the_next():
    store = FakeSubscriberStore(*people(5))
    page = subscribers.list_page(store, EVERYONE, limit=2)
    assert [s.email for s in page.subscribers] == ["u000@x.io", "u001@x.io"]
    assert page.next_cursor is not None
    assert "u001" not in page.next_cursor  # opaque: not a key to edit by hand
    assert store.pages_read == [(None, 2, None, None)]


def test_following_the_cursors_reaches_everyone_once_and_the_last_page_has_none():
    store = FakeSubscriberStore(*people(5))
    seen, cursor = [], None
    for _ in range(5):
        page = subscribers.list_page(store, EVERYONE, cursor, limit=2)
        seen += [s.email for s in page.subscribers]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"u{i:03}@x.io" for i in range(5)]
    assert cursor is None


def test_a_list_and_status_go_to_the_store_with_the_decoded_cursor():
    store = FakeSubscriberStore(*people(3, lists=frozenset({"news"})))
    news = Listing("news", SubscriberStatus.SUBSCRIBED)
    first = subscribers.list_page(store, news, limit=1)
    subscribers.list_page(store, news, first.next_cursor, limit=1)
    assert store.pages_read[1] == ("u000@x.io", 1, "news", SubscriberStatus.SUBSCRIBED)


def flip(cursor: str, at: int) -> str:
    return cursor[:at] + ("B" if cursor[at] == "A" else "A") + cursor[at + 1 :]


@pytest.mark.parametrize(
    "damage",
    [lambda c: c[:-3], lambda c: flip(c, 5), lambda c: flip(c, len(c) - 2), lambda c: "%%"],
)
def test_an_edited_or_cut_cursor_is_refused_with_what_to_do(damage):
    store = FakeSubscriberStore(*people(3))
    cursor = subscribers.list_page(store, EVERYONE, limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidInput) as refused:
        subscribers.list_page(store, EVERYONE, damage(cursor), limit=1)
    assert refused.value.message.startswith("that cursor is not one this command printed")
    assert "--cursor" in (refused.value.hint or "")
    assert len(store.pages_read) == 1  # nothing was read with it


def test_a_cursor_from_another_listing_is_refused():
    store = FakeSubscriberStore(*people(3, lists=frozenset({"news"})))
    cursor = subscribers.list_page(store, Listing("news"), limit=1).next_cursor
    with pytest.raises(InvalidInput, match="belongs to another listing"):
        subscribers.list_page(store, Listing("offers"), cursor, limit=1)


@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_a_page_size_out_of_range_is_refused(limit):
    with pytest.raises(InvalidInput, match=f"1 to 1000 subscribers, not {limit}"):
        subscribers.list_page(FakeSubscriberStore(), EVERYONE, limit=limit)


def test_list_all_reads_page_by_page_to_the_end():
    store = FakeSubscriberStore(*people(7))
    found = [s.email for s in subscribers.list_all(store, EVERYONE, page_size=3)]
    assert found == [f"u{i:03}@x.io" for i in range(7)]
    assert [read[1] for read in store.pages_read] == [3, 3, 3]


def test_list_all_refuses_a_bad_cursor_before_yielding_anything():
    with pytest.raises(InvalidInput):
        subscribers.list_all(FakeSubscriberStore(*people(2)), EVERYONE, "garbage")
