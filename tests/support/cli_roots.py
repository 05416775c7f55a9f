"""Composition roots for the CLI's unit tests: the attributes each command reads from
CampaignsRoot, TemplateRoot and EmailRoot, standing on the in-memory ports, plus the check
every error path shares (one line on stderr, exit 1, no traceback)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from click.testing import Result

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, Counters
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus, Reason
from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState, failure_id
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.campaigns import CampaignDeps
from tctfmsg.campaigns.services.dlq import DlqDeps
from tests.support.campaign_fakes import FakeRenderer, RecordingInvoker
from tests.support.campaign_memory import (
    FixedClock,
    MemoryCampaigns,
    MemoryFailures,
    MemoryLedger,
    MemoryQueue,
)


@dataclass
class CampaignWorld:
    """Stands for CampaignsRoot: `campaign_deps` and `dlq_deps` over one set of memory ports."""

    clock: FixedClock = field(default_factory=FixedClock)
    store: MemoryCampaigns = field(default_factory=MemoryCampaigns)
    ledger: MemoryLedger = field(default_factory=MemoryLedger)
    queue: MemoryQueue = field(default_factory=MemoryQueue)
    failures: MemoryFailures = field(default_factory=MemoryFailures)
    invoker: RecordingInvoker = field(default_factory=RecordingInvoker)

    @property
    def campaign_deps(self) -> CampaignDeps:
        return CampaignDeps(self.store, self.ledger, self.queue, self.invoker, self.clock)

    @property
    def dlq_deps(self) -> DlqDeps:
        return DlqDeps(self.store, self.ledger, self.failures, self.queue, self.clock)

    def campaign(
        self,
        status: CampaignStatus = CampaignStatus.DRAFT,
        *,
        name: str = "Spring news",
        counters: Counters = Counters(),
        fanout_done: bool = False,
        send_at: datetime | None = None,
    ) -> Campaign:
        """A campaign stored directly in `status`, as if it had got there on its own."""
        draft = campaigns.create(
            self.campaign_deps,
            name=name,
            subject="Spring is here",
            template="newsletter",
            list_name="news",
            sender="news@example.com",
        )
        stored = replace(
            draft, status=status, counters=counters, fanout_done=fanout_done, send_at=send_at
        )
        self.store.items[stored.campaign_id] = stored
        return stored

    def deliveries(self, campaign_id: str, *statuses: DeliveryStatus) -> list[str]:
        keys = [f"p{i:02d}@example.com" for i in range(len(statuses))]
        for key, status in zip(keys, statuses, strict=True):
            self.ledger.items[(campaign_id, key)] = Delivery(campaign_id, key, status)
        return keys

    def dead(self, campaign_id: str, email_key: str, reason: str = Reason.DEAD_LETTERED) -> str:
        """A delivery that failed every retry: FAILED in the ledger, OPEN in the failures."""
        detail = f"{reason}: providers down"
        self.ledger.items[(campaign_id, email_key)] = Delivery(
            campaign_id, email_key, DeliveryStatus.FAILED, attempts=6, reason=detail
        )
        item = FailedMessage(
            failure_id(campaign_id, email_key), campaign_id, email_key, reason, detail, 6,
            "{}", self.clock.now(), FailureState.OPEN, self.clock.now(),
        )  # fmt: skip
        self.failures.record(item)
        return item.failure_id


@dataclass
class FakeTemplatesRoot:
    """What `campaign test-send` reads from TemplateRoot."""

    renderer: FakeRenderer = field(default_factory=FakeRenderer)
    unsubscribe_base_url: str = "https://unsubscribe.test/u"
    unsubscribe_key: bytes = b"k" * 32

    def unsubscribe_mailto(self, campaign_id: str, email: str, sender: str) -> str:
        return f"mailto:unsubscribe@unsubscribe.test?subject={campaign_id}"


def error_line(result: Result, code: int = 1) -> str:
    """The one line an expected failure prints: exit `code`, no traceback, stdout untouched
    unless the command had printed something before failing."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # handled, not raised
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
