"""500 MFA codes at a steady rate, end to end, on an idle embedded stack and again while a
10,000-recipient campaign is sending, in one run; then accepted notifications/s at saturation.

End to end is from the moment the send is asked for (the service's accept, as the API and the
CLI call it) to the moment the local SMS endpoint records the message: accept, the notification
queue, the worker (claim, render, send through the SMS channel, record), as the runtime runs it.
Each code goes to its own number, so the per-recipient SMS limit never holds one back.

Prints p50/p99 for both phases and their ratio (goal: p99 during the campaign <= 1.5 x p99
idle), and accepted/s at saturation against raw SQS send+receive+delete of as many messages on
the same endpoint (goal >= 0.5). Run: .venv/bin/python bench/notify_bench.py [CODES] [RATE]
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._audience import write_audience
from bench._stack import private_stack
from bench._stats import percentile
from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.services import campaigns
from tctfmsg.communication.bootstrap import CommunicationRoot
from tctfmsg.communication.domain.notification import NotificationRequest, Recipient
from tctfmsg.communication.services.accept import accept
from tctfmsg.local import state
from tctfmsg.local.providers import control

LIST = "notify-bench"
AUDIENCE = 10_000
SATURATION = 1_000
TIMEOUT_S = 600


WARM_UP = 20  # codes sent and waited for before each phase, not measured


def phone(phase: str, i: int) -> str:
    digit = {"idle": "1", "busy": "2", "warm-idle": "3", "warm-busy": "4", "sat": "5"}[phase]
    return f"+4477009{digit}{i:04d}"


def steady(root: CommunicationRoot, phase: str, count: int, rate: float) -> dict[str, float]:
    """Sends `count` MFA codes at `rate` a second; returns each number's accept time."""
    asked: dict[str, float] = {}
    lock = threading.Lock()
    started = time.perf_counter()

    def one(i: int) -> None:
        to = phone(phase, i)
        request = NotificationRequest(
            "mfa_code", f"bench-{phase}-{i}", {"code": f"{i:06d}"}, recipient=Recipient(phone=to)
        )
        at = time.time()
        accept(root.accept_deps, request)
        with lock:
            asked[to] = at

    with ThreadPoolExecutor(8) as pool:
        for i in range(count):
            pause = started + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, i)
    return asked


def latencies(running: control.StackAccess, asked: dict[str, float]) -> list[float]:
    deadline = time.time() + TIMEOUT_S
    while True:
        received = {m["to"]: m["received_at"] for m in control.outbox(running, "sms")}
        if all(to in received for to in asked) or time.time() > deadline:
            break
        time.sleep(0.5)
    missing = [to for to in asked if to not in received]
    if missing:
        raise SystemExit(f"{len(missing)} codes never reached the SMS outbox")
    return sorted((received[to] - at) * 1000 for to, at in asked.items())


def saturation(root: CommunicationRoot) -> tuple[float, float]:
    """Accepted/s with many callers at once, against raw send+receive+delete of as many."""
    client = root.clients.client("sqs")
    url = client.create_queue(QueueName="notify-bench-raw")["QueueUrl"]

    def raw(i: int) -> None:
        client.send_message(QueueUrl=url, MessageBody='{"notification_id": "n-x"}')

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(raw, range(SATURATION)))
    drained = 0
    while drained < SATURATION:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for m in messages:
            client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        drained += len(messages)
    raw_rate = SATURATION / (time.perf_counter() - started)

    def send(i: int) -> None:
        request = NotificationRequest(
            "mfa_code", f"sat-{i}", {"code": "000000"}, recipient=Recipient(phone=phone("sat", i))
        )
        accept(root.accept_deps, request)

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(SATURATION)))
    return SATURATION / (time.perf_counter() - started), raw_rate


def main() -> None:
    codes = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    with private_stack() as runtime:
        root = CommunicationRoot(runtime.clients, runtime.templates)
        stack = state.running(runtime.settings.local_dir)
        assert stack is not None
        running = control.access(runtime.settings.local_dir, stack)

        latencies(running, steady(root, "warm-idle", WARM_UP, rate))  # cold starts, not the path
        idle = latencies(running, steady(root, "idle", codes, rate))

        write_audience(runtime, LIST, AUDIENCE)
        deps = runtime.campaign_deps
        campaign = campaigns.create(
            deps, name="notify bench", subject="Bench", template="newsletter",
            list_name=LIST, sender=runtime.settings.sender,
        )  # fmt: skip
        campaigns.send_now(deps, campaign.campaign_id)
        while campaigns.get(deps, campaign.campaign_id).counters.sent < 200:
            time.sleep(0.2)
        latencies(running, steady(root, "warm-busy", WARM_UP, rate))
        busy = latencies(running, steady(root, "busy", codes, rate))
        during = campaigns.get(deps, campaign.campaign_id)
        still_sending = during.status is CampaignStatus.SENDING
        campaigns.cancel(deps, campaign.campaign_id)

        accepted_rate, raw_rate = saturation(root)

    p50_idle, p99_idle = percentile(idle, 50), percentile(idle, 99)
    p50_busy, p99_busy = percentile(busy, 50), percentile(busy, 99)
    print(f"MFA codes: {codes} per phase at {rate:g}/s, end to end (accepted -> SMS outbox)")
    print(f"idle:             p50 {p50_idle:7.1f} ms   p99 {p99_idle:7.1f} ms")
    print(
        f"during campaign:  p50 {p50_busy:7.1f} ms   p99 {p99_busy:7.1f} ms   "
        f"(campaign of {AUDIENCE:,}: {during.counters.sent:,} sent when the last code landed, "
        f"{'still sending' if still_sending else during.status.value})"
    )
    print(f"ratio p99 campaign/idle: {p99_busy / p99_idle:.2f}  (goal <= 1.5)")
    print(f"accepted at saturation:  {accepted_rate:,.0f}/s; raw SQS send+receive+delete "
          f"{raw_rate:,.0f}/s; ratio {accepted_rate / raw_rate:.2f}  (goal >= 0.5)")  # fmt: skip


if __name__ == "__main__":
    main()
