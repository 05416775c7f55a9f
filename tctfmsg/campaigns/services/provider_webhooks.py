"""Provider webhooks in: a body is believed only once its signature verifies, and then only its
events are queued (the provider_events function applies them). A refusal is counted, so a
forger's attempts show on a dashboard, and says nothing a forger could learn from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tctfmsg.campaigns.ports import ProviderEventQueue
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import TctfmsgError
from tctfmsg.email.events import resend, sendgrid
from tctfmsg.email.events.model import WebhookRefused

MAX_BODY_BYTES = 1024 * 1024  # SendGrid batches events; a megabyte is thousands of them
PROVIDERS = ("resend", "sendgrid")


class PayloadTooLarge(TctfmsgError):
    pass


@dataclass(frozen=True)
class WebhookDeps:
    keys: Callable[[], Mapping[str, str]]  # the webhook_keys secret, read through its cache
    queue: ProviderEventQueue
    clock: Clock
    count_refusal: Callable[[str, str], None]  # (provider, why): a metric in the Lambda
    tolerance_s: int = 300


def receive(deps: WebhookDeps, provider: str, headers: Mapping[str, str], body: bytes) -> int:
    """Verifies and queues one webhook's events; returns how many. Raises WebhookRefused
    (counted) or PayloadTooLarge."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"a webhook body is at most {MAX_BODY_BYTES} bytes")
    lowered = {k.lower(): v for k, v in headers.items()}
    now = deps.clock.now().timestamp()
    try:
        key = deps.keys().get(provider, "") if provider in PROVIDERS else ""
        if not key:
            raise WebhookRefused(provider[:20], "no verification key for this provider")
        if provider == "resend":
            resend.verify(key, lowered, body, now, deps.tolerance_s)
            events = resend.parse(lowered["svix-id"], body)
        else:
            sendgrid.verify(key, lowered, body, now, deps.tolerance_s)
            events = sendgrid.parse(body)
    except WebhookRefused as refused:
        deps.count_refusal(refused.provider, refused.why)
        raise
    return deps.queue.send(events) if events else 0
