"""The templates' composition root: files, registry, stores, the renderer and the operator's
use cases' dependencies, built once."""

from __future__ import annotations

from email.utils import parseaddr
from functools import cached_property
from typing import TYPE_CHECKING

from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.resources import public_url_output_key
from tctfmsg.rendering.adapters.config_store import DynamoTemplateVersions
from tctfmsg.rendering.adapters.ses import SesHostedTemplates
from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.hosted import HostedNames, constants_for, hosted_campaign_templates
from tctfmsg.rendering.layered import LayeredTemplateStore
from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.renderer import Renderer
from tctfmsg.rendering.ses import SesTemplate
from tctfmsg.rendering.store import TEMPLATES_DIR, FileTemplateStore
from tctfmsg.rendering.unsubscribe import unsubscribe_mailto

# The operator's use cases (`tctfmsg template …`) and their Chromium are imported where they
# are built: no Lambda handler uses them, so none of their cold starts pays for them.
if TYPE_CHECKING:
    from tctfmsg.rendering.service import TemplateDeps


class TemplateRoot:
    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self.settings = clients.settings

    @cached_property
    def files(self) -> FileTemplateStore:
        return FileTemplateStore(self.settings.templates_dir or TEMPLATES_DIR)

    @cached_property
    def registry(self) -> Registry:
        """Loaded and checked once: a registry that disagrees with its templates fails here."""
        return load_registry(self.files.root)

    @cached_property
    def config_store(self) -> DynamoTemplateVersions:
        # the client is made when first used: `template list` works from the files alone
        # when the embedded stack is down, and learns so from the first call
        return DynamoTemplateVersions(self.clients.names["config"], self.clients.client("dynamodb"))

    @cached_property
    def hosted(self) -> SesHostedTemplates:
        return SesHostedTemplates(self.clients.client("ses"))

    @cached_property
    def template_deps(self) -> TemplateDeps:
        """What `tctfmsg template …` works with."""
        from tctfmsg.rendering.adapters.chromium import ChromiumScreenshotter
        from tctfmsg.rendering.service import TemplateDeps

        return TemplateDeps(
            files=self.files,
            versions=self.config_store,
            hosted=self.hosted,
            screenshots=ChromiumScreenshotter(),
            stage=self.settings.stage,
            constants=self.constants,
        )

    @cached_property
    def store(self) -> LayeredTemplateStore:
        """The config table's newest version of a template, else its files."""
        return LayeredTemplateStore(
            self.files, self.config_store, ttl_s=self.settings.template_cache_s
        )

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.store, self.registry, self.files.design(), self.constants)

    @cached_property
    def hosted_names(self) -> HostedNames:
        """Which SES template a hosted-render campaign names (docs/decisions/0080)."""
        return HostedNames(self.renderer, self.settings.stage)

    def hosted_campaign_templates(self) -> list[SesTemplate]:
        """What the embedded stack publishes to SES, as the CDK stack deploys it."""
        return hosted_campaign_templates(
            self.files, self.registry, self.constants, self.settings.stage
        )

    @cached_property
    def constants(self) -> dict[str, str]:
        """Overrides of the registry's globals: the asset base URL, from settings, or the
        shipped assets themselves on the embedded stack."""
        if self.settings.target == "local" and not self.settings.asset_base_url:
            return {"asset_base_url": self.files.design().assets_dir.resolve().as_uri()}
        return constants_for(self.settings.asset_base_url)

    @cached_property
    def unsubscribe_base_url(self) -> str:
        """The unsubscribe page: set, or the public HTTP API's /unsubscribe (the embedded
        stack's web endpoint, the service's HTTP API in AWS)."""
        if self.settings.unsubscribe_base_url:
            return self.settings.unsubscribe_base_url
        # set, or (for an operator's CLI on a deployed stage) read from the stack's outputs
        public = self.settings.public_base_url or self.clients.names.overrides.get(
            public_url_output_key("campaigns")
        )
        if public:
            return public.rstrip("/") + "/unsubscribe"
        return "https://tctfmsg.example/unsubscribe"

    def unsubscribe_mailto(self, campaign_id: str, email: str, sender: str) -> str:
        """The mailto: form of a recipient's List-Unsubscribe: to the configured address, or
        unsubscribe@ the sender's domain."""
        address = self.settings.unsubscribe_mailto
        if not address:
            address = "unsubscribe@" + parseaddr(sender)[1].rpartition("@")[2]
        return unsubscribe_mailto(address, self.unsubscribe_key, campaign_id, email)

    @property
    def unsubscribe_key(self) -> bytes:
        """The key unsubscribe tokens are sealed with, from the signing_keys secret."""
        name = self.clients.names["signing_keys"]
        value = self.clients.secrets.get(name, transform="json", max_age=300)
        key = value.get("unsubscribe") if isinstance(value, dict) else None
        if not key:
            raise ConfigurationError(
                f"secret {name} has no 'unsubscribe' key", "set it to a long random string"
            )
        return str(key).encode()
