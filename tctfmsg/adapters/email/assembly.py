"""Builds the process's email backbone from a Runtime: the composition root's email part.

In local mode the adapters talk to the embedded stack (SES through its fault-injecting proxy in
front of moto, Resend and SendGrid to its HTTP endpoints); explicit settings win over both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tctfmsg.adapters.email import resend, sendgrid
from tctfmsg.adapters.email.breaker_storage import DynamoBreakerStorage
from tctfmsg.adapters.email.config_store import CachedConfigs, DynamoProviderConfigStore
from tctfmsg.adapters.email.failover import FailoverSender
from tctfmsg.adapters.email.keys import ProviderKeys
from tctfmsg.adapters.email.pacer import Pacer
from tctfmsg.adapters.email.ses import SesProvider
from tctfmsg.domain.email import PROVIDERS
from tctfmsg.services.ports import EmailProvider

if TYPE_CHECKING:
    from tctfmsg.bootstrap import Runtime


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


def assemble(runtime: Runtime) -> EmailBackbone:
    s = runtime.settings
    endpoints = provider_endpoints(runtime)
    dynamodb = runtime.client("dynamodb")
    config_store = DynamoProviderConfigStore(runtime.names["config"], dynamodb)
    storages = {
        name: DynamoBreakerStorage(
            name, runtime.names["breakers"], dynamodb, max_age_s=s.breaker_sync_s
        )
        for name in PROVIDERS
    }
    keys = ProviderKeys(runtime.names["provider_keys"], runtime.client("secretsmanager"))
    providers: dict[str, EmailProvider] = {
        "ses": SesProvider(
            runtime.send_client("sesv2", endpoints.ses, s.email_timeout_s),
            runtime.send_client("ses", endpoints.ses, s.email_timeout_s),
            # moto answers hosted-template sends only on the v1 API
            template_api="v1" if s.target == "local" else "v2",
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
    sender = FailoverSender(providers, configs, storages, Pacer(s.send_concurrency))
    return EmailBackbone(sender, config_store, storages, endpoints)


def provider_endpoints(runtime: Runtime) -> ProviderEndpoints:
    s = runtime.settings
    if s.target == "local":
        from tctfmsg.local.components import ports

        base = urlsplit(runtime.endpoint_url or "").port
        if base is None:
            raise ValueError(f"local endpoint {runtime.endpoint_url!r} has no port")
        local = {name: f"http://127.0.0.1:{port}" for name, port in ports(base).items()}
        defaults = ProviderEndpoints(local["ses"], local["resend"], local["sendgrid"])
    else:
        defaults = ProviderEndpoints(None, resend.DEFAULT_URL, sendgrid.DEFAULT_URL)
    return ProviderEndpoints(
        s.ses_endpoint_url or defaults.ses,
        s.resend_api_url or defaults.resend,
        s.sendgrid_api_url or defaults.sendgrid,
    )
