"""Refusals before anything is sent: a campaign is created, scheduled, started or resumed only
if its audience has someone in it, its template renders for a sample recipient of that
audience, and its sender may send (docs/decisions/0076). Each refusal is one line that says
what is wrong and what to do; nothing is created or started."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.ports import (
    AudienceSource,
    CampaignRenderer,
    SenderVerification,
    SubscriberStore,
)
from tctfmsg.campaigns.services.campaign_email import compose
from tctfmsg.core.errors import InvalidInput, NotFound

FILTER_LOOKAHEAD = 1000  # members read to find one a filter matches; past it, assumed some do
_PAGE = 100
_SAMPLE_LINK = "https://unsubscribe.invalid/preflight"  # renders like a real signed link


@dataclass(frozen=True)
class Readiness:
    renderer: CampaignRenderer
    subscribers: SubscriberStore
    audience: AudienceSource
    senders: SenderVerification


def require_ready(readiness: Readiness, campaign: Campaign) -> Subscriber:
    """The sample recipient the template rendered for; raises NotFound or InvalidInput."""
    sample = sample_recipient(readiness, campaign)
    try:
        compose(readiness.renderer, lambda _c, _e: _SAMPLE_LINK, campaign, sample)
    except NotFound as exc:
        raise NotFound(exc.message, exc.hint or "see `tctfmsg template list`") from None
    except InvalidInput as exc:
        raise InvalidInput(
            f"template {campaign.template!r} does not render for {sample.email}, the list's "
            f"first member: {exc.message}",
            exc.hint or "fix the template or the subscriber data",
        ) from None
    address = parseaddr(campaign.sender)[1] or campaign.sender
    if not readiness.senders.verified(address):
        raise InvalidInput(
            f"sender {address} is not verified for sending (nor is its domain)",
            "verify the address or its domain with the provider (SES: create-email-identity)",
        )
    return sample


def sample_recipient(readiness: Readiness, campaign: Campaign) -> Subscriber:
    """The audience's first member (the first one the filter matches, when there is one)."""
    audience, cursor, read = campaign.audience, None, 0
    while True:
        page = readiness.audience.page(audience.list_name, cursor, _PAGE)
        found = readiness.subscribers.get_many(page.keys) if page.keys else {}
        for key in page.keys:
            subscriber = found.get(key)
            if subscriber is not None and audience.matches(subscriber):
                return subscriber
        read += len(page.keys)
        if read == 0:
            raise NotFound(
                f"list {audience.list_name!r} has no subscribers (no such list, or it is empty)",
                "import some with `tctfmsg subscriber import`, or check the name",
            )
        if page.cursor is None or read >= FILTER_LOOKAHEAD:
            break
        cursor = page.cursor
    if page.cursor is None:  # the whole list was read: no one matches
        wanted = ", ".join(f"{k}={v}" for k, v in audience.filter.items())
        raise InvalidInput(
            f"no subscriber of list {audience.list_name!r} matches the filter {wanted}",
            "check the attribute names and values",
        )
    # Too long a list to read now: take a member the filter may not match, for the render.
    first = readiness.audience.page(audience.list_name, None, 1).keys
    member = readiness.subscribers.get_many(first).get(first[0]) if first else None
    if member is None:
        raise NotFound(f"list {audience.list_name!r} has no subscribers", "check the name")
    return member
