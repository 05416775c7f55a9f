"""Chat over real sockets: N connected sockets in N/2 two-member conversations, a steady rate of
messages for a while, through the whole local path (client socket -> local gateway -> $default
handler -> chat tables -> Management API -> the receiver's socket); then the same load through a
raw `websockets` relay in this process, in the same run, as the baseline.

One-way latency: the send time (this process's clock) rides in the message text and the
receiver reads it on arrival, in the same process, so both ends share one clock. Lost: sent and
acked but never received (the stack acks only after pushing to the receiver, so an ack without
a message is a push that went missing). The drain after the load waits until every message is
in, or nothing has come for STALL_S, or DRAIN_MAX_S have passed: bounded, and a backlog shows
in the latency rather than in the lost count. A warm-up of WARM_UP messages, waited for and not
counted, goes first on both paths: a Lambda's cold start is not what this measures.

Prints p50/p99 for both paths and their ratio (goal: p99 <= 20 x the raw relay's, 0 lost).
Run: .venv/bin/python bench/chat_bench.py [SOCKETS] [RATE] [SECONDS]
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

from bench._stack import private_stack
from bench._stats import percentile
from tctfmsg.local import state
from tctfmsg.user_messages.bootstrap import UserMessagesRoot
from tctfmsg.user_messages.services import connections, conversations
from tctfmsg.user_messages.services.deps import ChatDeps

CONNECTING_AT_ONCE = 32
OPEN_TIMEOUT_S = 60.0
WARM_UP = 20  # messages sent and waited for before the clock starts: no cold start measured
WARM_UP_MAX_S = 60.0
STALL_S = 15.0  # the drain ends when nothing has arrived for this long
DRAIN_MAX_S = 300.0
TOKEN_TTL_S = 3600

Pair = tuple[str, str, str]  # conversation id and its two members


@dataclass
class Tally:
    """What the clients saw: send times by client_msg_id, acks, and latencies on arrival."""

    sent: dict[str, int] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    latency_ms: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    errors: int = 0
    last_arrival: float = 0.0

    def arrived(self, text: object) -> None:
        parts = text.split() if isinstance(text, str) else []
        if len(parts) != 3 or parts[0] != "bench":
            return
        cid, sent_ns = parts[1], int(parts[2])
        if cid in self.latency_ms:
            self.duplicates += 1
            return
        self.latency_ms[cid] = (time.time_ns() - sent_ns) / 1e6
        self.last_arrival = time.monotonic()

    def heard(self, raw: str | bytes) -> None:
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "message" or frame.get("action") == "send":
            self.arrived(frame.get("text"))
        elif kind == "ack":
            self.acked.add(str(frame.get("client_msg_id") or frame.get("request_id")))
            self.last_arrival = time.monotonic()
        elif kind == "error" or ("message" in frame and "type" not in frame):
            self.errors += 1

    def complete(self) -> bool:
        return len(self.latency_ms) >= len(self.sent) and len(self.acked) >= len(self.sent)

    def forget(self) -> None:
        self.sent.clear()
        self.acked.clear()
        self.latency_ms.clear()
        self.duplicates = self.errors = 0


@dataclass(frozen=True)
class Outcome:
    held: int
    connect_s: float
    sent: int
    acked: int
    received: int
    lost: int  # acked, never received
    unanswered: int  # neither acked nor received when the drain ended
    duplicates: int
    errors: int
    delivered_per_s: float
    latencies: list[float]


async def _read(ws: ClientConnection, tally: Tally) -> None:
    async for raw in ws:
        tally.heard(raw)


async def _open_all(urls: dict[str, str], tally: Tally) -> dict[str, ClientConnection]:
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    opened: dict[str, ClientConnection] = {}

    async def one(user: str, url: str) -> None:
        async with gate:
            try:
                ws = await connect(
                    url, open_timeout=OPEN_TIMEOUT_S, ping_interval=None, close_timeout=2,
                    compression=None, max_queue=None,
                )  # fmt: skip
            except (OSError, TimeoutError) as failed:
                print(f"  {user} did not connect: {type(failed).__name__}: {failed}")
                return
            except Exception as refused:  # websockets' InvalidStatus and friends
                print(f"  {user} was refused: {refused}")
                return
            opened[user] = ws
            asyncio.get_running_loop().create_task(_read(ws, tally))

    await asyncio.gather(*(one(user, url) for user, url in urls.items()))
    return opened


async def _drive(
    sockets: dict[str, ClientConnection], pairs: list[Pair], rate: float, seconds: float,
    tally: Tally, prefix: str = "b",
) -> None:  # fmt: skip
    """Open loop: frames go out on schedule whether or not earlier ones were answered."""
    loop = asyncio.get_running_loop()
    live = [p for p in pairs if p[1] in sockets and p[2] in sockets]
    start = loop.time()
    for k in range(int(rate * seconds)):
        pause = start + k / rate - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)
        conversation_id, first, second = live[k % len(live)]
        sender = first if (k // len(live)) % 2 == 0 else second
        cid = f"{prefix}{k}"
        sent_ns = time.time_ns()
        tally.sent[cid] = sent_ns
        text = f"bench {cid} {sent_ns}"
        frame = {"action": "send", "conversation_id": conversation_id, "text": text,
                 "client_msg_id": cid, "request_id": cid}  # fmt: skip
        await sockets[sender].send(json.dumps(frame))


async def _drain(tally: Tally, stall_s: float = STALL_S, most_s: float = DRAIN_MAX_S) -> None:
    started = time.monotonic()
    tally.last_arrival = max(tally.last_arrival, started)
    while not tally.complete():
        now = time.monotonic()
        if now - tally.last_arrival > stall_s or now - started > most_s:
            return
        await asyncio.sleep(0.1)


async def _run(urls: dict[str, str], pairs: list[Pair], rate: float, seconds: float) -> Outcome:
    tally = Tally()
    started = time.monotonic()
    sockets = await _open_all(urls, tally)
    connect_s = time.monotonic() - started
    await _drive(sockets, pairs, WARM_UP, 1.0, tally, prefix="w")  # in one second, then waited for
    await _drain(tally, WARM_UP_MAX_S, WARM_UP_MAX_S)
    tally.forget()
    driven = time.monotonic()
    await _drive(sockets, pairs, rate, seconds, tally)
    await _drain(tally)
    span = max(tally.last_arrival - driven, 1e-9)
    await asyncio.gather(*(ws.close() for ws in sockets.values()), return_exceptions=True)
    received = set(tally.latency_ms) & set(tally.sent)  # a late warm-up message is not one
    return Outcome(
        held=len(sockets),
        connect_s=connect_s,
        sent=len(tally.sent),
        acked=len(tally.acked & set(tally.sent)),
        received=len(received),
        lost=len((tally.acked & set(tally.sent)) - received),
        unanswered=len(set(tally.sent) - tally.acked - received),
        duplicates=tally.duplicates,
        errors=tally.errors,
        delivered_per_s=len(received) / span,
        latencies=sorted(tally.latency_ms[cid] for cid in received),
    )


async def _with_relay(
    port: int, pairs: list[Pair], work: Callable[[], Awaitable[Outcome]]
) -> Outcome:
    """A minimal relay: each frame goes to the other member's socket, and an ack back."""
    members = {c: (a, b) for c, a, b in pairs}
    peers: dict[str, ServerConnection] = {}

    async def handle(ws: ServerConnection) -> None:
        user = parse_qs(urlsplit(ws.request.path if ws.request else "").query)["user"][0]
        peers[user] = ws
        try:
            async for raw in ws:
                frame = json.loads(raw)
                first, second = members[frame["conversation_id"]]
                peer = peers.get(second if user == first else first)
                if peer is not None:
                    await peer.send(raw)
                await ws.send(json.dumps({"type": "ack", "client_msg_id": frame["client_msg_id"]}))
        finally:
            peers.pop(user, None)

    async with serve(handle, "127.0.0.1", port, compression=None, ping_interval=None,
                     max_queue=None):  # fmt: skip
        return await work()


def _raise_open_files() -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def _open_files_of(pid: int) -> str:
    try:
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return line.split()[3]
    except OSError:
        pass
    return "?"


def _conversations(deps: ChatDeps, count: int) -> list[Pair]:
    def one(i: int) -> Pair:
        first, second = f"bench{2 * i}", f"bench{2 * i + 1}"
        made = conversations.create(deps, [first, second])
        return made.conversation_id, first, second

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def _line(name: str, o: Outcome) -> str:
    return (
        f"{name:<11} p50 {percentile(o.latencies, 50):8.1f} ms   "
        f"p99 {percentile(o.latencies, 99):8.1f} ms   max {max(o.latencies, default=0):8.1f} ms   "
        f"sent {o.sent:,}  acked {o.acked:,}  received {o.received:,}  lost {o.lost}  "
        f"unanswered {o.unanswered}  duplicates {o.duplicates}  error frames {o.errors}  "
        f"({o.delivered_per_s:,.0f} delivered/s; {o.held:,} sockets open in {o.connect_s:.1f} s)"
    )


def main() -> None:
    sockets = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 200.0
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    soft, hard = _raise_open_files()
    pair_count = max(1, sockets // 2)
    with private_stack() as runtime:
        running = state.running(runtime.settings.local_dir)
        assert running is not None
        deps = UserMessagesRoot(runtime.clients).chat_deps
        pairs = _conversations(deps, pair_count)
        users = [user for _, a, b in pairs for user in (a, b)]
        ws_url = running.endpoints["websocket"]
        urls = {
            u: f"{ws_url}/?token={connections.issue_token(deps, u, TOKEN_TTL_S)}" for u in users
        }
        stack_files = _open_files_of(running.pid)
        local = asyncio.run(_run(urls, pairs, rate, seconds))

    from tests.support.ports import free_port

    relay_port = free_port()
    relay_urls = {u: f"ws://127.0.0.1:{relay_port}/?user={u}" for u in urls}
    raw = asyncio.run(
        _with_relay(relay_port, pairs, lambda: _run(relay_urls, pairs, rate, seconds))
    )

    print(f"chat: {len(users):,} sockets in {pair_count:,} two-member conversations, "
          f"{rate:g} msg/s for {seconds:g} s ({int(rate * seconds):,} messages)")  # fmt: skip
    print(f"open files allowed: this process {soft:,} (hard {hard:,}), stack daemon {stack_files}")
    print(f"sockets held: local {local.held:,} / {len(users):,}, raw relay {raw.held:,}")
    print(_line("local stack", local))
    print(_line("raw relay", raw))
    p99_local, p99_raw = percentile(local.latencies, 99), percentile(raw.latencies, 99)
    print(f"ratio p99 local/raw: {p99_local / p99_raw:.1f}  (goal <= 20); "
          f"lost {local.lost} local, {raw.lost} raw  (goal 0)")  # fmt: skip


if __name__ == "__main__":
    main()
