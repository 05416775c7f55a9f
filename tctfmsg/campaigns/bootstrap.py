"""The campaigns service's composition root: its stores, queue and use-case dependencies,
built once per process on the shared client factory, the templates and the email backbone.

Doors (CLI commands, Lambda handlers, routes) ask it for what they need; services never import
it. Tests build any piece by passing their own Clients, TemplateRoot or EmailRoot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, cast

from tctfmsg.campaigns.adapters.campaign_audience import DynamoAudienceSource
from tctfmsg.campaigns.adapters.campaigns import DynamoCampaignStore
from tctfmsg.campaigns.adapters.deliveries import DynamoDeliveryLedger
from tctfmsg.campaigns.adapters.failed_messages import DynamoFailedMessageStore
from tctfmsg.campaigns.adapters.pause_alarm import MetricPauseAlarm
from tctfmsg.campaigns.adapters.sender_identities import (
    EmbeddedSenderVerification,
    SesSenderVerification,
)
from tctfmsg.campaigns.adapters.sqs import SqsDeliveryQueue
from tctfmsg.campaigns.adapters.subscribers import DynamoSubscriberStore
from tctfmsg.campaigns.domain.campaign import Thresholds
from tctfmsg.campaigns.ports import CampaignRenderer, SenderVerification
from tctfmsg.campaigns.services.campaign_checks import Readiness
from tctfmsg.campaigns.services.campaign_guard import CampaignReputation
from tctfmsg.campaigns.services.campaign_progress import Books
from tctfmsg.campaigns.services.campaigns import CampaignDeps
from tctfmsg.campaigns.services.consumer import ConsumerDeps
from tctfmsg.campaigns.services.dlq import DlqDeps
from tctfmsg.campaigns.services.scheduler import FanoutConfig
from tctfmsg.core import clients as clients_module
from tctfmsg.core.clients import Clients
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.lambda_invoker import LambdaInvoker
from tctfmsg.core.lazy import OnFirstUse
from tctfmsg.core.resources import table
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.email.suppression import DynamoSuppressionList
from tctfmsg.rendering.bootstrap import TemplateRoot
from tctfmsg.rendering.unsubscribe import unsubscribe_url

# What only one handler uses (provider events, webhooks and their verifiers, the unsubscribe
# page) is imported where it is built, so no other handler's cold start pays for it.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from tctfmsg.campaigns.adapters.provider_events import SqsProviderEventQueue
    from tctfmsg.campaigns.adapters.webhook_keys import SecretsWebhookKeys
    from tctfmsg.campaigns.services.provider_event_dlq import DeadEventDeps
    from tctfmsg.campaigns.services.provider_events import EventDeps
    from tctfmsg.campaigns.services.provider_webhooks import WebhookDeps
    from tctfmsg.campaigns.services.unsubscribe_links import LinkDeps

SENDING_FUNCTION = "campaign_consumer"  # the one function of this service that sends email


class CampaignsRoot:
    def __init__(
        self,
        clients: Clients,
        templates: TemplateRoot | None = None,
        email: EmailRoot | None = None,
    ) -> None:
        self.clients = clients
        self.settings = clients.settings
        self.templates = templates or TemplateRoot(clients)
        # Its sends are the consumer's, paced to the consumer's share of the rate budget.
        self.email = email or EmailRoot(clients, sends_as=SENDING_FUNCTION)

    @cached_property
    def subscribers(self) -> DynamoSubscriberStore:
        return DynamoSubscriberStore(
            subscribers_table=self.clients.names["subscribers"],
            members_table=self.clients.names["list_members"],
            client=self.clients.client("dynamodb"),
        )

    @cached_property
    def campaign_deps(self) -> CampaignDeps:
        names, dynamodb = self.clients.names, self.clients.client("dynamodb")
        return CampaignDeps(
            campaigns=DynamoCampaignStore(names["campaigns"], dynamodb),
            ledger=DynamoDeliveryLedger(names["deliveries"], dynamodb),
            queue=SqsDeliveryQueue(names["delivery"], self.clients.client("sqs")),
            invoker=self.invoker,
            clock=SystemClock(),
            readiness=Readiness(  # the checked registry (0.4 s) only for a command that checks
                cast(CampaignRenderer, OnFirstUse(lambda: self.templates.renderer, "renderer")),
                self.subscribers,
                self.audience,
                self.sender_verification,
            ),
            thresholds=self.thresholds,
            alarm=self.pause_alarm,
        )

    @cached_property
    def thresholds(self) -> Thresholds:
        s = self.settings
        return Thresholds(
            failure_window=s.campaign_failure_window,
            failure_rate=s.campaign_failure_rate,
            bounce_rate=s.campaign_bounce_rate,
            complaint_rate=s.campaign_complaint_rate,
            reputation_min_sends=s.campaign_reputation_min_sends,
        )

    @cached_property
    def pause_alarm(self) -> MetricPauseAlarm:
        from aws_lambda_powertools import Metrics

        # the same namespace and service as the handlers' Metrics: it shares their metric set
        return MetricPauseAlarm(Metrics(namespace="tctfmsg", service="campaigns"))

    @cached_property
    def sender_verification(self) -> SenderVerification:
        if self.settings.target == "local":
            return EmbeddedSenderVerification(
                self.clients.client("ses"), self.clients.client("sesv2")
            )
        return SesSenderVerification(self.clients.client("sesv2"))

    @cached_property
    def dlq_deps(self) -> DlqDeps:
        deps = self.campaign_deps
        failures = DynamoFailedMessageStore(
            self.clients.names["failed_messages"], self.clients.client("dynamodb")
        )
        return DlqDeps(
            deps.campaigns,
            deps.ledger,
            failures,
            deps.queue,
            deps.clock,
            thresholds=self.thresholds,
            alarm=self.pause_alarm,
        )

    @cached_property
    def consumer_deps(self) -> ConsumerDeps:
        templates = self.templates

        def link(campaign_id: str, email: str) -> str:
            base, key = templates.unsubscribe_base_url, templates.unsubscribe_key
            return unsubscribe_url(base, key, campaign_id, email)

        deps = self.dlq_deps
        return ConsumerDeps(
            campaigns=deps.campaigns,
            ledger=deps.ledger,
            subscribers=self.subscribers,
            renderer=templates.renderer,
            sender=self.email.sender,
            failures=deps.failures,
            clock=deps.clock,
            unsubscribe_link=link,
            claim_for=timedelta(seconds=self.delivery_visibility_s),
            hosted=templates.hosted_names,
            unsubscribe_mailto=templates.unsubscribe_mailto,
            thresholds=self.thresholds,
            alarm=self.pause_alarm,
        )

    @cached_property
    def link_deps(self) -> LinkDeps:
        """What the unsubscribe page works with: subscribers, and the key links are signed
        with, read when a link is checked."""
        from tctfmsg.campaigns.services.unsubscribe_links import LinkDeps

        templates = self.templates
        return LinkDeps(self.subscribers, SystemClock(), lambda: templates.unsubscribe_key)

    @property
    def suppressions(self) -> DynamoSuppressionList:
        return self.email.suppressions

    @cached_property
    def event_deps(self) -> EventDeps:
        from tctfmsg.campaigns.services.provider_events import EventDeps

        deps = self.dlq_deps
        return EventDeps(
            subscribers=self.subscribers,
            suppressions=self.suppressions,
            campaigns=deps.campaigns,
            ledger=deps.ledger,
            failures=deps.failures,
            reputation=CampaignReputation(
                Books(deps.campaigns, deps.ledger, deps.clock, self.thresholds, self.pause_alarm)
            ),
            clock=deps.clock,
            transient_bounce_limit=self.settings.transient_bounce_limit,
        )

    @cached_property
    def webhook_keys(self) -> SecretsWebhookKeys:
        """Where the providers' webhook verification keys are set (`providers webhook-key`)."""
        from tctfmsg.campaigns.adapters.webhook_keys import SecretsWebhookKeys

        names, client = self.clients.names, self.clients.client("secretsmanager")
        return SecretsWebhookKeys(names["webhook_keys"], client)

    @cached_property
    def provider_event_queue(self) -> SqsProviderEventQueue:
        from tctfmsg.campaigns.adapters.provider_events import SqsProviderEventQueue

        names, sqs = self.clients.names, self.clients.client("sqs")
        return SqsProviderEventQueue(names["provider_events"], sqs)

    @cached_property
    def dead_event_deps(self) -> DeadEventDeps:
        """The provider-events dead-letter queue, for operators (`dlq events …`)."""
        from tctfmsg.campaigns.adapters.sqs_dead_letters import (
            SqsDeadLetterDestination,
            SqsDeadLetters,
        )
        from tctfmsg.campaigns.services.provider_event_dlq import DeadEventDeps
        from tctfmsg.core.queue_gauge import SqsQueueGauge

        names, sqs, clock = self.clients.names, self.clients.client("sqs"), SystemClock()
        return DeadEventDeps(
            dead=SqsDeadLetters(names["provider_events_dlq"], sqs),
            destination=SqsDeadLetterDestination(names["provider_events"], sqs),
            gauge=SqsQueueGauge(names, sqs, self.clients.client("cloudwatch"), clock),
            clock=clock,
        )

    def webhook_deps(self, count_refusal: Callable[[str, str], None]) -> WebhookDeps:
        """Cheap to call per request: the queue (its URL looked up once) and the secrets'
        cache are the root's."""
        from tctfmsg.campaigns.services.provider_webhooks import WebhookDeps

        secrets, name = self.clients.secrets, self.clients.names["webhook_keys"]

        def keys() -> Mapping[str, str]:
            value = secrets.get(name, transform="json", max_age=300)
            return value if isinstance(value, dict) else {}

        return WebhookDeps(
            keys=keys,
            queue=self.provider_event_queue,
            clock=SystemClock(),
            count_refusal=count_refusal,
            tolerance_s=self.settings.webhook_tolerance_s,
        )

    @property
    def delivery_visibility_s(self) -> int:
        """How long a received delivery message stays hidden, and so how long a claim lasts."""
        return self.settings.visibility_timeout_s("delivery")

    @cached_property
    def fanout_config(self) -> FanoutConfig:
        s = self.settings
        depth = s.local_fanout_max_depth if s.target == "local" else 0
        if not depth:
            return FanoutConfig()
        # The embedded stack's queue is kept shallow (moto's receive still slows with depth),
        # so no page is larger than the depth it may reach.
        return FanoutConfig(page_size=min(FanoutConfig.page_size, depth), max_queue_depth=depth)

    @property
    def stalled_after(self) -> timedelta:
        """How long a sending campaign may go without progress before it is stalled."""
        return timedelta(seconds=self.settings.campaign_stalled_after_s)

    @cached_property
    def idempotency_store(self) -> DynamoDBPersistenceLayer:
        """Where the campaign API keeps Idempotency-Keys: Powertools' records on the
        idempotency table (decision 0065)."""
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        spec = table("idempotency")
        return DynamoDBPersistenceLayer(
            table_name=self.clients.names["idempotency"],
            key_attr=spec.partition.name,
            expiry_attr=spec.ttl_attribute or "expiration",
            boto3_client=self.clients.client("dynamodb"),
        )

    @cached_property
    def audience(self) -> DynamoAudienceSource:
        return DynamoAudienceSource(
            self.clients.names["list_members"], self.clients.client("dynamodb")
        )

    @property
    def invoker(self) -> LambdaInvoker:
        return self.clients.invoker


@lru_cache(maxsize=1)
def default() -> CampaignsRoot:
    """The process-wide root for the campaigns' Lambda handlers and the embedded stack."""
    return CampaignsRoot(clients_module.default())
