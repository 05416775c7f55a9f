"""Campaigns: what is sent to whom, the lifecycle, and the progress counters."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
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


COUNTERS = (
    "targeted", "queued", "requeued", "sent", "failed", "skipped", "cancelled", "bounced",
    "complained",
)  # fmt: skip


@dataclass(frozen=True)
class Counters:
    targeted: int = 0  # delivery records written
    queued: int = 0  # first enqueues by the fan-out: never more than targeted
    requeued: int = 0  # enqueued again: on resume, by an operator's retry, by a page re-run
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    bounced: int = 0  # of those sent, reported back by the provider (docs/decisions/0076)
    complained: int = 0

    @property
    def settled(self) -> int:
        return self.sent + self.failed + self.skipped + self.cancelled

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


@dataclass(frozen=True)
class Window:
    """The campaign's recent deliveries (sent or failed), for its circuit breaker: the block
    under way and the failures of the block before it (docs/decisions/0076)."""

    window_settled: int = 0
    window_failed: int = 0
    window_prev_failed: int = 0

    def failures_in_last(self, size: int) -> float:
        """Failures among the last `size` deliveries, the previous block weighted by the
        share of it still inside the window."""
        overlap = max(size - self.window_settled, 0) / size if size else 0.0
        return self.window_failed + self.window_prev_failed * overlap


# A delivery stopped between its claim and its record (a crash of ours) says nothing about the
# campaign, its list or its sender's reputation: it is counted failed, but not by the breaker,
# so a runtime that restarts mid-campaign does not pause it (its own alarms fire instead).
NOT_THE_CAMPAIGNS_FAULT = frozenset({"interrupted"})


def breaker_failures(failed: int, failures: Mapping[str, tuple[int, str]]) -> int:
    """Of a batch's `failed` deliveries, those the campaign's breaker counts."""
    ours = sum(
        count for reason, (count, _) in failures.items() if reason in NOT_THE_CAMPAIGNS_FAULT
    )
    return max(failed - ours, 0)


@dataclass(frozen=True)
class FailureSummary:
    reason: str
    count: int
    sample: str  # one recipient it happened to


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
    pause_reason: str | None = None  # set by an automatic pause, cleared on resume
    window: Window = Window()
    # Failed deliveries by reason code, and one recipient each: kept on the campaign as its
    # outcomes are counted, so showing them reads one item (docs/decisions/0076).
    failure_counts: Mapping[str, int] = field(default_factory=dict)
    failure_samples: Mapping[str, str] = field(default_factory=dict)
    # When an outcome (sent, failed, skipped, cancelled) was last counted: stamped by the same
    # write that counts it, so a sending campaign's progress is on its one item.
    progress_at: datetime | None = None

    @property
    def failures(self) -> list[FailureSummary]:
        return [
            FailureSummary(reason, count, self.failure_samples.get(reason, ""))
            for reason, count in sorted(self.failure_counts.items(), key=lambda kv: -kv[1])
            if count > 0
        ]

    def can_become(self, wanted: CampaignStatus) -> bool:
        return wanted in TRANSITIONS[self.status]

    def require(self, wanted: CampaignStatus) -> None:
        if not self.can_become(wanted):
            raise IllegalTransition(self.campaign_id, self.status, wanted)

    @property
    def finished_sending(self) -> bool:
        """Every targeted recipient has an outcome and no one is left to target."""
        return self.fanout_done and self.counters.settled >= self.counters.targeted

    def stalled(self, now: datetime, after: timedelta) -> bool:
        """Sending, recipients left, and no outcome counted for longer than `after` since the
        last one or since it started or resumed sending, whichever is later; whatever the
        queue holds (messages in flight that never end are stalled too)."""
        return (
            self.status is CampaignStatus.SENDING
            and not self.finished_sending
            and self.idle_for(now) > after
        )

    def idle_for(self, now: datetime) -> timedelta:
        """How long since its last outcome, or since its last change of state if later."""
        moved = [t for t in (self.progress_at, self.updated_at, self.created_at) if t is not None]
        return now - max(moved) if moved else timedelta(0)


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


@dataclass(frozen=True)
class Thresholds:
    """When a sending campaign pauses itself (docs/decisions/0076)."""

    failure_window: int = 200  # the last this many deliveries (sent or failed)
    failure_rate: float = 0.05  # of them failed: 10 of the last 200
    bounce_rate: float = 0.05  # SES reviews an account whose bounce rate is over 5 %
    complaint_rate: float = 0.001  # and one whose complaint rate is over 0.1 %
    reputation_min_sends: int = 100  # before this many sends, a rate says little
