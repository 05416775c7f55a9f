"""The embedded stack's AWS endpoint: moto server in a process of its own.

It runs apart from the daemon (functions, provider endpoints) so the two use both cores instead
of sharing one interpreter lock. It restores its snapshot before it reports ready and saves it
on SIGTERM; it also saves and exits if its parent daemon disappears, so it never outlives it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from tctfmsg.local import moto_patches, snapshot

log = logging.getLogger("tctfmsg.local.aws")
READY_LINE = "AWS endpoint ready"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tctfmsg-local-aws")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--snapshot", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s aws: %(message)s")
    # One access-log line per request costs moto ~10% of its time, and the daemon relaying it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        moto_patches.apply()  # moto answering in O(1) where it counted or sorted (0002, 0046)
    except moto_patches.MotoVersionMismatch as exc:  # patches for another moto: refuse to run
        print(f"FATAL: {exc}", flush=True)
        return 1
    from moto.server import ThreadedMotoServer

    from tctfmsg.local.runtime import serialise_dynamodb_writes

    serialise_dynamodb_writes()  # conditional writes atomic, as in DynamoDB (decision 0044)
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    if args.snapshot.exists():
        try:
            restored = snapshot.restore(args.snapshot)
        except Exception as exc:
            print(f"FATAL: saved state {args.snapshot} could not be loaded: {exc}", flush=True)
            server.stop()
            return 1
        log.info("restored %s", ", ".join(restored) or "nothing")
    print(READY_LINE, flush=True)
    while not stop.wait(1.0):
        if os.getppid() != parent:
            log.warning("the stack daemon is gone; saving and stopping")
            break
    size = snapshot.save(args.snapshot)
    log.info("snapshot saved (%d bytes)", size)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
