"""The AWS endpoint made crash-safe: a WSGI middleware around moto's server app that journals
every request that changes state and answers only once its record is on disk
(docs/decisions/0082).

- Order: writes run one at a time under one lock, applied and then appended to the journal in
  that order, so replaying the journal applies them in the order they happened. The answer
  waits, outside the lock, for the fsync (group commit): nothing is acknowledged that a crash
  can take back. A read waits the same way for every write before it, so no one acts on a
  state a crash could undo.
- Determinism: inside a journaled request moto's random source (message ids, receipt handles,
  version ids) is seeded with the record's sequence number and its clock is pinned to the
  request's start, on that thread only; replay does the same, so it recreates the same ids and
  the same visibility deadlines.
- Long polls: a ReceiveMessage is applied with WaitTimeSeconds 0 and retried here, when a
  write to its queue could have made a message receivable (and once a second), until a
  message comes or the wait is over, so no write holds the lock while it waits; a receive that
  took nothing changed nothing and is not journaled.
"""

from __future__ import annotations

import json
import logging
import pickle
import random
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tctfmsg.local import journal as journal_files
from tctfmsg.local.journal import Journal
from tctfmsg.local.wsgi import WSGIApp, read_body

log = logging.getLogger("tctfmsg.local.aws")

READ_PREFIXES = ("Get", "List", "Describe", "Scan", "Query", "BatchGet", "TransactGet", "Head")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECEIVE = "ReceiveMessage"
# writes after which a long-polling receive of that queue should look again
ARRIVING = frozenset(
    {"SendMessage", "SendMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}
)
MAX_WAIT_S = 20  # SQS's own limit on WaitTimeSeconds
_local = threading.local()


# ---- what a request is --------------------------------------------------------------------


def action(environ: dict[str, Any], body: bytes) -> str | None:
    """The API action of a JSON (X-Amz-Target) or query (Action=) request; None for REST."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    for source in (environ.get("QUERY_STRING", ""), _form(environ, body)):
        for key, value in parse_qsl(source):
            if key == "Action":
                return value
    return None


def _form(environ: dict[str, Any], body: bytes) -> str:
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        return body.decode("utf-8", "replace")
    return ""


def changes_state(environ: dict[str, Any], body: bytes) -> bool:
    """Reads are named so (Get…, List…, Describe…, Scan, Query…) or are GET/HEAD in REST;
    everything else, including what we do not recognise, is journaled."""
    name = action(environ, body)
    if name is None:
        return environ.get("REQUEST_METHOD", "GET") not in READ_METHODS
    return not name.startswith(READ_PREFIXES)


def _without_wait(environ: dict[str, Any], body: bytes) -> tuple[bytes, float]:
    """A ReceiveMessage body asking not to wait, and how long the caller asked to wait."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        params = json.loads(body or b"{}")
        wait = params.get("WaitTimeSeconds", 0)
        params["WaitTimeSeconds"] = 0
        new = json.dumps(params).encode()
    else:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
        wait = next((v for k, v in pairs if k == "WaitTimeSeconds"), 0)
        pairs = [(k, v) for k, v in pairs if k != "WaitTimeSeconds"] + [("WaitTimeSeconds", "0")]
        new = urlencode(pairs).encode()
    try:
        seconds = min(max(float(wait), 0.0), MAX_WAIT_S)
    except (TypeError, ValueError):
        seconds = 0.0  # moto answers the malformed value itself
    return new, seconds


def queue_of(environ: dict[str, Any], body: bytes) -> str:
    """The name of the queue an SQS request is about ("" if it names none)."""
    url = ""
    if environ.get("HTTP_X_AMZ_TARGET"):
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return ""
        url = params.get("QueueUrl", "") if isinstance(params, dict) else ""
    else:
        for source in (environ.get("QUERY_STRING", ""), _form(environ, body)):
            url = next((v for k, v in parse_qsl(source) if k == "QueueUrl"), url)
    return str(url).rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""


class Arrivals:
    """Per queue, how many writes could have made a message receivable there, so a long poll
    sleeps until one does: waking every poller on every write of the stack kept each one
    receiving again and again while a campaign ran, and an idle stack polled all the time."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counts: dict[str, int] = {}

    def mark(self, queue: str) -> None:
        with self._changed:
            self._counts[queue] = self._counts.get(queue, 0) + 1
            self._changed.notify_all()

    def count(self, queue: str) -> int:
        with self._changed:
            return self._counts.get(queue, 0)

    def wait_past(self, queue: str, seen: int, timeout_s: float) -> None:
        """Returns once `queue` had a write after `seen`, or after `timeout_s`."""
        with self._changed:
            self._changed.wait_for(lambda: self._counts.get(queue, 0) != seen, timeout_s)


# ---- determinism: moto's random source and clock, per request --------------------------------


def install_determinism() -> None:
    """moto's random source and clock answer per thread inside a journaled request (seeded by
    its sequence number, pinned to its start) and as before everywhere else. Idempotent."""
    from moto.core import utils
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.moto_random import MotoRandom

    if getattr(utils.utcnow, "per_request", False):
        return
    original_utcnow = utils.utcnow

    def utcnow() -> datetime:
        pinned = getattr(_local, "now", None)
        return pinned if pinned is not None else original_utcnow()

    utcnow.per_request = True  # type: ignore[attr-defined]
    utils.utcnow = utcnow

    class PerRequestRandom(MotoRandom):
        def getrandbits(self, k: int) -> int:
            rng = getattr(_local, "rng", None)
            return rng.getrandbits(k) if rng is not None else super().getrandbits(k)

        def random(self) -> float:
            rng = getattr(_local, "rng", None)
            return rng.random() if rng is not None else super().random()

    mock_random.__class__ = PerRequestRandom


class _Pinned:
    def __init__(self, seq: int, started: float) -> None:
        self.seq, self.started = seq, started

    def __enter__(self) -> None:
        _local.rng = random.Random(self.seq)
        _local.now = datetime.fromtimestamp(self.started, UTC).replace(tzinfo=None)

    def __exit__(self, *_: object) -> None:
        _local.rng = None
        _local.now = None


# ---- the middleware -------------------------------------------------------------------------


class DurableEndpoint:
    """Wraps moto's WSGI app; with journal None it only passes requests through."""

    def __init__(self, app: WSGIApp, journal: Journal | None) -> None:
        self.app = app
        self.journal = journal
        self.lock = threading.Lock()  # orders writes, and keeps them out during a snapshot
        self.arrivals = Arrivals()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.journal is None:
            return self.app(environ, start_response)
        body = read_body(environ)
        environ["CONTENT_LENGTH"] = str(len(body))  # read whole: as recorded, as replayed
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        if not changes_state(environ, body):
            answer = _call(self.app, environ, body)
            self.journal.wait_durable(self.journal.last_seq)
        elif action(environ, body) == RECEIVE:
            answer = self._receive(environ, body)
        else:
            with self.lock:
                answer, seq = self._apply_and_append(environ, body)
            self.journal.wait_durable(seq)
            if action(environ, body) in ARRIVING:
                self.arrivals.mark(queue_of(environ, body))
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    def _apply_and_append(
        self, environ: dict[str, Any], body: bytes, journal_empty: bool = True
    ) -> tuple[_Answer, int]:
        assert self.journal is not None
        seq, started = self.journal.last_seq + 1, time.time()
        with _Pinned(seq, started):
            answer = _call(self.app, environ, body)
        if journal_empty or b"ReceiptHandle" in answer[2]:
            self.journal.append(_record(started, environ, body))
            return answer, seq
        return answer, self.journal.last_seq

    def _receive(self, environ: dict[str, Any], body: bytes) -> _Answer:
        try:
            body, wait_s = _without_wait(environ, body)
        except (ValueError, UnicodeDecodeError):
            wait_s = 0.0  # moto answers the malformed body itself
        environ["CONTENT_LENGTH"] = str(len(body))
        assert self.journal is not None
        queue = queue_of(environ, body)
        deadline = time.monotonic() + wait_s
        while True:
            seen = self.arrivals.count(queue)
            with self.lock:
                answer, seq = self._apply_and_append(environ, body, journal_empty=False)
            self.journal.wait_durable(seq)
            remaining = deadline - time.monotonic()
            if b"ReceiptHandle" in answer[2] or remaining <= 0:
                return answer
            # woken by a send to this queue; once a second anyway, for a message whose
            # visibility timeout or delay ran out
            self.arrivals.wait_past(queue, seen, min(remaining, 1.0))

    # ---- snapshot and replay ------------------------------------------------------------------

    def snapshot(self, path: Path) -> int:
        """Writes a snapshot and drops the journal segments it covers; returns its size."""
        from tctfmsg.local import snapshot

        with self.lock:
            seq = self.journal.last_seq if self.journal is not None else 0
            data = snapshot.capture(seq)
            if self.journal is not None:
                self.journal.rotate()
        size = snapshot.write(path, data)
        if self.journal is not None:
            self.journal.drop_through(seq)
        return size

    def replay(self, directory: Path, after: int) -> tuple[int, int]:
        """Applies every journaled request after `after`, as it was applied: returns how many,
        and the last sequence number."""
        count, last = 0, after
        for seq, payload in journal_files.read(directory, after):
            started, environ, body = pickle.loads(payload)
            with _Pinned(seq, started):
                _call(self.app, {**environ, **_wsgi_basics(body)}, body)
            count, last = count + 1, seq
        return count, last


_Answer = tuple[str, list[tuple[str, str]], bytes]


def _call(app: WSGIApp, environ: dict[str, Any], body: bytes) -> _Answer:
    environ["wsgi.input"] = BytesIO(body)
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured[:] = [status, headers]
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return captured[0], captured[1], content


def _record(started: float, environ: dict[str, Any], body: bytes) -> bytes:
    kept = {k: v for k, v in environ.items() if isinstance(v, str) and not k.startswith("wsgi.")}
    return pickle.dumps((started, kept, body), protocol=pickle.HIGHEST_PROTOCOL)


def _wsgi_basics(body: bytes) -> dict[str, Any]:
    return {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
