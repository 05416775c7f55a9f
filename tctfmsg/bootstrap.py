"""The composition root: builds clients and adapters from settings, once per process.

Doors (CLI commands, Lambda handlers, routes) ask a `Runtime` for what they need; services
never import this module, they take ports as arguments. Tests build adapters directly.
"""

from __future__ import annotations

import threading
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from tctfmsg import settings as settings_module
from tctfmsg.adapters.dynamodb.subscribers import DynamoSubscriberStore
from tctfmsg.errors import StackNotRunning
from tctfmsg.resources import ResourceNames
from tctfmsg.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from tctfmsg.rendering.registry import Registry
    from tctfmsg.rendering.renderer import Renderer
    from tctfmsg.rendering.store import FileTemplateStore, LayeredTemplateStore

if TYPE_CHECKING:
    from tctfmsg.adapters.dynamodb.campaign_audience import DynamoAudienceSource
    from tctfmsg.adapters.email.assembly import EmailBackbone
    from tctfmsg.adapters.email.failover import FailoverSender
    from tctfmsg.adapters.lambda_invoker import LambdaInvoker
    from tctfmsg.services.campaigns import CampaignDeps
    from tctfmsg.services.consumer import ConsumerDeps
    from tctfmsg.services.dlq import DlqDeps


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

    def send_client(self, service: str, endpoint_url: str | None, timeout_s: float) -> Any:
        """A client for the email send path: no SDK retries, because failing over to the next
        provider is the retry, and timeouts short enough for failover to be quick."""
        key = f"send:{service}:{endpoint_url}:{timeout_s}"
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._build_client(
                    service, total_attempts=1, read_timeout=timeout_s, endpoint_url=endpoint_url
                )
            return self._clients[key]

    def _build_client(
        self,
        service: str,
        total_attempts: int | None = None,
        read_timeout: float = 30,
        endpoint_url: str | None = None,
    ) -> Any:
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
        )
        if s.target == "local":
            session = boto3.session.Session(
                aws_access_key_id="local", aws_secret_access_key="local", region_name=s.region
            )
        else:
            session = boto3.session.Session(profile_name=s.profile, region_name=s.region)
        endpoint_url = endpoint_url or self.endpoint_url
        return session.client(service, endpoint_url=endpoint_url, config=config)

    @cached_property
    def subscribers(self) -> DynamoSubscriberStore:
        return DynamoSubscriberStore(
            subscribers_table=self.names["subscribers"],
            members_table=self.names["list_members"],
            client=self.client("dynamodb"),
        )

    # ---- templates (tctfmsg/rendering) ----------------------------------------------------

    @cached_property
    def template_files(self) -> FileTemplateStore:
        from tctfmsg.rendering.store import TEMPLATES_DIR, FileTemplateStore

        return FileTemplateStore(self.settings.templates_dir or TEMPLATES_DIR)

    @cached_property
    def template_registry(self) -> Registry:
        """Loaded and checked once: a registry that disagrees with its templates fails here."""
        from tctfmsg.rendering.registry import load_registry

        return load_registry(self.template_files.root)

    @cached_property
    def template_store(self) -> LayeredTemplateStore:
        """The config table's newest version of a template, else its files."""
        from tctfmsg.rendering.store import ConfigTemplateStore, LayeredTemplateStore

        config = ConfigTemplateStore(self.names["config"], self.client("dynamodb"))
        return LayeredTemplateStore(self.template_files, config)

    @cached_property
    def renderer(self) -> Renderer:
        from tctfmsg.rendering.renderer import Renderer

        return Renderer(
            self.template_store,
            self.template_registry,
            self.template_files.design(),
            self.template_constants,
        )

    @cached_property
    def template_constants(self) -> dict[str, str]:
        """Overrides of the registry's globals: the asset base URL, from settings, or the
        shipped assets themselves on the embedded stack."""
        if self.settings.asset_base_url:
            return {"asset_base_url": self.settings.asset_base_url.rstrip("/")}
        if self.settings.target == "local":
            return {"asset_base_url": self.template_files.design().assets_dir.resolve().as_uri()}
        return {}

    @cached_property
    def unsubscribe_base_url(self) -> str:
        if self.settings.unsubscribe_base_url:
            return self.settings.unsubscribe_base_url
        if self.settings.target == "local":
            return f"http://127.0.0.1:{self.settings.local_port}/unsubscribe"
        return "https://tctfmsg.example/unsubscribe"

    @cached_property
    def secrets(self) -> SecretsProvider:
        """Powertools' secrets provider on this runtime's client: values cached for 5 minutes."""
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        return SecretsProvider(boto3_client=self.client("secretsmanager"))

    @property
    def unsubscribe_key(self) -> bytes:
        """The HMAC key of unsubscribe links, from the signing_keys secret."""
        from tctfmsg.errors import ConfigurationError

        name = self.names["signing_keys"]
        value = self.secrets.get(name, transform="json", max_age=300)
        key = value.get("unsubscribe") if isinstance(value, dict) else None
        if not key:
            raise ConfigurationError(
                f"secret {name} has no 'unsubscribe' key", "set it to a long random string"
            )
        return str(key).encode()

    @cached_property
    def email_backbone(self) -> EmailBackbone:
        """The sender plus what operators inspect: provider config and shared breakers."""
        from tctfmsg.adapters.email.assembly import assemble

        return assemble(self)

    @cached_property
    def email_sender(self) -> FailoverSender:
        """The process's FailoverSender; it paces itself to this process's share of each rate."""
        return self.email_backbone.sender

    # ---- campaigns (docs/decisions/0040) ---------------------------------------------------

    @cached_property
    def campaign_deps(self) -> CampaignDeps:
        from tctfmsg.adapters.dynamodb.campaigns import DynamoCampaignStore
        from tctfmsg.adapters.dynamodb.deliveries import DynamoDeliveryLedger
        from tctfmsg.adapters.sqs import SqsDeliveryQueue
        from tctfmsg.services.campaigns import CampaignDeps
        from tctfmsg.services.ports import SystemClock

        dynamodb = self.client("dynamodb")
        return CampaignDeps(
            campaigns=DynamoCampaignStore(self.names["campaigns"], dynamodb),
            ledger=DynamoDeliveryLedger(self.names["deliveries"], dynamodb),
            queue=SqsDeliveryQueue(self.names["delivery"], self.client("sqs")),
            invoker=self.invoker,
            clock=SystemClock(),
        )

    @cached_property
    def dlq_deps(self) -> DlqDeps:
        from tctfmsg.adapters.dynamodb.failed_messages import DynamoFailedMessageStore
        from tctfmsg.services.dlq import DlqDeps

        deps = self.campaign_deps
        failures = DynamoFailedMessageStore(self.names["failed_messages"], self.client("dynamodb"))
        return DlqDeps(deps.campaigns, deps.ledger, failures, deps.queue, deps.clock)

    @cached_property
    def consumer_deps(self) -> ConsumerDeps:
        from datetime import timedelta

        from tctfmsg.rendering.unsubscribe import unsubscribe_url
        from tctfmsg.services.consumer import ConsumerDeps

        def link(campaign_id: str, email: str) -> str:
            base, key = self.unsubscribe_base_url, self.unsubscribe_key
            return unsubscribe_url(base, key, campaign_id, email)

        deps = self.dlq_deps
        return ConsumerDeps(
            campaigns=deps.campaigns,
            ledger=deps.ledger,
            subscribers=self.subscribers,
            renderer=self.renderer,
            sender=self.email_sender,
            failures=deps.failures,
            clock=deps.clock,
            unsubscribe_link=link,
            claim_for=timedelta(seconds=self.delivery_visibility_s),
        )

    @property
    def delivery_visibility_s(self) -> int:
        """How long a received delivery message stays hidden, and so how long a claim lasts."""
        from tctfmsg.resources import queue

        override = self.settings.local_visibility_timeout_s
        if override and self.settings.target == "local":
            return override
        return queue("delivery").visibility_timeout_s

    @cached_property
    def audience(self) -> DynamoAudienceSource:
        from tctfmsg.adapters.dynamodb.campaign_audience import DynamoAudienceSource

        return DynamoAudienceSource(self.names["list_members"], self.client("dynamodb"))

    @cached_property
    def invoker(self) -> LambdaInvoker:
        """Starts a function: Lambda's Event invoke in AWS, the embedded runtime's copy of
        that API locally."""
        from tctfmsg.adapters.lambda_invoker import LambdaInvoker

        endpoint = None
        if self.settings.target == "local":
            from tctfmsg.local.runtime import lambda_endpoint

            endpoint = lambda_endpoint(self.settings.local_dir)
        return LambdaInvoker(self.names, self._build_client("lambda", endpoint_url=endpoint))


@lru_cache(maxsize=1)
def default() -> Runtime:
    """The process-wide runtime for Lambda handlers and the embedded stack."""
    return Runtime(settings_module.current())


def client(service: str) -> Any:
    return default().client(service)
