"""The communication service's composition root: its stores, queue, channels and use-case
dependencies, built once per process on the shared client factory, the templates and the email
backbone. Doors ask it for what they need; services never import it."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property, lru_cache

from tctfmsg.communication.adapters.attempts import DynamoAttemptLedger
from tctfmsg.communication.adapters.email_channel import EmailChannel
from tctfmsg.communication.adapters.events import EventBridgeStatusEvents, NoStatusEvents
from tctfmsg.communication.adapters.latency_metric import MetricLatency
from tctfmsg.communication.adapters.notifications import DynamoNotificationStore
from tctfmsg.communication.adapters.sqs import SqsNotificationQueue
from tctfmsg.communication.adapters.users import DynamoUserStore
from tctfmsg.communication.ports import Channel, StatusEvents
from tctfmsg.communication.services.accept import AcceptDeps
from tctfmsg.communication.services.records import RecordDeps
from tctfmsg.communication.services.worker import WorkerDeps
from tctfmsg.core import clients as clients_module
from tctfmsg.core.clients import Clients
from tctfmsg.core.clock import SystemClock
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.rendering.bootstrap import TemplateRoot

SENDING_FUNCTION = "notification_worker"  # the one function of this service that sends


class CommunicationRoot:
    def __init__(
        self,
        clients: Clients,
        templates: TemplateRoot | None = None,
        email: EmailRoot | None = None,
    ) -> None:
        self.clients = clients
        self.settings = clients.settings
        self.templates = templates or TemplateRoot(clients)
        # Its sends are the worker's, paced to the transactional share of the rate budget.
        self.email = email or EmailRoot(clients, sends_as=SENDING_FUNCTION)
        self.clock = SystemClock()

    @cached_property
    def users(self) -> DynamoUserStore:
        return DynamoUserStore(self.clients.names["users"], self.clients.client("dynamodb"))

    @cached_property
    def notifications(self) -> DynamoNotificationStore:
        names = self.clients.names
        return DynamoNotificationStore(names["notifications"], self.clients.client("dynamodb"))

    @cached_property
    def ledger(self) -> DynamoAttemptLedger:
        return DynamoAttemptLedger(
            self.clients.names["notification_attempts"], self.clients.client("dynamodb")
        )

    @cached_property
    def queue(self) -> SqsNotificationQueue:
        sqs = self.clients.client("sqs")
        return SqsNotificationQueue(self.clients.names["notification_queue"], sqs)

    @cached_property
    def accept_deps(self) -> AcceptDeps:
        return AcceptDeps(
            notifications=self.notifications,
            users=self.users,
            queue=self.queue,
            registry=self.templates.registry,
            clock=self.clock,
        )

    @cached_property
    def record_deps(self) -> RecordDeps:
        return RecordDeps(self.notifications, self.ledger, self.queue, self.clock)

    @cached_property
    def channels(self) -> dict[str, Channel]:
        from tctfmsg.communication.adapters.channels import build_channels

        email = EmailChannel(self.email.sender, self.settings.sender)
        return {"email": email, **build_channels(self.clients)}

    @cached_property
    def events(self) -> StatusEvents:
        bus = self.settings.status_event_bus
        if not bus:
            return NoStatusEvents()
        return EventBridgeStatusEvents(bus, self.clients.client("events"))

    @cached_property
    def worker_deps(self) -> WorkerDeps:
        return WorkerDeps(
            notifications=self.notifications,
            ledger=self.ledger,
            users=self.users,
            queue=self.queue,
            registry=self.templates.registry,
            renderer=self.templates.renderer,
            channels=self.channels,
            events=self.events,
            clock=self.clock,
            claim_for=timedelta(seconds=self.visibility_s),
            latency=self.latency,
        )

    @cached_property
    def latency(self) -> MetricLatency:
        from aws_lambda_powertools import Metrics

        # the namespace and service of the handlers' Metrics: it shares their metric set
        return MetricLatency(Metrics(namespace="tctfmsg", service="communication"))

    @property
    def visibility_s(self) -> int:
        """How long a received notification message stays hidden, and so a claim lasts."""
        return self.settings.visibility_timeout_s("notification_queue")


@lru_cache(maxsize=1)
def default() -> CommunicationRoot:
    """The process-wide root for the communication service's Lambda handlers."""
    return CommunicationRoot(clients_module.default())
