"""Unsubscribing from a signed link (RFC 8058): reading the link names its recipient and
changes nothing (mail scanners follow links); a POST to it unsubscribes at once, idempotently.
No session: the token is the proof (docs/decisions/0078)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from tctfmsg.campaigns.ports import SubscriberStore
from tctfmsg.campaigns.services import subscribers
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import NotFound
from tctfmsg.rendering.unsubscribe import verify_unsubscribe


@dataclass(frozen=True)
class LinkDeps:
    subscribers: SubscriberStore
    clock: Clock
    key: Callable[[], bytes]  # the signing key, read when needed (it may rotate)


@dataclass(frozen=True)
class LinkRecipient:
    campaign_id: str
    email: str


def recipient(deps: LinkDeps, token: str) -> LinkRecipient:
    """Whom a link names; InvalidInput for a forged, altered or non-canonical token."""
    campaign_id, email = verify_unsubscribe(deps.key(), token)
    return LinkRecipient(campaign_id, email)


def unsubscribe_by_link(deps: LinkDeps, token: str) -> LinkRecipient:
    """The link's recipient, unsubscribed (already unsubscribed, bounced or complained: left
    as is). A subscriber erased since the email was sent stays erased: nothing is created."""
    found = recipient(deps, token)
    with suppress(NotFound):  # erased: nothing left to mail
        subscribers.unsubscribe(deps.subscribers, deps.clock, found.email)
    return found
