"""Templates: the registry, stores, compiled Mustache rendering, checks and SES hosting."""

from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.registry import Registry, RegistryEntry, RegistryError
from tctfmsg.rendering.renderer import MissingVariables, RenderedEmail, Renderer
from tctfmsg.rendering.store import (
    ConfigTemplateStore,
    FileTemplateStore,
    LayeredTemplateStore,
    TemplateSource,
    TemplateStore,
)
from tctfmsg.rendering.unsubscribe import sign_unsubscribe, unsubscribe_url, verify_unsubscribe

__all__ = [
    "ConfigTemplateStore",
    "FileTemplateStore",
    "LayeredTemplateStore",
    "MissingVariables",
    "Registry",
    "RegistryEntry",
    "RegistryError",
    "RenderedEmail",
    "Renderer",
    "TemplateSource",
    "TemplateStore",
    "load_registry",
    "sign_unsubscribe",
    "unsubscribe_url",
    "verify_unsubscribe",
]
