"""Campaign templates hosted in SES: which ones (every Handlebars-safe campaign template), as
what (the flattened SesTemplate, named by stage and content), and which SES template a sender
names for the version it renders now. The CDK stack, the embedded stack's provisioning and the
campaign consumer all ask here, so they cannot disagree (docs/decisions/0080)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.renderer import CompiledTemplate, Renderer, compile_template
from tctfmsg.rendering.ses import SesTemplate, handlebars_problems, to_ses
from tctfmsg.rendering.store import FileTemplateStore


def hostable(compiled: CompiledTemplate) -> bool:
    return (
        compiled.entry.category == "campaign"
        and compiled.source.has_email
        and not handlebars_problems(compiled.trees, compiled.entry)
    )


def hosted_campaign_templates(
    files: FileTemplateStore, registry: Registry, constants: Mapping[str, str], stage: str
) -> list[SesTemplate]:
    """Every Handlebars-safe campaign template in the files, as SES will host it."""
    design, merged = files.design(), {**registry.globals, **constants}
    found = []
    for name in registry.templates():
        entry = registry.for_template(name)
        if entry.category != "campaign" or not files.exists(name):
            continue
        compiled = compile_template(files.get(name), entry, design, merged)
        if hostable(compiled):
            found.append(to_ses(compiled, stage))
    return found


def constants_for(asset_base_url: str | None) -> dict[str, str]:
    """The registry overrides a deployed stage renders with (rendering/bootstrap.py)."""
    return {"asset_base_url": asset_base_url.rstrip("/")} if asset_base_url else {}


class HostedNames:
    """The SES template a campaign sender names for a template: the SES copy of exactly the
    version the renderer compiles now, or None when that template is not hostable."""

    def __init__(self, renderer: Renderer, stage: str) -> None:
        self.renderer, self.stage = renderer, stage
        self._names: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def name_for(self, template: str) -> str | None:
        compiled = self.renderer.compiled(template)
        key = (template, compiled.source.version)
        if key not in self._names:
            name = to_ses(compiled, self.stage).name if hostable(compiled) else None
            with self._lock:
                self._names[key] = name
        return self._names[key]
