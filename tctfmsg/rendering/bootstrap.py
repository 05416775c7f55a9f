"""The templates' composition root: files, registry, stores, the renderer and the operator's
use cases' dependencies, built once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.rendering.adapters.chromium import ChromiumScreenshotter
from tctfmsg.rendering.adapters.config_store import DynamoTemplateVersions
from tctfmsg.rendering.adapters.ses import SesHostedTemplates
from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.layered import LayeredTemplateStore
from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.renderer import Renderer
from tctfmsg.rendering.service import TemplateDeps
from tctfmsg.rendering.store import TEMPLATES_DIR, FileTemplateStore


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
        dynamodb = _OnFirstUse(lambda: self.clients.client("dynamodb"))
        return DynamoTemplateVersions(self.clients.names["config"], dynamodb)

    @cached_property
    def hosted(self) -> SesHostedTemplates:
        return SesHostedTemplates(_OnFirstUse(lambda: self.clients.client("ses")))

    @cached_property
    def template_deps(self) -> TemplateDeps:
        """What `tctfmsg template …` works with."""
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
    def constants(self) -> dict[str, str]:
        """Overrides of the registry's globals: the asset base URL, from settings, or the
        shipped assets themselves on the embedded stack."""
        if self.settings.asset_base_url:
            return {"asset_base_url": self.settings.asset_base_url.rstrip("/")}
        if self.settings.target == "local":
            return {"asset_base_url": self.files.design().assets_dir.resolve().as_uri()}
        return {}

    @cached_property
    def unsubscribe_base_url(self) -> str:
        if self.settings.unsubscribe_base_url:
            return self.settings.unsubscribe_base_url
        if self.settings.target == "local":
            return f"http://127.0.0.1:{self.settings.local_port}/unsubscribe"
        return "https://tctfmsg.example/unsubscribe"

    @property
    def unsubscribe_key(self) -> bytes:
        """The HMAC key of unsubscribe links, from the signing_keys secret."""
        name = self.clients.names["signing_keys"]
        value = self.clients.secrets.get(name, transform="json", max_age=300)
        key = value.get("unsubscribe") if isinstance(value, dict) else None
        if not key:
            raise ConfigurationError(
                f"secret {name} has no 'unsubscribe' key", "set it to a long random string"
            )
        return str(key).encode()


class _OnFirstUse:
    """A client built when first used, not when its adapter is: `template list` works from the
    files alone when the embedded stack is down, and learns so from the first call."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._build()  # the factory caches clients, so a race costs nothing
        return getattr(self._client, name)
