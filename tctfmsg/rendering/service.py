"""The operator's use cases over templates: list, preview, validate and push. Each takes
`TemplateDeps` (the files and the ports) and returns what happened; a door only shows it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from tctfmsg.core.errors import InvalidInput, StackNotRunning
from tctfmsg.rendering import ses
from tctfmsg.rendering.checks import load_registry, registry_problems, validate_template
from tctfmsg.rendering.language import DEFAULT_LOCALE
from tctfmsg.rendering.ports import HostedTemplates, Screenshotter, TemplateVersions
from tctfmsg.rendering.registry import REGISTRY_FILE, Registry, parse_registry
from tctfmsg.rendering.renderer import Renderer, compile_template
from tctfmsg.rendering.store import STRINGS_FILE, FileTemplateStore, TemplateSource
from tctfmsg.rendering.variants import catalog_problems


@dataclass(frozen=True)
class TemplateDeps:
    files: FileTemplateStore  # the source of every push and preview
    versions: TemplateVersions
    hosted: HostedTemplates
    screenshots: Screenshotter
    stage: str
    constants: Mapping[str, str] = field(default_factory=dict)  # over the registry's globals


@dataclass(frozen=True)
class Listing:
    rows: list[dict[str, Any]]
    unchecked: str | None = None  # why the config table and SES were not looked at


def list_templates(deps: TemplateDeps) -> Listing:
    """Every template: category, channels, variables, and where it is stored. Without the
    embedded stack, from the files alone."""
    registry = load_registry(deps.files.root)
    try:
        hosted = deps.hosted.names()
        return Listing(_describe(registry, deps, deps.versions, hosted))
    except StackNotRunning:
        why = "config table and SES not checked: the embedded stack is not running"
        return Listing(_describe(registry, deps, None, None), why)


def _describe(
    registry: Registry,
    deps: TemplateDeps,
    versions: TemplateVersions | None,
    hosted: set[str] | None,
) -> list[dict[str, Any]]:
    files, rows = deps.files, []
    for name in registry.templates():
        entry = registry.for_template(name)
        stored = ["files"] if files.exists(name) else []
        latest = versions.latest(name) if versions is not None else None
        if latest is not None:
            stored.append(f"config table {latest.version}")
        if hosted is not None and any(ses.is_ses_name_of(h, deps.stage, name) for h in hosted):
            stored.append("ses")
        rows.append(
            {
                "name": name,
                "types": sorted(t for t, e in registry.items() if e.template == name),
                "category": entry.category,
                "channels": list(entry.channels),
                "default_channel": entry.default_channel,
                "required": list(entry.required),
                "optional": list(entry.optional),
                "security_critical": entry.security_critical,
                "subject": files.get(name).default_subject if files.exists(name) else "",
                "locales": list(files.get(name).locales) if files.exists(name) else [],
                "stored": stored,
            }
        )
    return rows


class Part(StrEnum):
    HTML = "html"
    TEXT = "text"  # the plain-text part
    SMS = "sms"


@dataclass(frozen=True)
class Preview:
    template: str
    part: Part
    body: str  # the part asked for, as it would be sent
    subject: str | None = None  # an email's; None for SMS
    html: str | None = None  # an email's HTML, whichever part was asked for
    png_height: int | None = None  # when a screenshot was written
    locale: str = DEFAULT_LOCALE  # the variant rendered, after the fallback chain


def preview(
    deps: TemplateDeps,
    name: str,
    data: Path | None = None,
    part: Part = Part.HTML,
    png: Path | None = None,
    width: int = 700,
    locale: str | None = None,
) -> Preview:
    """Renders a template (or a notification type's) from its files, with its sample data or
    the JSON object in `data`, with the shipped images, so it looks right offline; in `locale`,
    or the nearest variant it has (`pt-BR` → `pt` → its default)."""
    files = deps.files
    registry = load_registry(files.root)
    template = template_name(registry, name)
    values = load_data(data, files.get(template).sample)
    assets = files.design().assets_dir.resolve().as_uri()
    renderer = Renderer(files, registry, files.design(), {"asset_base_url": assets})
    variant = renderer.compiled(template, locale).locale
    if part is Part.SMS:
        sms = renderer.render_sms(template, values, variant)
        return Preview(template, part, sms + "\n", locale=variant)
    email = renderer.render(template, values, variant)
    body = email.text if part is Part.TEXT else email.html
    height = deps.screenshots.screenshot(email.html, png, width) if png else None
    return Preview(template, part, body, email.subject, email.html, height, variant)


def template_name(registry: Registry, name: str) -> str:
    """A template name, or a notification type whose template is meant."""
    if name in registry.entries:
        return registry.entries[name].template
    registry.for_template(name)  # NotFound with the known names
    return name


def load_data(path: Path | None, sample: dict[str, Any]) -> dict[str, Any]:
    if path is None:
        return sample
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}",
            'give an object such as {"first_name": "Ada"}',
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} holds a JSON {type(data).__name__}, not an object")
    return data


@dataclass(frozen=True)
class Validation:
    templates: dict[str, list[str]]  # problems by template; REGISTRY_FILE for the file itself

    @property
    def checked(self) -> int:
        return len(self.templates) - 1

    @property
    def problems(self) -> int:
        return sum(len(p) for p in self.templates.values())


def validate(deps: TemplateDeps, name: str | None = None) -> Validation:
    """Every check of every template (or one), the registry's own problems included: unlike
    the other use cases, a registry that disagrees with its templates is reported, not raised."""
    files = deps.files
    registry, problems = parse_registry(files.root / REGISTRY_FILE)
    results: dict[str, list[str]] = {REGISTRY_FILE: problems}
    names = [template_name(registry, name)] if name else registry.templates()
    if name is None:
        results[REGISTRY_FILE] += catalog_problems(files.design().strings, STRINGS_FILE)
    for problem in registry_problems(registry, files):
        if name is None or f"'{names[0]}'" in problem:
            results[REGISTRY_FILE].append(problem)
    for template in names:
        if files.exists(template):
            found = validate_template(template, registry, files, deps.constants)
            results[template] = [p for p in found if p not in results[REGISTRY_FILE]]
    return Validation(results)


@dataclass(frozen=True)
class Pushed:
    name: str
    version: int
    changed: bool  # False: identical to the newest version, which stays in use
    ses_template: str | None = None  # its name in SES, when pushed there
    ses: str | None = None  # "created" or "updated", when pushed there


def push(deps: TemplateDeps, name: str | None = None, to_ses: bool = False) -> list[Pushed]:
    """Uploads each template's files (or one's) as a new config-table version unless identical
    to the newest, and with `to_ses` creates or updates its SES-hosted copy. Every template is
    checked and compiled before the first is uploaded, so a broken one stops the whole push
    with nothing half done."""
    registry = load_registry(deps.files.root)
    names = [template_name(registry, name)] if name else registry.templates()
    ready = [_ready(deps, registry, template, to_ses) for template in names]
    return [_upload(deps, source, hosted) for source, hosted in ready]


def _ready(
    deps: TemplateDeps, registry: Registry, name: str, to_ses: bool
) -> tuple[TemplateSource, ses.SesTemplate | None]:
    problems = validate_template(name, registry, deps.files, deps.constants)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidInput(
            f"not pushed: {problems[0]}{more}", f"see `tctfmsg template validate {name}`"
        )
    source = deps.files.get(name)
    if not to_ses:
        return source, None
    design, constants = deps.files.design(), {**registry.globals, **deps.constants}
    compiled = compile_template(source, registry.for_template(name), design, constants)
    return source, ses.to_ses(compiled, deps.stage)


def _upload(deps: TemplateDeps, source: TemplateSource, hosted: ses.SesTemplate | None) -> Pushed:
    latest = deps.versions.latest(source.name)
    if latest is not None and _same(latest, source):
        version, changed = int(latest.version.removeprefix("v")), False
    else:
        version, changed = deps.versions.put(source), True
    if hosted is None:
        return Pushed(source.name, version, changed)
    return Pushed(source.name, version, changed, hosted.name, deps.hosted.publish(hosted))


def _same(a: TemplateSource, b: TemplateSource) -> bool:
    keep = ("subject", "html", "text", "sms", "slots", "sample", "strings")
    return all(getattr(a, k) == getattr(b, k) for k in keep)
