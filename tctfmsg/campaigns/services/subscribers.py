"""Subscriber look-ups, listings a page at a time, and the changes an operator makes one at a
time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus, email_key
from tctfmsg.campaigns.ports import SubscriberStore
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput, NotFound

DEFAULT_PAGE = 100
MAX_PAGE = 1000


@dataclass(frozen=True)
class Listing:
    """Which subscribers to list: a cursor is only valid for the listing that printed it."""

    list_name: str | None = None
    status: SubscriberStatus | None = None


@dataclass(frozen=True)
class Page:
    subscribers: list[Subscriber]
    next_cursor: str | None  # opaque; None when this page is the last


def list_page(
    store: SubscriberStore, listing: Listing, cursor: str | None = None, limit: int = DEFAULT_PAGE
) -> Page:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"a page holds 1 to {MAX_PAGE} subscribers, not {limit}",
            "give another --limit, or --all for every page",
        )
    after = _read_cursor(cursor, listing) if cursor else None
    page = store.list_page(after, limit, list_name=listing.list_name, status=listing.status)
    return Page(page.subscribers, _make_cursor(page.after, listing) if page.after else None)


def list_all(
    store: SubscriberStore, listing: Listing, cursor: str | None = None, page_size: int = MAX_PAGE
) -> Iterator[Subscriber]:
    """Every subscriber of the listing from the cursor on, read a page at a time. The first
    page is read at once, so a bad cursor or page size fails before anything is printed."""
    return _from(list_page(store, listing, cursor, page_size), store, listing, page_size)


def _from(page: Page, store: SubscriberStore, listing: Listing, size: int) -> Iterator[Subscriber]:
    yield from page.subscribers
    while page.next_cursor is not None:
        page = list_page(store, listing, page.next_cursor, size)
        yield from page.subscribers


def get(store: SubscriberStore, email: str) -> Subscriber:
    subscriber = store.get(email_key(email))
    if subscriber is None:
        raise NotFound(
            f"no subscriber {email.strip()}", "check the address with `tctfmsg subscriber list`"
        )
    return subscriber


def unsubscribe(store: SubscriberStore, clock: Clock, email: str) -> Subscriber:
    subscriber = get(store, email)
    if subscriber.status.suppression >= SubscriberStatus.UNSUBSCRIBED.suppression:
        return subscriber  # already suppressed; a bounce or complaint stays what it is
    return store.set_status(subscriber.key, SubscriberStatus.UNSUBSCRIBED, clock.now())


def delete(store: SubscriberStore, email: str) -> Subscriber:
    subscriber = get(store, email)
    store.delete(subscriber)
    return subscriber


# A cursor is the key to continue after and the listing it belongs to, with a checksum: not a
# secret (an operator may list everything anyway), but an edited or truncated cursor, or one
# pasted into another listing, is refused rather than silently starting somewhere else.


def _make_cursor(after: str, listing: Listing) -> str:
    body = json.dumps(_cursor_fields(after, listing), separators=(",", ":"), sort_keys=True)
    token = _checksum(body) + body
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def _read_cursor(cursor: str, listing: Listing) -> str:
    try:
        token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        checksum, body = token[:8], token[8:]
        fields = json.loads(body) if checksum == _checksum(body) else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        fields = None
    after = fields.get("after") if isinstance(fields, dict) else None
    if not isinstance(after, str):
        raise InvalidInput(
            "that cursor is not one this command printed (edited or cut short?)",
            "copy it whole from the last page's output, or start again without --cursor",
        )
    if fields != _cursor_fields(after, listing):
        raise InvalidInput(
            "that cursor belongs to another listing",
            "repeat the --list and --status it was printed with, or start without --cursor",
        )
    return after


def _cursor_fields(after: str, listing: Listing) -> dict[str, str | None]:
    status = listing.status.value if listing.status else None
    return {"after": after, "list": listing.list_name, "status": status}


def _checksum(body: str) -> str:
    return hashlib.blake2b(body.encode(), digest_size=4).hexdigest()
