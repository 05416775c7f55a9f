"""Dead-letter handling: every dead delivery message becomes a failed-message item (and its
delivery FAILED, so the campaign can complete and its counts add up); operators see the
items by reason and campaign, retry them (the delivery goes back to PENDING and is queued
once more) or resolve them (accepted as failed). Nothing is lost on the way."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from tctfmsg.campaigns.domain.campaign import CampaignStatus, Thresholds
from tctfmsg.campaigns.domain.delivery import DeliveryRequest, DeliveryStatus, Reason
from tctfmsg.campaigns.domain.failed_message import (
    FailedMessage,
    FailureState,
    FailureStats,
    failure_id,
)
from tctfmsg.campaigns.ports import (
    CampaignStore,
    DeliveryLedger,
    DeliveryQueue,
    FailedMessageStore,
    PauseAlarm,
)
from tctfmsg.campaigns.services import campaign_guard, campaign_progress
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

RETRYABLE_REASONS = (Reason.DEAD_LETTERED, Reason.INTERRUPTED)


@dataclass(frozen=True)
class DlqDeps:
    campaigns: CampaignStore
    ledger: DeliveryLedger
    failures: FailedMessageStore
    queue: DeliveryQueue
    clock: Clock
    thresholds: Thresholds = field(default_factory=Thresholds)
    alarm: PauseAlarm | None = None

    @property
    def books(self) -> campaign_progress.Books:
        return campaign_progress.Books(
            self.campaigns, self.ledger, self.clock, self.thresholds, self.alarm
        )


def record_dead(deps: DlqDeps, body: str, message_id: str, receives: int) -> FailedMessage:
    now = deps.clock.now()
    try:
        request = DeliveryRequest.from_body(body)
    except InvalidInput as exc:
        failed = FailedMessage(
            failure_id(message_id), "-", "-", Reason.MALFORMED, str(exc), receives, body, now
        )
        deps.failures.record(failed)
        return failed
    cid, key = request.campaign_id, request.email_key
    delivery = deps.ledger.get(cid, key)
    reason, detail, state = Reason.DEAD_LETTERED.value, "no delivery record", FailureState.OPEN
    attempts = receives
    if delivery is not None:
        attempts = delivery.attempts or receives  # sends tried, not DLQ receives
        detail = delivery.reason or "retries exhausted"
        reason = _code(detail)
        if delivery.status is DeliveryStatus.PENDING and deps.ledger.settle(
            cid,
            key,
            DeliveryStatus.PENDING,
            DeliveryStatus.FAILED,
            f"{Reason.DEAD_LETTERED}: {detail}",
            now,
        ):
            failures = {Reason.DEAD_LETTERED.value: (1, key)}
            campaign_guard.record_outcomes(deps.books, cid, {"failed": 1}, failures)
        elif not delivery.status.open:
            # finished meanwhile (sent on a later receive, cancelled…): nothing to act on
            state, detail = FailureState.RESOLVED, f"delivery is {delivery.status.value}"
    failed = FailedMessage(
        failure_id(cid, key), cid, key, reason, detail, attempts, body, now, state, now
    )
    deps.failures.record(failed)
    return failed


@dataclass(frozen=True)
class Selection:
    ids: Sequence[str] = ()
    campaign_id: str | None = None
    reason: str | None = None
    everything: bool = False
    include_uncertain: bool = False  # interrupted deliveries may have been sent already

    def validate(self) -> None:
        chosen = sum([bool(self.ids), bool(self.campaign_id or self.reason), self.everything])
        if chosen != 1:
            raise InvalidInput(
                "say which failed messages: IDs, --campaign and/or --reason, or --all",
                "exactly one of them",
            )


@dataclass
class RetryReport:
    retried: list[str] = field(default_factory=list)
    already_final: list[str] = field(default_factory=list)
    not_retryable: list[str] = field(default_factory=list)  # cancelled campaign, malformed
    left_uncertain: list[str] = field(default_factory=list)  # interrupted: may have been sent


def retry(deps: DlqDeps, selection: Selection) -> RetryReport:
    """Re-enqueues the selection. An interrupted delivery stopped after its claim, so the
    provider may have sent it: it is left out unless the operator asked for it, having checked
    the provider's logs (docs/runbooks/dead-letters.md)."""
    report = RetryReport()
    for failed in _select(deps, selection):
        if failed.reason == Reason.INTERRUPTED and not selection.include_uncertain:
            report.left_uncertain.append(failed.failure_id)
            continue
        outcome = _retry_one(deps, failed)
        getattr(report, outcome).append(failed.failure_id)
    return report


def _retry_one(deps: DlqDeps, failed: FailedMessage) -> str:
    now = deps.clock.now()
    campaign = deps.campaigns.get(failed.campaign_id)
    if campaign is None or campaign.status is CampaignStatus.CANCELLED:
        return "not_retryable"
    delivery = deps.ledger.get(failed.campaign_id, failed.email_key)
    if delivery is None:
        return "not_retryable"
    if delivery.status is DeliveryStatus.FAILED and _code(delivery.reason) in RETRYABLE_REASONS:
        if deps.ledger.settle(
            failed.campaign_id,
            failed.email_key,
            DeliveryStatus.FAILED,
            DeliveryStatus.PENDING,
            "retried by an operator",
            now,
        ):
            deps.campaigns.add_counts(failed.campaign_id, {"failed": -1})
    elif delivery.status is not DeliveryStatus.PENDING:
        deps.failures.set_state(failed.failure_id, FailureState.RESOLVED, now)
        return "already_final"
    deps.queue.send([DeliveryRequest(failed.campaign_id, failed.email_key)])
    deps.campaigns.add_counts(failed.campaign_id, {"requeued": 1})
    deps.failures.set_state(failed.failure_id, FailureState.RETRIED, now)
    return "retried"


def resolve(deps: DlqDeps, ids: Sequence[str]) -> list[FailedMessage]:
    """Accepts them as permanently failed; their deliveries stay FAILED."""
    if not ids:
        raise InvalidInput("name the failed messages to resolve", "pass their IDs")
    found = [_get(deps, i) for i in ids]
    for failed in found:
        deps.failures.set_state(failed.failure_id, FailureState.RESOLVED, deps.clock.now())
    return found


def stats(deps: DlqDeps) -> FailureStats:
    states: Counter[FailureState] = Counter()
    by_reason: Counter[str] = Counter()
    by_campaign: Counter[str] = Counter()
    for failed in deps.failures.list(state=None):
        states[failed.state] += 1
        if failed.state is FailureState.OPEN:
            by_reason[failed.reason] += 1
            by_campaign[failed.campaign_id] += 1
    return FailureStats(
        open=states[FailureState.OPEN],
        by_reason=dict(by_reason.most_common()),
        by_campaign=dict(by_campaign.most_common()),
        retried=states[FailureState.RETRIED],
        resolved=states[FailureState.RESOLVED],
    )


def list_failed(
    deps: DlqDeps,
    campaign_id: str | None = None,
    reason: str | None = None,
    state: FailureState | None = FailureState.OPEN,
) -> Iterator[FailedMessage]:
    return deps.failures.list(campaign_id=campaign_id, reason=reason, state=state)


def _select(deps: DlqDeps, selection: Selection) -> Iterable[FailedMessage]:
    selection.validate()
    if selection.ids:
        return [_get(deps, i) for i in selection.ids]
    return list(deps.failures.list(campaign_id=selection.campaign_id, reason=selection.reason))


def _get(deps: DlqDeps, failure_id_: str) -> FailedMessage:
    failed = deps.failures.get(failure_id_.strip())
    if failed is None:
        raise NotFound(f"no failed message {failure_id_}", "list them with `tctfmsg dlq list`")
    return failed


def _code(detail: str | None) -> str:
    """The stable reason code that starts a delivery's reason text."""
    return (detail or "").split(":", 1)[0].strip() or Reason.DEAD_LETTERED.value
