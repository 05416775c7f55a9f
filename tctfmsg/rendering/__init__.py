"""Templates: the registry, stores, compiled Mustache rendering, checks, SES hosting and the
operator's use cases (service); rendering/adapters/ holds the DynamoDB, SES and Chromium code."""

from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.layered import LayeredTemplateStore
from tctfmsg.rendering.registry import Registry, RegistryEntry, RegistryError
from tctfmsg.rendering.renderer import MissingVariables, RenderedEmail, Renderer
from tctfmsg.rendering.store import FileTemplateStore, TemplateSource, TemplateStore, locales
from tctfmsg.rendering.unsubscribe import sign_unsubscribe, unsubscribe_url, verify_unsubscribe

__all__ = [
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
    "locales",
    "sign_unsubscribe",
    "unsubscribe_url",
    "verify_unsubscribe",
]
