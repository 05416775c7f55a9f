"""The composition root: builds clients and adapters from settings, once per process.

Doors (CLI commands, Lambda handlers, routes) ask a `Runtime` for what they need; services
never import this module, they take ports as arguments. Tests build adapters directly.
"""

from __future__ import annotations

import threading
from functools import cached_property, lru_cache
from typing import Any

from tctfmsg import settings as settings_module
from tctfmsg.adapters.dynamodb.subscribers import DynamoSubscriberStore
from tctfmsg.errors import StackNotRunning
from tctfmsg.resources import ResourceNames
from tctfmsg.settings import Settings


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @cached_property
    def endpoint_url(self) -> str | None:
        if self.settings.endpoint_url:
            return self.settings.endpoint_url
        if self.settings.target != "local":
            return None
        from tctfmsg.local import state

        running = state.running(self.settings.local_dir)
        if running is None:
            raise StackNotRunning(
                "the embedded stack is not running", "start it with `tctfmsg local up`"
            )
        return running.endpoint

    @cached_property
    def names(self) -> ResourceNames:
        s = self.settings
        if s.target == "local" or s.in_lambda:
            return ResourceNames(s.stage if s.target == "aws" else "local")
        from tctfmsg.adapters.stack_outputs import discover

        cache = s.cache_dir / f"outputs-{s.stage}-{s.region}.json"
        return ResourceNames(s.stage, discover(s.stage, self.client("cloudformation"), cache))

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._build_client(service)
            return self._clients[service]

    def _build_client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        s = self.settings
        config = Config(
            retries={"mode": "standard", "max_attempts": s.max_attempts},
            connect_timeout=3,
            read_timeout=30,
            max_pool_connections=50,
        )
        if s.target == "local":
            session = boto3.session.Session(
                aws_access_key_id="local", aws_secret_access_key="local", region_name=s.region
            )
        else:
            session = boto3.session.Session(profile_name=s.profile, region_name=s.region)
        return session.client(service, endpoint_url=self.endpoint_url, config=config)

    @cached_property
    def subscribers(self) -> DynamoSubscriberStore:
        return DynamoSubscriberStore(
            subscribers_table=self.names["subscribers"],
            members_table=self.names["list_members"],
            client=self.client("dynamodb"),
        )


@lru_cache(maxsize=1)
def default() -> Runtime:
    """The process-wide runtime for Lambda handlers and the embedded stack."""
    return Runtime(settings_module.current())


def client(service: str) -> Any:
    return default().client(service)
