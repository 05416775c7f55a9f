"""The embedded stack's AWS endpoint: moto server in a process of its own.

It runs apart from the daemon (functions, provider endpoints) so the two use both cores instead
of sharing one interpreter lock. Before it reports ready it restores its snapshot and replays its
journal (every acknowledged write since, decision 0082); it snapshots again once the journal has
grown, and on SIGTERM; it also saves and exits if its parent daemon disappears, so it never
outlives it. `--journal` off (no directory) keeps state only through clean stops (decision 0001).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from tctfmsg.local import durable, moto_patches, snapshot, state
from tctfmsg.local.journal import Journal
from tctfmsg.local.origin_guard import OriginGuard
from tctfmsg.local.signature_guard import RefusalCounter, SignatureGuard

log = logging.getLogger("tctfmsg.local.aws")
READY_LINE = "AWS endpoint ready"
SNAPSHOT_EVERY = 20_000  # journal records: replaying this many keeps a restart to seconds
PARENT_CHECK_S = 0.2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tctfmsg-local-aws")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--journal", type=Path, help="Journal directory; none: no journal.")
    parser.add_argument("--snapshot-every", type=int, default=SNAPSHOT_EVERY)
    parser.add_argument("--allow-origin", action="append", default=[], help="The stack's pages.")
    parser.add_argument("--home", type=Path, required=True, help="Its keys; its refusal counts.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s aws: %(message)s")
    # One access-log line per request costs moto ~10% of its time, and the daemon relaying it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        moto_patches.apply()  # moto answering in O(1) where it counted or sorted (0002, 0046)
    except moto_patches.MotoVersionMismatch as exc:  # patches for another moto: refuse to run
        print(f"FATAL: {exc}", flush=True)
        return 1
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from tctfmsg.local.runtime import serialise_dynamodb

    serialise_dynamodb()  # conditional writes atomic, reads isolated, as in DynamoDB (0044)
    durable.install_determinism()
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    app = durable.DurableEndpoint(DomainDispatcherApplication(create_backend_app), None)
    try:
        last_seq = _restore(app, args.snapshot, args.journal)
    except Exception as exc:
        print(f"FATAL: saved state {args.snapshot} could not be loaded: {exc}", flush=True)
        return 1
    if args.journal is not None:
        app.journal = Journal(args.journal, last_seq)
    keys = state.credentials(args.home)
    if keys is None:
        print(f"FATAL: no credentials in {args.home / state.CREDENTIALS_FILE}", flush=True)
        return 1
    signed = SignatureGuard(  # only the stack's own keys, decision 0083
        app,
        {keys.access_key_id: keys.secret_access_key},
        RefusalCounter(args.home / "refused-aws.json"),
    )
    guarded = OriginGuard(signed, frozenset(args.allow_origin))  # no browser page, decision 0082
    server = make_server(
        "127.0.0.1", args.port, guarded, threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, name="aws-endpoint", daemon=True).start()
    print(READY_LINE, flush=True)
    while not stop.wait(PARENT_CHECK_S):
        if os.getppid() != parent:
            log.warning("the stack daemon is gone; saving and stopping")
            break
        journal = app.journal
        if journal is not None and journal.last_seq - last_seq >= args.snapshot_every:
            size = app.snapshot(args.snapshot)
            last_seq = journal.last_seq
            log.info("snapshot at journal record %d (%d bytes)", last_seq, size)
    server.shutdown()  # nothing is answered after the snapshot
    size = app.snapshot(args.snapshot)
    if app.journal is not None:
        app.journal.close()
    log.info("snapshot saved (%d bytes)", size)
    return 0


def _restore(app: durable.DurableEndpoint, path: Path, journal: Path | None) -> int:
    """Loads the snapshot, then replays the journal after it; returns the last record."""
    last_seq = 0
    if path.exists():
        restored, last_seq = snapshot.load(path)
        log.info("restored %s", ", ".join(restored) or "nothing")
    if journal is not None and journal.exists():
        replayed, last_seq = app.replay(journal, last_seq)
        log.info("replayed %d journaled writes (to record %d)", replayed, last_seq)
    return last_seq


if __name__ == "__main__":
    sys.exit(main())
