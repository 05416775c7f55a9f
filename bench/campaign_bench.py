"""A 10,000-recipient campaign end to end on the embedded stack, against raw SQS work.

Timed from `send-now` to COMPLETED: the scheduler Lambda fans out, the consumer Lambdas (as the
runtime runs them: SQS pollers, batches, partial failures) claim, render, send through the email
backbone and mark each delivery. The outboxes of the local providers are then reconciled with
the ledger, so the run also proves 0 dropped and 0 duplicated. The baseline, on the same
endpoint and in the same run: raw send_message_batch, receive_message and delete_message_batch
of 10,000 messages, with as many receivers as the consumer has pollers. Prints time,
messages/s and the ratio (goal >= 0.5). Run: .venv/bin/python bench/campaign_bench.py [N]
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._audience import write_audience
from bench._stack import private_stack
from tctfmsg.campaigns.adapters import sqs as sqs_adapter
from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.delivery_audit import audit
from tctfmsg.core import resources
from tctfmsg.email import admin as email_admin
from tctfmsg.local import state
from tctfmsg.local.providers import control

LIST = "campaign-bench"
RATE_PER_S = 2000.0  # the local endpoints have no account limit; pacing still applies
TIMEOUT_S = 1800


def raw_sqs(runtime: Runtime, count: int, receivers: int) -> float:
    client = runtime.clients.client("sqs")
    url = client.create_queue(QueueName="bench-raw-roundtrip")["QueueUrl"]
    body = '{"campaign_id": "c-000000000000", "email_key": "reader0@example.com"}'
    started = time.perf_counter()

    def send(_: int) -> None:
        entries = [{"Id": str(i), "MessageBody": body} for i in range(10)]
        client.send_message_batch(QueueUrl=url, Entries=entries)

    with ThreadPoolExecutor(sqs_adapter.WORKERS) as pool:
        list(pool.map(send, range(count // 10)))

    seen: set[str] = set()  # moto may hand one message to two receivers at once: count it once

    def drain(_: int) -> int:
        done = 0
        while True:
            messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return done
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            client.delete_message_batch(QueueUrl=url, Entries=entries)
            seen.update(m["MessageId"] for m in messages)
            done += len(messages)

    with ThreadPoolExecutor(receivers) as pool:
        sum(pool.map(drain, range(receivers)))
    assert len(seen) == count, len(seen)
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    consumer = resources.function("campaign_consumer").queue_source
    assert consumer is not None
    with private_stack() as runtime:
        write_audience(runtime, LIST, count)
        backbone = runtime.email.backbone
        for provider in control.PROVIDERS:
            email_admin.configure(backbone.config_store, provider, rate_per_s=RATE_PER_S)
        raw_s = raw_sqs(runtime, count, consumer.max_concurrency)

        deps = runtime.campaign_deps
        campaign = campaigns.create(
            deps,
            name="campaign bench",
            subject="Bench",
            template="newsletter",
            list_name=LIST,
            sender=runtime.settings.sender,
        )
        started = time.perf_counter()
        campaigns.send_now(deps, campaign.campaign_id)
        deadline = started + TIMEOUT_S
        while True:
            current = campaigns.get(deps, campaign.campaign_id)
            if current.status is CampaignStatus.COMPLETED:
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"not completed after {TIMEOUT_S}s: {current.counters}")
            time.sleep(0.25)
        campaign_s = time.perf_counter() - started
        running = state.running(runtime.settings.local_dir)
        assert running is not None
        controls = control.access(runtime.settings.local_dir, running)
        outboxes = {p: control.outbox(controls, p) for p in control.PROVIDERS}
        result = audit(campaign.campaign_id, outboxes, deps.ledger.list(campaign.campaign_id))

    print(
        f"recipients: {count:,}  consumer pollers: {consumer.max_concurrency}  "
        f"batch: {consumer.batch_size}"
    )
    print(f"raw send+receive+delete: {count / raw_s:,.0f} msgs/s ({raw_s:.1f} s)")
    print(
        f"campaign end to end:     {count / campaign_s:,.0f} msgs/s ({campaign_s:.1f} s, "
        f"sent {result.sent:,} {result.sent_by_provider})"
    )
    print(
        f"dropped: {result.dropped}  duplicated: {result.duplicated}  "
        f"unrecorded: {result.unrecorded}"
    )
    print(f"ratio campaign/raw:      {raw_s / campaign_s:.2f}  (goal >= 0.5)")


if __name__ == "__main__":
    main()
