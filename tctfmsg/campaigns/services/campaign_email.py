"""The campaign's email for one subscriber, as the consumer sends it and a preflight check
renders it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.domain.delivery import idempotency_key
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.ports import CampaignRenderer
from tctfmsg.email.message import EmailMessage

UnsubscribeLink = Callable[[str, str], str]  # (campaign_id, email) → URL


def compose(
    renderer: CampaignRenderer,
    unsubscribe_link: UnsubscribeLink,
    campaign: Campaign,
    subscriber: Subscriber,
) -> EmailMessage:
    """The campaign's email for one subscriber: their data, a signed unsubscribe link, and
    the same idempotency key for every attempt."""
    link = unsubscribe_link(campaign.campaign_id, subscriber.email)
    data: dict[str, Any] = {
        **dict(subscriber.attributes),
        "name": subscriber.name,
        "email": subscriber.email,
        "unsubscribe_url": link,
        "campaign": {"id": campaign.campaign_id, "name": campaign.name},
        "subject": campaign.subject,
    }
    content = renderer.render(campaign.template, data)
    return EmailMessage(
        to=subscriber.email,
        sender=campaign.sender,
        subject=campaign.subject or content.subject,
        html=content.html,
        text=content.text,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        tags={"campaign_id": campaign.campaign_id, "type": "campaign"},
        idempotency_key=idempotency_key(campaign.campaign_id, subscriber.key),
    )
