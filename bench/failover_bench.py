"""Send 2,000 messages through the email backbone on a private embedded stack, inject an SES
outage after 500, and read from the providers' outboxes what actually arrived.

Prints the time from the outage to the first message delivered by Resend, messages delivered
per provider, dropped and duplicated (goal: <= 1 s, 0 dropped, 0 duplicated). WORKERS senders,
each with its own Runtime (its own breakers, pacer and connections) stand for that many Lambda
instances sharing the `breakers` table. A send that finds every provider unavailable is retried
after its retry_after, as the consumer's queue would redeliver it. Bounded: one pass, at most
DEADLINE_S seconds.
Run: .venv/bin/python bench/failover_bench.py [MESSAGES] [OUTAGE_AFTER]
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._stack import private_stack
from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
from tctfmsg.email.message import AllProvidersUnavailable, EmailMessage, SendReceipt
from tctfmsg.local import state
from tctfmsg.local.providers import control
from tests.support.stacks import campaigns_root

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DEADLINE_S = 300.0
MAX_REDELIVERIES = 5


class Run:
    def __init__(self, runtime: Runtime, messages: int, outage_after: int) -> None:
        self.base = runtime
        self.messages = messages
        self.outage_after = outage_after
        self.tag = uuid.uuid4().hex[:8]
        running = state.running(runtime.settings.local_dir)
        assert running is not None
        self.running = control.access(runtime.settings.local_dir, running)
        self.lock = threading.Lock()
        self.done = 0
        self.outage_at: float | None = None
        self.first_skip: float | None = None  # first send that found SES's breaker open
        self.receipts: dict[int, SendReceipt] = {}
        self.failed: dict[int, str] = {}
        self.redeliveries = 0
        self.latency: dict[str, list[float]] = {"before": [], "after": []}
        self.local = threading.local()
        self.deadline = time.monotonic() + DEADLINE_S

    def sender(self):  # one Runtime per worker thread: one "Lambda instance"
        if not hasattr(self.local, "runtime"):
            s = self.base.settings
            # The bench is the stack's only sender: its instances split the whole rate.
            self.local.runtime = campaigns_root(
                home=s.home, local_port=s.local_port, send_share=1 / WORKERS
            )
        return self.local.runtime.email.sender

    def send(self, n: int) -> None:
        if time.monotonic() > self.deadline:
            self.failed[n] = "benchmark deadline"
            return
        message = EmailMessage(
            to=f"user{n}@example.com",
            sender=self.base.settings.sender,
            subject=f"Failover bench {self.tag} #{n}",
            html=f"<p>Message {n}</p>",
            text=f"Message {n}",
            tags={"bench": self.tag, "n": str(n)},
            idempotency_key=f"{self.tag}-{n}",
        )
        sender = self.sender()
        for _attempt in range(MAX_REDELIVERIES + 1):
            started = time.monotonic()
            try:
                receipt = sender.send(message)
                break
            except AllProvidersUnavailable as exc:
                with self.lock:
                    self.redeliveries += 1
                time.sleep(min(exc.retry_after_s or 1.0, 5.0))
            except Exception as exc:  # counted as dropped, and shown
                self.failed[n] = f"{type(exc).__name__}: {exc}"
                return
        else:
            self.failed[n] = "every provider unavailable after redeliveries"
            return
        elapsed = time.monotonic() - started
        with self.lock:
            self.receipts[n] = receipt
            if self.first_skip is None and "ses: breaker open" in receipt.attempts:
                self.first_skip = time.time()
            self.latency["after" if self.outage_at else "before"].append(elapsed)
            self.done += 1
            inject = self.done == self.outage_after
        if inject:  # the clock starts before the switch: the control call's latency counts
            self.outage_at = time.time()
            control.set_fault(self.running, "ses", "down")


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    outage_after = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with private_stack() as runtime:
        run = Run(runtime, messages, outage_after)
        started = time.monotonic()
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(run.send, range(messages)))
        wall = time.monotonic() - started
        report(run, wall)


def report(run: Run, wall: float) -> None:
    received = [
        m
        for name in ("ses", "resend", "sendgrid")
        for m in control.outbox(run.running, name)
        if m.get("tags", {}).get("bench") == run.tag
    ]
    per_message = Counter(int(m["tags"]["n"]) for m in received)
    per_provider = Counter(m["provider"] for m in received)
    dropped = [n for n in range(run.messages) if n not in per_message]
    duplicated = {n: c for n, c in per_message.items() if c > 1}
    resend_after = sorted(
        m["received_at"]
        for m in received
        if m["provider"] == "resend" and run.outage_at and m["received_at"] >= run.outage_at
    )
    failover = resend_after[0] - run.outage_at if resend_after and run.outage_at else None
    ses_after = sum(
        1
        for m in received
        if m["provider"] == "ses" and run.outage_at and m["received_at"] >= run.outage_at
    )
    skipped = run.first_skip - run.outage_at if run.first_skip and run.outage_at else None
    ses_failures = sum(
        1
        for r in run.receipts.values()
        for a in r.attempts
        if a.startswith("ses:") and "delivered" not in a and "open" not in a
    )

    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"messages: {run.messages:,}  workers: {WORKERS} (one Runtime each)  "
        f"SES outage injected after {run.outage_after} delivered"
    )
    print(f"wall time: {wall:.1f} s  ({run.messages / wall:,.0f} messages/s)")
    print(
        "outage -> first Resend delivery: "
        + (f"{failover * 1000:.0f} ms" if failover is not None else "none")
        + "  (goal <= 1 s)"
    )
    print(
        "outage -> first send that skipped SES (shared breaker open): "
        + (f"{skipped * 1000:.0f} ms" if skipped is not None else "never")
    )
    print(f"failed SES attempts (incl. a half-open trial every 5 s): {ses_failures}")
    print(
        "delivered per provider (outboxes): "
        + ", ".join(f"{p} {per_provider.get(p, 0):,}" for p in ("ses", "resend", "sendgrid"))
    )
    print(f"accepted by SES after the outage: {ses_after}")
    print(f"dropped: {len(dropped)}  duplicated: {len(duplicated)}  (goal 0 and 0)")
    print(f"sends that met every provider unavailable and were redelivered: {run.redeliveries}")
    for phase, values in run.latency.items():
        if values:
            values.sort()
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
            print(
                f"send latency {phase} outage: p50 {statistics.median(values) * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms ({len(values)} sends)"
            )
    for n, why in list(run.failed.items())[:5]:
        print(f"  failed #{n}: {why}")


if __name__ == "__main__":
    main()
