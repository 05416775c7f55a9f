"""Campaign behaviours end to end through moto SQS and DynamoDB and the real handlers."""

from __future__ import annotations

import contextlib
import time
from collections import Counter

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import SubscriberStatus
from tests.integration.campaigns.conftest import Pipeline


def _statuses(p: Pipeline, campaign_id: str) -> Counter[DeliveryStatus]:
    return Counter(d.status for d in p.deps.ledger.list(campaign_id))


def test_campaign_reaches_every_sendable_recipient_once_and_completes(pipeline: Pipeline) -> None:
    emails = pipeline.seed(
        20, user003=SubscriberStatus.UNSUBSCRIBED, user004=SubscriberStatus.BOUNCED
    )

    campaign = pipeline.launch()
    pipeline.drain()

    assert sorted(m.to for m in pipeline.sender.sent) == sorted(
        e for e in emails if e not in ("user003@example.com", "user004@example.com")
    )
    final = pipeline.campaign(campaign.campaign_id)
    assert final.status is CampaignStatus.COMPLETED
    assert final.counters.targeted == 20
    assert (final.counters.sent, final.counters.skipped, final.counters.failed) == (18, 2, 0)
    skipped = {
        d.email_key: d.reason
        for d in pipeline.deps.ledger.list(campaign.campaign_id, DeliveryStatus.SKIPPED)
    }
    assert skipped == {"user003@example.com": "unsubscribed", "user004@example.com": "bounced"}
    assert pipeline.sender.sent[0].idempotency_key == (
        f"campaign/{campaign.campaign_id}/{pipeline.sender.sent[0].to}"
    )


def test_audience_filter_targets_only_matching_subscribers(pipeline: Pipeline) -> None:
    pipeline.seed(10)

    campaign = pipeline.launch(plan="pro")
    pipeline.drain()

    assert sorted(m.to for m in pipeline.sender.sent) == [
        f"user{i:03d}@example.com" for i in range(1, 10, 2)
    ]
    assert pipeline.campaign(campaign.campaign_id).counters.targeted == 5


def test_redelivered_message_is_not_sent_twice(pipeline: Pipeline) -> None:
    pipeline.seed(3)
    campaign = pipeline.launch()
    # SQS delivers at least once: the same request arriving again must change nothing.
    pipeline.deps.queue.send(
        [r for r in _requests(campaign.campaign_id, ["user000@example.com"] * 2)]
    )

    pipeline.drain()

    assert pipeline.sender.count("user000@example.com") == 1
    assert len(pipeline.sender.sent) == 3
    assert pipeline.campaign(campaign.campaign_id).counters.sent == 3


def test_consumer_crash_after_send_before_marking_is_not_sent_twice(
    pipeline: Pipeline, monkeypatch
) -> None:
    pipeline.seed(1)
    campaign = pipeline.launch()
    real_finish = pipeline.deps.ledger.finish

    def crash(*args, **kwargs):  # the process dies between the provider's answer and the ledger
        raise SystemExit("consumer killed")

    monkeypatch.setattr(pipeline.deps.ledger, "finish", crash)
    with contextlib.suppress(SystemExit):
        pipeline.poll()
    monkeypatch.setattr(pipeline.deps.ledger, "finish", real_finish)
    assert pipeline.sender.count("user000@example.com") == 1

    pipeline.drain()  # the message comes back after the visibility timeout

    assert pipeline.sender.count("user000@example.com") == 1
    delivery = pipeline.deps.ledger.get(campaign.campaign_id, "user000@example.com")
    assert delivery is not None and delivery.status is DeliveryStatus.FAILED
    assert delivery.reason == "interrupted"
    failed = list(pipeline.dlq_deps.failures.list(campaign_id=campaign.campaign_id))
    assert [f.reason for f in failed] == ["interrupted"]
    assert pipeline.campaign(campaign.campaign_id).status is CampaignStatus.COMPLETED


def test_consumer_crash_after_marking_before_ack_is_not_sent_twice(pipeline: Pipeline) -> None:
    pipeline.seed(2)
    campaign = pipeline.launch()
    real_delete = pipeline.sqs.delete_message_batch
    pipeline.runtime._sqs = _NoDeletes(pipeline.sqs)  # the ack never reaches SQS
    pipeline.poll()
    pipeline.runtime._sqs = pipeline.sqs
    assert real_delete is not None and len(pipeline.sender.sent) == 2

    pipeline.drain()

    assert len(pipeline.sender.sent) == 2
    assert pipeline.queue_depth() == 0
    assert _statuses(pipeline, campaign.campaign_id) == {DeliveryStatus.SENT: 2}


def test_provider_outage_mid_campaign_reaches_every_recipient_exactly_once(
    pipeline: Pipeline,
) -> None:
    emails = pipeline.seed(12)
    campaign = pipeline.launch()
    pipeline.poll()  # some go out
    pipeline.sender.fail_next = 6  # then every provider is down for a while

    pipeline.drain()

    assert Counter(m.to for m in pipeline.sender.sent) == dict.fromkeys(emails, 1)
    final = pipeline.campaign(campaign.campaign_id)
    assert final.status is CampaignStatus.COMPLETED
    assert final.counters.sent == 12


def test_pause_mid_send_then_resume_sends_each_once_and_counts_add_up(pipeline: Pipeline) -> None:
    emails = pipeline.seed(25)
    campaign = pipeline.launch()
    pipeline.poll()
    sent_before_pause = len(pipeline.sender.sent)

    from tctfmsg.campaigns.services import campaigns

    campaigns.pause(pipeline.deps, campaign.campaign_id)
    pipeline.drain()  # paused: messages are taken off the queue, deliveries stay PENDING
    assert len(pipeline.sender.sent) == sent_before_pause
    assert (
        _statuses(pipeline, campaign.campaign_id)[DeliveryStatus.PENDING] == 25 - sent_before_pause
    )

    campaigns.resume(pipeline.deps, campaign.campaign_id)
    pipeline.drain()

    assert Counter(m.to for m in pipeline.sender.sent) == dict.fromkeys(emails, 1)
    final = pipeline.campaign(campaign.campaign_id)
    assert final.status is CampaignStatus.COMPLETED
    assert final.counters.sent == 25 == final.counters.targeted
    assert final.counters.settled == final.counters.targeted


def test_cancel_marks_the_rest_cancelled_and_sends_nothing_more(pipeline: Pipeline) -> None:
    pipeline.seed(30)
    campaign = pipeline.launch()
    pipeline.poll()
    sent = len(pipeline.sender.sent)

    from tctfmsg.campaigns.services import campaigns

    cancelled = campaigns.cancel(pipeline.deps, campaign.campaign_id)
    pipeline.drain()

    assert len(pipeline.sender.sent) == sent
    assert cancelled.status is CampaignStatus.CANCELLED
    assert _statuses(pipeline, campaign.campaign_id) == {
        DeliveryStatus.SENT: sent,
        DeliveryStatus.CANCELLED: 30 - sent,
    }
    assert pipeline.campaign(campaign.campaign_id).counters.cancelled == 30 - sent


def test_all_providers_down_dead_letters_then_dlq_retry_delivers_each_once(
    pipeline: Pipeline,
) -> None:
    from tctfmsg.campaigns.services import dlq

    emails = pipeline.seed(4)
    pipeline.sender.down = True
    campaign = pipeline.launch()

    deadline = time.monotonic() + 40
    while pipeline.queue_depth("delivery") and time.monotonic() < deadline:
        pipeline.poll()  # five receives, then moto's redrive moves each to the DLQ
        time.sleep(0.2)
    pipeline.drain("campaign_dlq_monitor")

    assert pipeline.queue_depth("delivery_dlq") == 0
    stats = dlq.stats(pipeline.dlq_deps)
    assert stats.open == 4
    assert stats.by_campaign == {campaign.campaign_id: 4}
    assert stats.by_reason == {"providers-unavailable": 4}
    assert _statuses(pipeline, campaign.campaign_id) == {DeliveryStatus.FAILED: 4}
    assert pipeline.campaign(campaign.campaign_id).counters.failed == 4

    pipeline.sender.down = False
    report = dlq.retry(pipeline.dlq_deps, dlq.Selection(everything=True))
    pipeline.drain()

    assert len(report.retried) == 4
    assert Counter(m.to for m in pipeline.sender.sent) == dict.fromkeys(emails, 1)
    final = pipeline.campaign(campaign.campaign_id)
    assert (final.counters.sent, final.counters.failed) == (4, 0)
    assert dlq.stats(pipeline.dlq_deps).open == 0


def test_rejected_recipient_fails_without_retry(pipeline: Pipeline) -> None:
    pipeline.seed(3)
    pipeline.sender.rejects.add("user001@example.com")

    campaign = pipeline.launch()
    pipeline.drain()

    delivery = pipeline.deps.ledger.get(campaign.campaign_id, "user001@example.com")
    assert delivery is not None and delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert pipeline.queue_depth("delivery_dlq") == 0
    final = pipeline.campaign(campaign.campaign_id)
    assert (final.status, final.counters.sent, final.counters.failed) == (
        CampaignStatus.COMPLETED,
        2,
        1,
    )


def _requests(campaign_id: str, keys: list[str]):
    from tctfmsg.campaigns.domain.delivery import DeliveryRequest

    return [DeliveryRequest(campaign_id, k) for k in keys]


class _NoDeletes:
    def __init__(self, sqs) -> None:
        self._sqs = sqs

    def __getattr__(self, name: str):
        return getattr(self._sqs, name)

    def delete_message_batch(self, **_: object) -> dict:
        return {"Successful": [], "Failed": []}


def test_concurrent_consumers_count_every_send_and_complete_the_campaign(
    pipeline: Pipeline,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    emails = pipeline.seed(40)
    campaign = pipeline.launch()

    def consume(_: int) -> None:
        while pipeline.poll():
            pass

    with ThreadPoolExecutor(max_workers=2) as pool:  # two pollers, as the spec runs
        list(pool.map(consume, range(2)))

    assert Counter(m.to for m in pipeline.sender.sent) == dict.fromkeys(emails, 1)
    final = pipeline.campaign(campaign.campaign_id)
    # completed by the consumers' own counts: no recount or scheduler run was needed
    assert (final.status, final.counters.sent) == (CampaignStatus.COMPLETED, 40)
