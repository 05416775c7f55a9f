"""Subscriber look-ups and the changes an operator makes one at a time."""

from __future__ import annotations

from collections.abc import Iterator

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus, email_key
from tctfmsg.campaigns.ports import SubscriberStore
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import NotFound


def list_subscribers(
    store: SubscriberStore, list_name: str | None = None, status: SubscriberStatus | None = None
) -> Iterator[Subscriber]:
    if list_name:
        return store.members(list_name, status)
    return store.scan(status)


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
