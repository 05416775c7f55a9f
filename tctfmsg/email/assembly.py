"""Builds the process's email backbone from the shared client factory.

On a local target every provider endpoint must come from settings (the embedded stack and the
CLI fill them in), so a local run can never reach a real provider; in AWS unset means the
providers' real APIs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.spec_types import physical_name
from tctfmsg.core.specs.shared import EVENTS_CONFIGURATION_SET
from tctfmsg.email.breaker_storage import DynamoBreakerStorage
from tctfmsg.email.config_store import CachedConfigs, DynamoProviderConfigStore
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.keys import ProviderKeys
from tctfmsg.email.message import PROVIDERS
from tctfmsg.email.pacer import Pacer
from tctfmsg.email.ports import EmailProvider
from tctfmsg.email.providers import resend, sendgrid
from tctfmsg.email.providers.ses import SesProvider
from tctfmsg.email.suppression import DynamoSuppressionList, SuppressionList


@dataclass(frozen=True)
class ProviderEndpoints:
    ses: str | None  # None: the SDK's regional endpoint
    resend: str
    sendgrid: str


@dataclass(frozen=True)
class EmailBackbone:
    sender: FailoverSender
    config_store: DynamoProviderConfigStore
    storages: dict[str, DynamoBreakerStorage]
    endpoints: ProviderEndpoints


def assemble(
    clients: Clients,
    pacer: Pacer,
    suppressions: SuppressionList | None = None,
    breaker_opened: Callable[[str], None] | None = None,
    accepted: Callable[[str], None] | None = None,
) -> EmailBackbone:
    s = clients.settings
    endpoints = provider_endpoints(clients)
    dynamodb = clients.client("dynamodb")
    config_store = DynamoProviderConfigStore(clients.names["config"], dynamodb)
    storages = {
        name: DynamoBreakerStorage(
            name, clients.names["breakers"], dynamodb, max_age_s=s.breaker_sync_s
        )
        for name in PROVIDERS
    }
    keys = ProviderKeys(clients.names["provider_keys"], clients.client("secretsmanager"))
    providers: dict[str, EmailProvider] = {
        "ses": SesProvider(
            clients.send_client("sesv2", endpoints.ses, s.email_timeout_s),
            configuration_set=ses_configuration_set(clients),
        ),
        "resend": resend.ResendProvider(
            keys.for_provider("resend"),
            endpoints.resend,
            s.email_timeout_s,
            on_auth_failure=keys.refresh,
        ),
        "sendgrid": sendgrid.SendGridProvider(
            keys.for_provider("sendgrid"),
            endpoints.sendgrid,
            s.email_timeout_s,
            on_auth_failure=keys.refresh,
        ),
    }
    configs = CachedConfigs(config_store.load, s.provider_config_ttl_s, time.monotonic)
    if suppressions is None:
        suppressions = DynamoSuppressionList(clients.names["suppressions"], dynamodb)
    sender = FailoverSender(
        providers,
        configs,
        storages,
        pacer,
        suppressions=suppressions,
        breaker_opened=breaker_opened,
        accepted=accepted,
    )
    return EmailBackbone(sender, config_store, storages, endpoints)


def ses_configuration_set(clients: Clients) -> str | None:
    """SES sends through the configuration set that publishes its events (bounces, complaints,
    deliveries) to the provider-events topic; an empty setting sends through none."""
    configured = clients.settings.ses_configuration_set
    if configured is not None:
        return configured or None
    return physical_name(clients.names.stage, EVENTS_CONFIGURATION_SET)


def provider_endpoints(clients: Clients) -> ProviderEndpoints:
    s = clients.settings
    if s.target == "local":
        clients.endpoint_url  # noqa: B018  (no stack at all: say so, as every command does)
        missing = [
            name
            for name, value in (
                ("ses_endpoint_url", s.ses_endpoint_url),
                ("resend_api_url", s.resend_api_url),
                ("sendgrid_api_url", s.sendgrid_api_url),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(
                f"no local endpoint for {', '.join(missing)}",
                "start the embedded stack with `tctfmsg local up`, or set "
                + ", ".join(f"TCTFMSG_{m.upper()}" for m in missing),
            )
    return ProviderEndpoints(
        s.ses_endpoint_url,
        s.resend_api_url or resend.DEFAULT_URL,
        s.sendgrid_api_url or sendgrid.DEFAULT_URL,
    )
