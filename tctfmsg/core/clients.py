"""The shared client factory: boto3 clients with botocore's retry config, resource names and
secrets, built from settings once per process. Every service's composition root stands on it.

It knows no service and no embedded stack: where the AWS endpoint is comes from settings
(`TCTFMSG_ENDPOINT_URL`), which the CLI and the embedded stack fill in for a local target.
"""

from __future__ import annotations

import threading
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from tctfmsg.core import settings as settings_module
from tctfmsg.core.errors import ConfigurationError, StackNotRunning
from tctfmsg.core.lambda_invoker import LambdaInvoker
from tctfmsg.core.lanes import LANES
from tctfmsg.core.lazy import OnFirstUse
from tctfmsg.core.resources import ResourceNames
from tctfmsg.core.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider


NO_STACK_KEY = "no-embedded-stack-key"  # refused by the stack: `tctfmsg local up` makes keys


class Clients:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @cached_property
    def endpoint_url(self) -> str | None:
        if self.settings.endpoint_url:
            return self.settings.endpoint_url
        if self.settings.target == "local":
            raise StackNotRunning(
                "the embedded stack is not running", "start it with `tctfmsg local up`"
            )
        return None

    @cached_property
    def names(self) -> ResourceNames:
        s = self.settings
        if s.target == "local" or s.in_lambda:
            return ResourceNames(s.stage if s.target == "aws" else "local")
        from tctfmsg.core.stack_outputs import discover

        cache = s.cache_dir / f"outputs-{s.stage}-{s.region}.json"
        return ResourceNames(s.stage, discover(s.stage, self.client("cloudformation"), cache))

    def client(self, service: str) -> Any:
        """The shared client of `service`, made when it is first used: a command or a handler
        pays for the clients it calls (each loads its service model, 0.1-0.7 s), not for every
        client its composition root wires up."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = OnFirstUse(lambda: self.build(service), service)
            return self._clients[service]

    def send_client(self, service: str, endpoint_url: str | None, timeout_s: float) -> Any:
        """A client for the email send path: no SDK retries, because failing over to the next
        provider is the retry, and timeouts short enough for failover to be quick."""
        key = f"send:{service}:{endpoint_url}:{timeout_s}"
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self.build(
                    service, total_attempts=1, read_timeout=timeout_s, endpoint_url=endpoint_url
                )
            return self._clients[key]

    def build(
        self,
        service: str,
        total_attempts: int | None = None,
        read_timeout: float = 30,
        endpoint_url: str | None = None,
    ) -> Any:
        """A new client, not cached: for an endpoint other than the AWS one (the local
        Lambda runtime, a provider's fault proxy)."""
        import boto3
        from botocore.config import Config

        s = self.settings
        config = Config(
            # botocore's max_attempts counts retries; total_max_attempts counts the first try too
            retries={"mode": "standard", "max_attempts": s.max_attempts}
            if total_attempts is None
            else {"mode": "standard", "total_max_attempts": total_attempts},
            connect_timeout=min(3, read_timeout),
            read_timeout=read_timeout,
            max_pool_connections=50,
            # presigned S3 URLs signed with SigV4, the only kind the embedded stack accepts
            signature_version="s3v4" if service == "s3" else None,
        )
        if s.target == "local":  # the stack's own keys: it refuses any other (decision 0083)
            # With no stack keys yet (none started), a key the stack refuses by name: never the
            # default credential chain, which would reach for a real account or the network.
            secret = s.local_secret_access_key
            session = boto3.session.Session(
                aws_access_key_id=s.local_access_key_id or NO_STACK_KEY,
                aws_secret_access_key=secret.get_secret_value() if secret else NO_STACK_KEY,
                region_name=s.region,
            )
        else:
            session = boto3.session.Session(profile_name=s.profile, region_name=s.region)
        endpoint_url = endpoint_url or self.endpoint_url
        client = session.client(service, endpoint_url=endpoint_url, config=config)
        client.meta.events.register("before-send", LANES.before_call)  # core/lanes.py
        return client

    @cached_property
    def invoker(self) -> LambdaInvoker:
        """Starts a function: Lambda's Event invoke in AWS, the embedded runtime's copy of that
        API locally (its address comes in through settings)."""
        endpoint = self.settings.lambda_endpoint_url
        if self.settings.target == "local" and not endpoint:
            _ = self.endpoint_url  # no stack at all: StackNotRunning, which says to start it
            raise ConfigurationError(
                "no local Lambda endpoint",
                "start the embedded stack with `tctfmsg local up`, or set "
                "TCTFMSG_LAMBDA_ENDPOINT_URL",
            )
        made = OnFirstUse(lambda: self.build("lambda", endpoint_url=endpoint), "lambda")
        return LambdaInvoker(self.names, made)

    @cached_property
    def secrets(self) -> SecretsProvider:
        """Powertools' secrets provider on this factory's client: values cached for 5 minutes."""
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        return SecretsProvider(boto3_client=self.client("secretsmanager"))


@lru_cache(maxsize=1)
def default() -> Clients:
    """The process-wide factory for Lambda handlers and the embedded stack."""
    return Clients(settings_module.current())


def client(service: str) -> Any:
    return default().client(service)
