"""Fan a 100,000-recipient campaign out to a queue and compare with raw `send_message_batch` of
the very same message bodies, at the same concurrency, to the same endpoint.

The fan-out does everything the scheduler does per page: re-read the campaign's status, read
the audience page, record the page in the ledger (its recipients PENDING, decision 0048), send
one message per recipient, save the cursor and counters. The audience has no filter, so no
subscriber is read (the consumer decides at send time). The baseline only sends the bodies.
Both go to queues no consumer reads, so neither is helped by a draining queue. Prints
recipients/s, the baseline's, and the ratio (goal >= 0.9).
Run: .venv/bin/python bench/fanout_bench.py [RECIPIENTS]
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
from tctfmsg.campaigns.adapters.sqs import SqsDeliveryQueue
from tctfmsg.campaigns.domain.delivery import DeliveryRequest
from tctfmsg.campaigns.services import campaigns, scheduler
from tctfmsg.campaigns.services.campaigns import CampaignDeps

LIST = "fanout-bench"


def main() -> None:
    recipients = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with private_stack() as runtime:
        started = time.perf_counter()
        write_audience(runtime, LIST, recipients)
        print(f"audience of {recipients:,} written in {time.perf_counter() - started:.0f} s")
        client = runtime.clients.client("sqs")
        for name in ("bench-fanout", "bench-raw"):
            client.create_queue(QueueName=name)

        real = runtime.campaign_deps
        deps = CampaignDeps(
            campaigns=real.campaigns,
            ledger=real.ledger,
            queue=SqsDeliveryQueue("bench-fanout", client),
            invoker=real.invoker,
            clock=real.clock,
        )
        campaign = campaigns.create(
            deps,
            name="fan-out bench",
            subject="s",
            template="newsletter",
            list_name=LIST,
            sender=runtime.settings.sender,
        )

        # Baseline first: the same bodies the fan-out will send, same workers, raw client.
        bodies = [
            DeliveryRequest(campaign.campaign_id, f"reader{i}@example.com").to_body()
            for i in range(recipients)
        ]
        raw_url = client.get_queue_url(QueueName="bench-raw")["QueueUrl"]

        def send(chunk: list[str]) -> None:
            entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)]
            client.send_message_batch(QueueUrl=raw_url, Entries=entries)

        chunks = [bodies[i : i + 10] for i in range(0, recipients, 10)]
        started = time.perf_counter()
        with ThreadPoolExecutor(sqs_adapter.WORKERS) as pool:
            list(pool.map(send, chunks))
        raw_s = time.perf_counter() - started

        # Started only now: the stack's every-minute scheduler fans out any SENDING campaign,
        # and would take this one's lease during a long baseline.
        campaigns.schedule(deps, campaign.campaign_id, deps.clock.now())
        assert scheduler.start(deps, campaign.campaign_id)
        started = time.perf_counter()
        report = scheduler.fan_out(
            deps,
            runtime.subscribers,
            runtime.audience,
            campaign.campaign_id,
            remaining_s=lambda: 900.0,
        )
        fanout_s = time.perf_counter() - started
        assert report.queued == recipients, report

    print(f"recipients: {recipients:,}  send workers: {sqs_adapter.WORKERS}  pages: {report.pages}")
    print(f"raw send_message_batch: {recipients / raw_s:,.0f} msgs/s ({raw_s:.1f} s)")
    print(
        f"scheduler fan-out:      {recipients / fanout_s:,.0f} recipients/s ({fanout_s:.1f} s, "
        "status + audience + ledger page + queue + cursor)"
    )
    print(f"ratio fan-out/raw:      {raw_s / fanout_s:.2f}  (goal >= 0.9)")


if __name__ == "__main__":
    main()
