"""The consumer: one delivery message in, at most one email out.

The ledger record decides, never the message: the consumer claims the record PENDING →
SENDING with a conditional update, and only the claim's holder sends. A redelivered message
finds the record SENT (or held) and sends nothing; a consumer that died holding a claim
leaves a record whose outcome is unknown, which is FAILED as `interrupted` and kept for an
operator instead of being sent a second time (docs/decisions/0042)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, Thresholds
from tctfmsg.campaigns.domain.delivery import (
    Delivery,
    DeliveryRequest,
    DeliveryStatus,
    Reason,
    retry_advice,
)
from tctfmsg.campaigns.domain.failed_message import FailedMessage, failure_id
from tctfmsg.campaigns.ports import (
    CampaignRenderer,
    CampaignStore,
    DeliveryLedger,
    FailedMessageStore,
    HostedTemplateNames,
    PauseAlarm,
    SubscriberStore,
)
from tctfmsg.campaigns.services import campaign_guard, campaign_progress
from tctfmsg.campaigns.services.batch_view import SENDS, BatchView
from tctfmsg.campaigns.services.campaign_email import UnsubscribeLink, UnsubscribeMailto, compose
from tctfmsg.campaigns.services.campaign_guard import Tally
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput, NotFound, TctfmsgError
from tctfmsg.email.message import (
    AllProvidersUnavailable,
    EmailMessage,
    ProviderUnavailable,
    RecipientRejected,
    RecipientSuppressed,
    SendWithdrawn,
)
from tctfmsg.email.ports import EmailSender
from tctfmsg.rendering.renderer import MissingVariables

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    ALREADY_DONE = "already-done"  # a redelivery: acknowledged, nothing sent
    HELD = "held"  # the campaign is paused: the record stays PENDING for resume
    UNKNOWN = "unknown"  # no such campaign or delivery: nothing to do


class RetryLater(TctfmsgError):
    """Transient: the message must come back (SQS redelivers it; after max receives the
    dead-letter queue takes it)."""


@dataclass(frozen=True)
class ConsumerDeps:
    campaigns: CampaignStore
    ledger: DeliveryLedger
    subscribers: SubscriberStore
    renderer: CampaignRenderer
    sender: EmailSender
    failures: FailedMessageStore
    clock: Clock
    unsubscribe_link: UnsubscribeLink
    claim_for: timedelta = timedelta(seconds=180)  # the delivery queue's visibility timeout
    hosted: HostedTemplateNames | None = None  # for `render hosted` campaigns
    unsubscribe_mailto: UnsubscribeMailto | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    alarm: PauseAlarm | None = None

    @property
    def books(self) -> campaign_progress.Books:
        return campaign_progress.Books(
            self.campaigns, self.ledger, self.clock, self.thresholds, self.alarm
        )


def deliver(
    deps: ConsumerDeps,
    request: DeliveryRequest,
    token: str,
    tally: Tally | None = None,
    batch: BatchView | None = None,
) -> Outcome:
    """With a tally, counter updates wait for `tally.flush`; without, each is written now.
    With a batch view, the campaign and the recipient come from it."""
    tally = tally if tally is not None else _Immediate(deps)
    campaign = _current(deps, batch, request.campaign_id)
    if campaign is None:
        log.warning("delivery for unknown campaign %s dropped", request.campaign_id)
        return Outcome.UNKNOWN
    if campaign.status is CampaignStatus.CANCELLED:
        return _cancel(deps, request, tally)
    if campaign.status not in SENDS:
        return Outcome.HELD  # paused: resume enqueues it again
    subscriber = (
        batch.subscriber(deps.subscribers, request.email_key)
        if batch is not None
        else deps.subscribers.get(request.email_key)
    )
    end: tuple[DeliveryStatus, str, Exception | None] | None = None
    if subscriber is None:
        end = (DeliveryStatus.SKIPPED, Reason.NO_SUBSCRIBER, None)
    elif not subscriber.sendable:
        end = (DeliveryStatus.SKIPPED, subscriber.status.value, None)
    else:
        try:
            message = compose(
                deps.renderer,
                deps.unsubscribe_link,
                campaign,
                subscriber,
                hosted=deps.hosted,
                unsubscribe_mailto=deps.unsubscribe_mailto,
            )
        except MissingVariables as exc:  # this subscriber's data: one failure
            end = (DeliveryStatus.FAILED, Reason.RENDER_ERROR, exc)
        except (InvalidInput, NotFound) as exc:  # the template itself: no one would get it
            return _template_broken(deps, campaign, exc)
    if end is not None:  # settled without a send: claim it now, so only one consumer does
        delivery = _claim(deps, request, token)
        if delivery is None:
            return _not_claimed(deps, request, tally)
        return _finish(deps, tally, delivery, token, *end)
    return _send(deps, tally, request, token, message, batch)


def _template_broken(deps: ConsumerDeps, campaign: Campaign, error: Exception) -> Outcome:
    """The template is gone or does not compile: every recipient would fail alike, so the
    campaign pauses and this delivery stays PENDING for `campaign resume` after the fix."""
    detail = error.message if isinstance(error, InvalidInput | NotFound) else str(error)
    reason = f"auto-paused: template {campaign.template!r} does not render: {detail}"
    campaign_guard.pause_now(deps.books, campaign.campaign_id, reason[:500])
    return Outcome.HELD


def _claim(deps: ConsumerDeps, request: DeliveryRequest, token: str) -> Delivery | None:
    """PENDING → SENDING for `token`, held for `deps.claim_for`; None if not PENDING."""
    now = deps.clock.now()
    return deps.ledger.claim(
        request.campaign_id, request.email_key, token, now + deps.claim_for, now
    )


def _current(deps: ConsumerDeps, batch: BatchView | None, campaign_id: str) -> Campaign | None:
    if batch is not None:
        return batch.campaign(deps.campaigns, campaign_id)
    return deps.campaigns.get(campaign_id)


class _ClaimOnTurn:
    """The claim PENDING → SENDING, taken when the send's rate slot has come round (the
    backbone asks just before the first provider). No claim is held through a wait in the
    pacer, however many records queue for the rate, so none outlives its window while
    waiting; and a pause or a cancel during the wait is seen before anything is claimed."""

    def __init__(
        self, deps: ConsumerDeps, request: DeliveryRequest, token: str, batch: BatchView | None
    ) -> None:
        self.deps, self.request, self.token, self.batch = deps, request, token, batch
        self.delivery: Delivery | None = None
        self.campaign: Campaign | None = None  # as last read

    def __call__(self) -> bool:
        self.campaign = _current(self.deps, self.batch, self.request.campaign_id)
        if self.campaign is None or self.campaign.status not in SENDS:
            return False
        self.delivery = _claim(self.deps, self.request, self.token)
        if self.delivery is None:
            return False
        # Read again once the claim is held: a pause confirmed before this read is seen, and
        # one confirmed after it waits for this claim to settle (campaigns.pause), so no send
        # starts after `campaign pause` returns (docs/decisions/0076).
        self.campaign = self.deps.campaigns.get(self.request.campaign_id)
        if self.campaign is None or self.campaign.status not in SENDS:
            _release(self.deps, self.delivery, self.token, "held: the campaign stopped sending")
            self.delivery = None
            return False
        return True

    def not_taken(self, tally: Tally) -> Outcome:
        if self.campaign is None:
            return Outcome.UNKNOWN
        if self.campaign.status is CampaignStatus.CANCELLED:
            return _cancel(self.deps, self.request, tally)
        if self.campaign.status not in SENDS:
            return Outcome.HELD  # paused while it waited: still PENDING, resume enqueues it
        return _not_claimed(self.deps, self.request, tally)


def _send(
    deps: ConsumerDeps,
    tally: Tally,
    request: DeliveryRequest,
    token: str,
    message: EmailMessage,
    batch: BatchView | None,
) -> Outcome:
    claim = _ClaimOnTurn(deps, request, token, batch)
    try:
        receipt = deps.sender.send(message, proceed=claim)
    except SendWithdrawn:
        return claim.not_taken(tally)
    except RecipientSuppressed:  # refused before any provider, so maybe not claimed
        delivery = claim.delivery or _claim(deps, request, token)
        if delivery is None:
            return _not_claimed(deps, request, tally)
        return _finish(deps, tally, delivery, token, DeliveryStatus.SKIPPED, Reason.SUPPRESSED)
    except RecipientRejected as exc:
        delivery = _claimed(claim)
        return _finish(deps, tally, delivery, token, DeliveryStatus.FAILED, Reason.REJECTED, exc)
    except (AllProvidersUnavailable, ProviderUnavailable) as exc:
        if claim.delivery is None:  # no provider could be asked: nothing was claimed
            raise RetryLater(str(exc)) from None
        delivery = claim.delivery
        if getattr(exc, "uncertain", False):
            # A provider may have taken it before timing out: sending again could duplicate.
            _finish(deps, tally, delivery, token, DeliveryStatus.FAILED, Reason.INTERRUPTED, exc)
            _keep_for_operator(deps, delivery, Reason.INTERRUPTED, str(exc))
            return Outcome.INTERRUPTED
        _release(deps, delivery, token, f"{Reason.PROVIDERS_UNAVAILABLE}: {exc}")
        raise RetryLater(str(exc)) from None
    except Exception as exc:
        if claim.delivery is not None:
            detail = f"{Reason.UNEXPECTED_ERROR}: {type(exc).__name__}: {exc}"
            _release(deps, claim.delivery, token, detail)
        raise
    delivery = _claimed(claim)
    if not deps.ledger.finish(
        delivery.campaign_id,
        delivery.email_key,
        token,
        DeliveryStatus.SENT,
        deps.clock.now(),
        provider=receipt.provider,
        message_id=receipt.message_id,
        attempts=delivery.attempts,
    ):
        log.error("sent %s but lost its claim; the ledger says otherwise", delivery.email_key)
        return Outcome.SENT
    tally.add(delivery.campaign_id, "sent")
    return Outcome.SENT


def _claimed(claim: _ClaimOnTurn) -> Delivery:
    # A provider answered, so the backbone asked `proceed` first and the claim was taken.
    if claim.delivery is None:
        raise TctfmsgError("a provider was asked before the delivery was claimed")
    return claim.delivery


def _not_claimed(deps: ConsumerDeps, request: DeliveryRequest, tally: Tally) -> Outcome:
    current = deps.ledger.get(request.campaign_id, request.email_key)
    if current is None:
        log.warning("no delivery record for %s in %s", request.email_key, request.campaign_id)
        return Outcome.UNKNOWN
    if current.status is DeliveryStatus.PENDING:
        raise RetryLater("the delivery changed while it was being claimed")
    if current.status is not DeliveryStatus.SENDING:
        return Outcome.ALREADY_DONE
    now = deps.clock.now()
    if not current.claim_expired(now):
        raise RetryLater(
            f"another consumer holds {request.email_key} until {current.claimed_until}"
        )
    if deps.ledger.settle(
        current.campaign_id,
        current.email_key,
        DeliveryStatus.SENDING,
        DeliveryStatus.FAILED,
        Reason.INTERRUPTED,
        now,
        stale_before=now,
    ):
        detail = "a consumer stopped after claiming this delivery; it may or may not have been sent"
        _keep_for_operator(deps, current, Reason.INTERRUPTED, detail)
        _log_failure(current.campaign_id, current.email_key, f"{Reason.INTERRUPTED}: {detail}")
        tally.fail(current.campaign_id, Reason.INTERRUPTED, current.email_key)
    return Outcome.INTERRUPTED


def _cancel(deps: ConsumerDeps, request: DeliveryRequest, tally: Tally) -> Outcome:
    if deps.ledger.settle(
        request.campaign_id,
        request.email_key,
        DeliveryStatus.PENDING,
        DeliveryStatus.CANCELLED,
        None,
        deps.clock.now(),
    ):
        tally.add(request.campaign_id, "cancelled")
    return Outcome.CANCELLED


def _finish(
    deps: ConsumerDeps,
    tally: Tally,
    delivery: Delivery,
    token: str,
    status: DeliveryStatus,
    reason: str,
    error: Exception | None = None,
) -> Outcome:
    detail = f"{reason}: {error}" if error else reason
    if deps.ledger.finish(
        delivery.campaign_id,
        delivery.email_key,
        token,
        status,
        deps.clock.now(),
        reason=detail,
        attempts=delivery.attempts,
    ):
        if status is DeliveryStatus.FAILED:
            _log_failure(delivery.campaign_id, delivery.email_key, detail)
            tally.fail(delivery.campaign_id, reason, delivery.email_key)
        else:
            tally.add(delivery.campaign_id, status.counter)
    return Outcome(status.value)


def _log_failure(campaign_id: str, email_key: str, detail: str) -> None:
    retryable, why = retry_advice(detail)
    log.warning(
        "delivery to %s in %s failed: %s (%s: %s)",
        email_key,
        campaign_id,
        detail[:300],
        "retryable" if retryable else "not retryable",
        why,
        extra={
            "campaign_id": campaign_id,
            "email_key": email_key,
            "reason": detail[:300],
            "retryable": retryable,
        },
    )


class _Immediate(Tally):
    """A tally that writes each increment at once."""

    def __init__(self, deps: ConsumerDeps) -> None:
        super().__init__()
        self._books = deps.books

    def add(self, campaign_id: str, counter: str) -> None:
        campaign_progress.count(self._books, campaign_id, {counter: 1})

    def fail(self, campaign_id: str, reason: str, recipient: str) -> None:
        counts, failures = {"failed": 1}, {reason: (1, recipient)}
        campaign_guard.record_outcomes(self._books, campaign_id, counts, failures)


def _release(deps: ConsumerDeps, delivery: Delivery, token: str, reason: str) -> None:
    deps.ledger.release(delivery.campaign_id, delivery.email_key, token, reason, deps.clock.now())


def _keep_for_operator(deps: ConsumerDeps, delivery: Delivery, reason: str, detail: str) -> None:
    now = deps.clock.now()
    deps.failures.record(
        FailedMessage(
            failure_id=failure_id(delivery.campaign_id, delivery.email_key),
            campaign_id=delivery.campaign_id,
            email_key=delivery.email_key,
            reason=reason,
            detail=detail,
            attempts=delivery.attempts,
            body=DeliveryRequest(delivery.campaign_id, delivery.email_key).to_body(),
            failed_at=now,
            updated_at=now,
        )
    )
