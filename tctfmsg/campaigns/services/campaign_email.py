"""The campaign's email for one subscriber, as the consumer sends it and a preflight check
renders it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tctfmsg.campaigns.domain.campaign import Campaign, RenderMode
from tctfmsg.campaigns.domain.delivery import idempotency_key
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.ports import CampaignRenderer, HostedTemplateNames
from tctfmsg.email.headers import header_text
from tctfmsg.email.message import EmailMessage
from tctfmsg.rendering.ses import ses_template_data

log = logging.getLogger(__name__)

UnsubscribeLink = Callable[[str, str], str]  # (campaign_id, email) → URL
UnsubscribeMailto = Callable[[str, str, str], str]  # (campaign_id, email, sender) → mailto: URI


def compose(
    renderer: CampaignRenderer,
    unsubscribe_link: UnsubscribeLink,
    campaign: Campaign,
    subscriber: Subscriber,
    hosted: HostedTemplateNames | None = None,
    unsubscribe_mailto: UnsubscribeMailto | None = None,
) -> EmailMessage:
    """The campaign's email for one subscriber: their data, a signed unsubscribe link (and
    its mailto: form in List-Unsubscribe, RFC 2369 and 8058), and the same idempotency key for
    every attempt. A `hosted` campaign's email also names the SES copy of the template and
    carries the recipient's data for it: SES renders that one, and a failover provider sends
    the html and text rendered here from the same version."""
    link = unsubscribe_link(campaign.campaign_id, subscriber.email)
    targets = [f"<{link}>"]
    if unsubscribe_mailto is not None:
        targets.append(
            f"<{unsubscribe_mailto(campaign.campaign_id, subscriber.email, campaign.sender)}>"
        )
    data: dict[str, Any] = {
        **dict(subscriber.attributes),
        "name": subscriber.name,
        "email": subscriber.email,
        "unsubscribe_url": link,
        "campaign": {"id": campaign.campaign_id, "name": campaign.name},
        "subject": campaign.subject,
    }
    content = renderer.render(campaign.template, data)
    ses_template = None
    if campaign.render is RenderMode.HOSTED and hosted is not None:
        ses_template = hosted.name_for(campaign.template)
        if ses_template is None:
            log.warning("template %s cannot be hosted in SES: rendered here", campaign.template)
    return EmailMessage(
        to=subscriber.email,
        sender=campaign.sender,
        subject=campaign.subject or header_text(content.subject),  # rendered from user data
        html=content.html,
        text=content.text,
        headers={
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        tags={"campaign_id": campaign.campaign_id, "type": "campaign"},
        idempotency_key=idempotency_key(campaign.campaign_id, subscriber.key),
        ses_template=ses_template,
        template_data=ses_template_data(data) if ses_template else {},
    )
