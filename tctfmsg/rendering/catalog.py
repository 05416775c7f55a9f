"""The operator's use cases over templates: describe, validate, resolve sample data, push."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering import ses
from tctfmsg.rendering.checks import registry_problems, validate_template
from tctfmsg.rendering.registry import REGISTRY_FILE, Registry, parse_registry
from tctfmsg.rendering.renderer import compile_template
from tctfmsg.rendering.store import ConfigTemplateStore, FileTemplateStore, TemplateSource


def template_name(registry: Registry, name: str) -> str:
    """A template name, or a notification type whose template is meant."""
    if name in registry.entries:
        return registry.entries[name].template
    registry.for_template(name)  # NotFound with the known names
    return name


def describe(
    registry: Registry,
    files: FileTemplateStore,
    config: ConfigTemplateStore | None = None,
    hosted: set[str] | None = None,
    stage: str = "local",
) -> list[dict[str, Any]]:
    rows = []
    for name in registry.templates():
        entry = registry.for_template(name)
        stored = ["files"] if files.exists(name) else []
        if config is not None:
            latest = config.latest(name)
            if latest is not None:
                stored.append(f"config table {latest.version}")
        if hosted is not None and ses.ses_template_name(stage, name) in hosted:
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
                "subject": files.get(name).subject if files.exists(name) else "",
                "stored": stored,
            }
        )
    return rows


def validate(
    files: FileTemplateStore, name: str | None = None, constants: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Problems by template ("registry" for the file itself); all empty when fit to send."""
    registry, problems = parse_registry(files.root / REGISTRY_FILE)
    results: dict[str, list[str]] = {REGISTRY_FILE: problems}
    names = [template_name(registry, name)] if name else registry.templates()
    for problem in registry_problems(registry, files):
        if name is None or f"'{names[0]}'" in problem:
            results[REGISTRY_FILE].append(problem)
    for template in names:
        if files.exists(template):
            found = validate_template(template, registry, files, constants)
            results[template] = [p for p in found if p not in results[REGISTRY_FILE]]
    return results


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
class PushResult:
    name: str
    version: int
    changed: bool
    ses: str | None = None  # "created" / "updated" / None when not pushed to SES


def push(
    name: str,
    registry: Registry,
    files: FileTemplateStore,
    config: ConfigTemplateStore,
    constants: Mapping[str, str],
    ses_client: Any | None = None,
    stage: str = "local",
) -> PushResult:
    """Uploads the template's files as a new config-table version (unless identical to the
    newest), and with an SES client creates or updates the SES-hosted template."""
    entry = registry.for_template(name)
    source = files.get(name)
    # check and compile first: nothing broken is uploaded anywhere
    problems = validate_template(name, registry, files, constants)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidInput(
            f"not pushed: {problems[0]}{more}", f"see `tctfmsg template validate {name}`"
        )
    compiled = compile_template(source, entry, files.design(), {**registry.globals, **constants})
    hosted = ses.to_ses(compiled, stage) if ses_client is not None else None
    latest = config.latest(name)
    if latest is not None and _same(latest, source):
        version, changed = int(latest.version.removeprefix("v")), False
    else:
        version, changed = config.put(source), True
    outcome = ses.publish(ses_client, hosted) if hosted is not None else None
    return PushResult(name, version, changed, outcome)


def _same(a: TemplateSource, b: TemplateSource) -> bool:
    keep = ("subject", "html", "text", "sms", "slots", "sample")
    return all(getattr(a, k) == getattr(b, k) for k in keep)
