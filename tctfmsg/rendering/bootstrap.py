"""The templates' composition root: files, registry, stores and the renderer, built once."""

from __future__ import annotations

from functools import cached_property

from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.renderer import Renderer
from tctfmsg.rendering.store import (
    TEMPLATES_DIR,
    ConfigTemplateStore,
    FileTemplateStore,
    LayeredTemplateStore,
)


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
    def config_store(self) -> ConfigTemplateStore:
        return ConfigTemplateStore(self.clients.names["config"], self.clients.client("dynamodb"))

    @cached_property
    def store(self) -> LayeredTemplateStore:
        """The config table's newest version of a template, else its files."""
        return LayeredTemplateStore(self.files, self.config_store)

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
