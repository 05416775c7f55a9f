"""Campaigns: what is sent to whom, the lifecycle, and the progress counters."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import formataddr
from enum import StrEnum

from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.core.errors import Conflict, InvalidInput
from tctfmsg.email.headers import one_address, require_header_safe


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def live(self) -> bool:
        return self not in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED)


class RenderMode(StrEnum):
    RUNTIME = "runtime"  # the consumer renders every email
    HOSTED = "hosted"  # SES renders its hosted copy; failover sends the same, rendered here


_S = CampaignStatus
TRANSITIONS: dict[CampaignStatus, tuple[CampaignStatus, ...]] = {
    _S.DRAFT: (_S.SCHEDULED, _S.CANCELLED),
    _S.SCHEDULED: (_S.SENDING, _S.DRAFT, _S.CANCELLED),
    _S.SENDING: (_S.PAUSED, _S.COMPLETED, _S.CANCELLED),
    _S.PAUSED: (_S.SENDING, _S.CANCELLED),
    _S.COMPLETED: (),
    _S.CANCELLED: (),
}


class IllegalTransition(Conflict):
    def __init__(self, campaign_id: str, current: CampaignStatus, wanted: CampaignStatus) -> None:
        allowed = TRANSITIONS[current]
        super().__init__(
            f"campaign {campaign_id} is {current.value} and cannot become {wanted.value}",
            f"from {current.value} it can become {', '.join(s.value for s in allowed)}"
            if allowed
            else f"a {current.value} campaign is final",
        )
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True)
class Audience:
    """A list, optionally narrowed to subscribers whose attributes equal every filter value."""

    list_name: str
    filter: Mapping[str, str] = field(default_factory=dict)

    def matches(self, subscriber: Subscriber) -> bool:
        return all(str(subscriber.attributes.get(k, "")) == v for k, v in self.filter.items())


def parse_filter(expressions: list[str]) -> dict[str, str]:
    """`key=value` expressions, all of which must hold."""
    parsed: dict[str, str] = {}
    for expression in expressions:
        key, sep, value = expression.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"invalid filter {expression!r}", "write it as attribute=value, e.g. plan=pro"
            )
        parsed[key.strip()] = value.strip()
    return parsed


COUNTERS = ("targeted", "queued", "sent", "failed", "skipped", "cancelled")


@dataclass(frozen=True)
class Counters:
    targeted: int = 0  # delivery records written
    queued: int = 0  # delivery messages sent to the queue (resume and retry add more)
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0

    @property
    def settled(self) -> int:
        return self.sent + self.failed + self.skipped + self.cancelled

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    subject: str
    template: str
    audience: Audience
    sender: str
    status: CampaignStatus = CampaignStatus.DRAFT
    send_at: datetime | None = None
    counters: Counters = Counters()
    cursor: str | None = None  # the last audience key the fan-out has done
    fanout_done: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    render: RenderMode = RenderMode.RUNTIME

    def can_become(self, wanted: CampaignStatus) -> bool:
        return wanted in TRANSITIONS[self.status]

    def require(self, wanted: CampaignStatus) -> None:
        if not self.can_become(wanted):
            raise IllegalTransition(self.campaign_id, self.status, wanted)

    @property
    def finished_sending(self) -> bool:
        """Every targeted recipient has an outcome and no one is left to target."""
        return self.fanout_done and self.counters.settled >= self.counters.targeted


def new_campaign(
    *,
    name: str,
    subject: str,
    template: str,
    audience: Audience,
    sender: str,
    now: datetime,
    campaign_id: str | None = None,
    render: str = RenderMode.RUNTIME,
) -> Campaign:
    for label, value in (("name", name), ("template", template), ("list", audience.list_name)):
        if not value.strip():
            raise InvalidInput(f"a campaign needs a {label}", f"pass --{label}")
        require_header_safe(f"campaign {label}", value)
    require_header_safe("campaign subject", subject)
    if not subject.strip():
        raise InvalidInput("a campaign needs a subject", "pass --subject")
    if not isinstance(render, str) or render not in set(RenderMode):
        shown = render[:40] if isinstance(render, str) else type(render).__name__
        raise InvalidInput(f"invalid render {shown!r}", "pass --render runtime or hosted")
    return Campaign(
        campaign_id=campaign_id or new_id(),
        name=name.strip(),
        subject=subject.strip(),
        template=template.strip(),
        audience=audience,
        sender=normalise_sender(sender),
        created_at=now,
        updated_at=now,
        render=RenderMode(render),
    )


_SIMPLE_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")


def normalise_sender(raw: str) -> str:
    """An address, optionally with a display name: `News <news@example.com>`."""
    display, address = one_address("sender", raw.strip())
    local, at, domain = address.rpartition("@")
    # Our own sending domains may be special-use ones (the embedded stack's .local), which
    # the recipient validator rightly refuses: a sender only has to be well formed.
    if not (local and at and "." in domain and _SIMPLE_ADDRESS.fullmatch(f"{local}@{domain}")):
        raise InvalidInput(f"invalid sender {raw!r}", "pass --from with an address")
    address = f"{local}@{domain.lower()}"
    return formataddr((display, address)) if display else address


def new_id() -> str:
    return "c-" + uuid.uuid4().hex[:12]


def with_status(campaign: Campaign, status: CampaignStatus, now: datetime) -> Campaign:
    campaign.require(status)
    return replace(campaign, status=status, updated_at=now)
