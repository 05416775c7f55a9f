"""The embedded stack's email providers as one component: started after provisioning, it also
verifies the local sender's SES identity and writes local-friendly provider config once."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from tctfmsg.core import resources
from tctfmsg.email.message import DEFAULT_CONFIG
from tctfmsg.local.components import StackContext
from tctfmsg.local.providers.base import ProviderEndpoint
from tctfmsg.local.providers.feedback import Publish, SnsPublisher, WebhookPoster
from tctfmsg.local.providers.reports import ReportQueue
from tctfmsg.local.providers.resend import ResendEndpoint
from tctfmsg.local.providers.sendgrid import SendGridEndpoint
from tctfmsg.local.providers.ses import SesProxy

if TYPE_CHECKING:
    from tctfmsg.core.clients import Clients

log = logging.getLogger("tctfmsg.local.providers")

# Fast enough for the benchmark, and a breaker that comes back in seconds while an operator
# watches `providers list`; `providers configure` changes them, and they survive restarts.
LOCAL_CONFIG = [
    dataclasses.replace(config, rate_per_s=500.0, fail_max=3, reset_timeout_s=5.0)
    for config in DEFAULT_CONFIG.values()
]


class EmailProvidersComponent:
    name = "email-providers"

    def __init__(self) -> None:
        self.endpoints: dict[str, ProviderEndpoint] = {}

    def start(self, context: StackContext) -> dict[str, str]:
        keys = resources.secret("provider_keys").local_value
        self.endpoints = {
            "ses": SesProxy(context.endpoint),
            "resend": ResendEndpoint(keys["resend"]),
            "sendgrid": SendGridEndpoint(keys["sendgrid"]),
        }
        urls = {n: e.start(context.port(n), context.home) for n, e in self.endpoints.items()}
        _prepare(context)
        _report_feedback(context, self.endpoints)
        log.info("email providers at %s", urls)
        return urls

    def stop(self) -> None:
        for endpoint in self.endpoints.values():
            endpoint.stop()
        for endpoint in self.endpoints.values():
            if endpoint.reports is not None:
                endpoint.reports.stop()

    def alive(self) -> bool:
        return all(endpoint.alive() for endpoint in self.endpoints.values())


def _prepare(context: StackContext) -> None:
    from tctfmsg.core import clients, settings
    from tctfmsg.email.config_store import DynamoProviderConfigStore
    from tctfmsg.local.provision import verify_senders

    runtime = clients.default()
    verified = verify_senders(runtime.client("ses"), [settings.current().sender])
    store = DynamoProviderConfigStore(runtime.names["config"], runtime.client("dynamodb"))
    seeded = store.seed(LOCAL_CONFIG)
    log.info("verified SES identities %s; seeded provider config %s", verified, seeded)
    _host_campaign_templates(runtime)


def _host_campaign_templates(runtime: Clients) -> None:
    """As the campaigns stack deploys them: every Handlebars-safe campaign template in SES,
    so a `--render hosted` campaign's SES sends find theirs (docs/decisions/0080)."""
    from tctfmsg.rendering.bootstrap import TemplateRoot

    templates = TemplateRoot(runtime)
    hosted = templates.hosted_campaign_templates()
    for template in hosted:
        templates.hosted.publish(template)
    log.info("SES-hosted campaign templates %s", [t.name for t in hosted])


def _report_feedback(context: StackContext, endpoints: dict[str, ProviderEndpoint]) -> None:
    """How each provider reports its deliveries and the bounces and complaints it is told to
    make: SES to its events topic, Resend and SendGrid as signed webhooks to the web endpoint,
    each through its own worker queue (decision 0077)."""
    from tctfmsg.core import clients, settings
    from tctfmsg.local.provision import provision_email_events

    runtime = clients.default()
    topic = provision_email_events(
        context.stage, runtime.client("sns"), runtime.client("ses"), runtime.client("sqs")
    )
    keys = runtime.secrets.get(runtime.names["webhook_keys"], transform="json")
    assert isinstance(keys, dict)
    web = f"http://127.0.0.1:{context.port('web')}"
    publishers: dict[str, Publish] = {
        "ses": SnsPublisher(runtime.client("sns"), topic),
        "resend": WebhookPoster("resend", f"{web}/webhooks/resend", keys["resend"]),
        "sendgrid": WebhookPoster(
            "sendgrid", f"{web}/webhooks/sendgrid", keys["sendgrid_local_signing"]
        ),
    }
    deliveries = settings.current().local_delivery_reports
    for name, publish in publishers.items():
        reports = ReportQueue(name, publish, deliveries=deliveries)
        reports.start()
        endpoints[name].reports = reports
