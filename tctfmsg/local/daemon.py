"""The embedded stack's process: moto server, provisioned from the spec, plus the components.

Started in the background by `tctfmsg local up`; stopped by SIGTERM from `tctfmsg local down`,
on which it stops its components and snapshots its state.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from tctfmsg.local import components, snapshot, state
from tctfmsg.local.components import Component, StackContext

log = logging.getLogger("tctfmsg.local")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tctfmsg-local-daemon")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    context = StackContext(home=args.home, stage=args.stage, base_port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        server, running = start(context)
    except Exception as exc:  # the controller shows this line to the operator
        log.exception("start-up failed")
        print(f"FATAL: {exc}", flush=True)
        return 1
    stop.wait()
    shutdown(context, server, running)
    return 0


def start(context: StackContext) -> tuple[object, list[Component]]:
    from moto.server import ThreadedMotoServer

    _point_sdk_at(context.endpoint)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=context.base_port, verbose=False)
    server.start()
    snapshot_path = context.home / state.SNAPSHOT_FILE
    if snapshot_path.exists():
        restored = snapshot.restore(snapshot_path)
        log.info("restored %s from %s", ", ".join(restored) or "nothing", snapshot_path)
    created = _provision(context)
    log.info("provisioned %s", created)
    endpoints = {"aws": context.endpoint}
    running: list[Component] = []
    for factory in components.factories():
        component = factory()
        endpoints.update(component.start(context))
        running.append(component)
    state.write(
        context.home,
        state.StackState(
            pid=os.getpid(),
            port=context.base_port,
            endpoint=context.endpoint,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            endpoints=endpoints,
        ),
    )
    log.info("ready at %s", context.endpoint)
    return server, running


def shutdown(context: StackContext, server: object, running: list[Component]) -> None:
    log.info("stopping")
    for component in reversed(running):
        try:
            component.stop()
        except Exception:
            log.exception("component %s did not stop cleanly", component.name)
    size = snapshot.save(context.home / state.SNAPSHOT_FILE)
    log.info("snapshot saved (%d bytes)", size)
    server.stop()  # type: ignore[attr-defined]
    state.clear(context.home)
    log.info("stopped")


def _point_sdk_at(endpoint: str) -> None:
    # Handlers run in this process; every boto3 client they build must reach moto, never AWS.
    os.environ["TCTFMSG_TARGET"] = "local"
    os.environ["TCTFMSG_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")


def _provision(context: StackContext) -> dict[str, list[str]]:
    from tctfmsg import bootstrap
    from tctfmsg.local.provision import provision

    return provision(
        context.stage,
        bootstrap.client("dynamodb"),
        bootstrap.client("sqs"),
        bootstrap.client("secretsmanager"),
    )


if __name__ == "__main__":
    sys.exit(main())
