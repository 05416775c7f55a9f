"""The embedded stack's process: it runs the AWS endpoint (moto, in a child process),
provisions it from the spec, and runs the components (functions, provider endpoints).

Started in the background by `tctfmsg local up`; stopped by SIGTERM from `tctfmsg local down`,
on which it stops its components and snapshots its state. While it runs, its supervisor restarts
any component that dies, the AWS process included (decision 0082).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO

from tctfmsg.local import components, state
from tctfmsg.local.aws_process import READY_LINE
from tctfmsg.local.components import Component, StackContext
from tctfmsg.local.supervisor import CHECK_EVERY_S, Supervisor

log = logging.getLogger("tctfmsg.local")
SNAPSHOT_TIMEOUT_S = 300


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
        aws, running = start(context)
    except Exception as exc:  # the controller shows this line to the operator
        log.exception("start-up failed")
        print(f"FATAL: {exc}", flush=True)
        return 1
    supervisor = supervise(context, aws, running)
    # Wake up regularly: the kernel may hand SIGTERM to any thread, and Python runs the handler
    # only when the main thread executes bytecode, never while it sleeps in a bare wait().
    while not stop.wait(CHECK_EVERY_S):
        supervisor.check()
    shutdown(context, aws, running)
    return 0


def start(context: StackContext) -> tuple[AwsProcess, list[Component]]:
    _point_sdk_at(context)
    aws = AwsProcess.spawn(context)
    try:
        created = _provision(context)
        log.info("provisioned %s", created)
        endpoints = {"aws": context.endpoint}
        running: list[Component] = []
        for factory in _factories():
            component = factory()
            endpoints.update(component.start(context))
            running.append(component)
    except BaseException:
        aws.stop()
        raise
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
    return aws, running


def supervise(context: StackContext, aws: AwsProcess, running: list[Component]) -> Supervisor:
    supervisor = Supervisor(context.home)
    supervisor.watch("aws", aws.alive, lambda: aws.respawn(context), lambda: aws.process.pid)
    for component in running:
        alive = getattr(component, "alive", None)
        if alive is not None:
            supervisor.watch(component.name, alive, partial(_restart, component, context))
    supervisor.write()
    return supervisor


def _restart(component: Component, context: StackContext) -> None:
    try:
        component.stop()  # whatever of it still runs, and its ports
    except Exception:
        log.exception("component %s did not stop cleanly", component.name)
    component.start(context)


def shutdown(context: StackContext, aws: AwsProcess, running: list[Component]) -> None:
    log.info("stopping")
    for component in reversed(running):
        try:
            component.stop()
        except Exception:
            log.exception("component %s did not stop cleanly", component.name)
    aws.stop()  # it saves the snapshot before it exits
    state.clear(context.home)
    log.info("stopped")


class AwsProcess:
    """The moto server child process (tctfmsg/local/aws_process.py)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    @classmethod
    def spawn(cls, context: StackContext) -> AwsProcess:
        from tctfmsg.core import settings

        journal = ["--journal", str(context.home / state.JOURNAL_DIR)]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tctfmsg.local.aws_process",
                "--port",
                str(context.base_port),
                "--snapshot",
                str(context.home / state.SNAPSHOT_FILE),
                *(journal if settings.load().local_durable else []),
                "--home",
                str(context.home),
                "--allow-origin",  # the chat page, which may upload attachments
                f"http://127.0.0.1:{context.port('websocket_management')}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None,  # the daemon's log
            text=True,
        )
        assert process.stdout is not None
        reason = None
        for line in process.stdout:
            print(line.rstrip(), flush=True)
            if line.startswith(READY_LINE):
                threading.Thread(target=_relay, args=(process.stdout,), daemon=True).start()
                return cls(process)
            if line.startswith("FATAL: "):
                reason = line.removeprefix("FATAL: ").strip()  # its own words reach `local up`
                break
        process.wait()
        raise RuntimeError(reason or _fatal_reason(process))

    def alive(self) -> bool:
        return self.process.poll() is None

    def respawn(self, context: StackContext) -> None:
        """A new AWS process in place of a dead one, with the state it acknowledged."""
        self.process.wait()
        self.process = AwsProcess.spawn(context).process

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=SNAPSHOT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.error("the AWS endpoint did not stop in %ss; killing it", SNAPSHOT_TIMEOUT_S)
            self.process.kill()


def _relay(stream: IO[str]) -> None:
    for line in stream:
        print(line.rstrip(), flush=True)


def _fatal_reason(process: subprocess.Popen[str]) -> str:
    return f"the AWS endpoint exited with code {process.returncode} before it was ready"


def _point_sdk_at(context: StackContext) -> None:
    # Handlers run in this process; every client they build must reach the stack, never AWS
    # or a real provider. Set before anything reads settings (they are read once).
    os.environ["TCTFMSG_TARGET"] = "local"
    for name, url in components.endpoint_settings(context.base_port, context.stage).items():
        os.environ[f"TCTFMSG_{name.upper()}"] = url
    keys = state.ensure_credentials(context.home)  # the only keys the stack accepts (0083)
    os.environ["TCTFMSG_LOCAL_ACCESS_KEY_ID"] = os.environ["AWS_ACCESS_KEY_ID"] = keys.access_key_id
    os.environ["TCTFMSG_LOCAL_SECRET_ACCESS_KEY"] = keys.secret_access_key
    os.environ["AWS_SECRET_ACCESS_KEY"] = keys.secret_access_key
    os.environ.pop("AWS_SESSION_TOKEN", None)


def _provision(context: StackContext) -> dict[str, list[str]]:
    from tctfmsg.core import clients
    from tctfmsg.local.provision import provision

    return provision(
        context.stage,
        clients.client("dynamodb"),
        clients.client("sqs"),
        clients.client("secretsmanager"),
    )


def _factories() -> list[Callable[[], Component]]:
    """Components in start order. Imported lazily so `local status` stays fast."""
    from tctfmsg.local.providers.component import EmailProvidersComponent
    from tctfmsg.local.providers.messaging import MessagingProvidersComponent
    from tctfmsg.local.runtime import FunctionRuntime
    from tctfmsg.local.web.component import WebGatewayComponent
    from tctfmsg.local.websocket.component import WebSocketGatewayComponent

    runtime = FunctionRuntime()  # the gateway runs its route functions through it
    return [
        EmailProvidersComponent,
        MessagingProvidersComponent,
        lambda: runtime,
        lambda: WebSocketGatewayComponent(runtime.invoke),
        lambda: WebGatewayComponent(runtime.invoke),
    ]


if __name__ == "__main__":
    sys.exit(main())
