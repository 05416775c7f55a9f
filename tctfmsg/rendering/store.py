"""Where templates come from: templates/ on disk, or the config table (runtime-editable,
versioned), the newest version winning. The design system (layout, partials) is always files."""

from __future__ import annotations

import json
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tctfmsg.core.errors import Conflict, InvalidInput, NotFound

PARTS = ("subject", "html", "text", "sms")
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class TemplateSource:
    """One template's own parts. `html`/`text` are bodies placed into the shared layout."""

    name: str
    subject: str = ""
    html: str = ""
    text: str = ""
    sms: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)
    version: str = "files"  # "files", or "v<n>" for a config-table version
    origin: str = "files"

    @property
    def has_email(self) -> bool:
        return bool(self.html)


@dataclass(frozen=True)
class DesignSystem:
    """The shared layout and partials every email template is placed into."""

    layout_html: str
    layout_text: str
    partials: dict[str, str]
    assets_dir: Path


class TemplateStore(Protocol):
    def get(self, name: str) -> TemplateSource: ...

    def names(self) -> list[str]: ...


class FileTemplateStore:
    """templates/messages/<name>/{subject,html,text,sms}.mustache, slots.toml, sample.json."""

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        self.root = root
        self._cache: dict[str, TemplateSource] = {}

    @property
    def messages(self) -> Path:
        return self.root / "messages"

    def names(self) -> list[str]:
        if not self.messages.is_dir():
            return []
        return sorted(p.name for p in self.messages.iterdir() if p.is_dir())

    def exists(self, name: str) -> bool:
        return (self.messages / name).is_dir()

    def get(self, name: str) -> TemplateSource:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def _read(self, name: str) -> TemplateSource:
        folder = self.messages / name
        if not folder.is_dir():
            raise NotFound(
                f"no template named {name!r}", "see `tctfmsg template list` for the names"
            )
        parts = {p: _read_text(folder / f"{p}.mustache") for p in PARTS}
        slots_file, sample_file = folder / "slots.toml", folder / "sample.json"
        try:
            slots = tomllib.loads(slots_file.read_text()) if slots_file.exists() else {}
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{slots_file} is not valid TOML: {exc}") from None
        try:
            sample = json.loads(sample_file.read_text()) if sample_file.exists() else {}
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{sample_file} is not valid JSON: {exc}") from None
        return TemplateSource(
            name=name,
            subject=(parts["subject"] or "").strip(),
            html=parts["html"] or "",
            text=parts["text"] or "",
            sms=parts["sms"].strip() if parts["sms"] else None,
            slots={k: str(v) for k, v in slots.items()},
            sample=sample,
        )

    def design(self) -> DesignSystem:
        layout = self.root / "layout"
        partials = {
            p.name.removesuffix(".mustache"): p.read_text()
            for p in sorted((self.root / "partials").glob("*.mustache"))
        }
        return DesignSystem(
            layout_html=(layout / "html.mustache").read_text(),
            layout_text=(layout / "text.mustache").read_text(),
            partials=partials,
            assets_dir=self.root / "assets",
        )


def _read_text(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


class ConfigTemplateStore:
    """Versioned templates in the config table: pk `template#<name>`, sk `v#<000001>`."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def latest(self, name: str) -> TemplateSource | None:
        items = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
            ExpressionAttributeValues={":pk": {"S": _pk(name)}, ":v": {"S": "v#"}},
            ScanIndexForward=False,
            Limit=1,
        )["Items"]
        return _source(items[0]) if items else None

    def get(self, name: str) -> TemplateSource:
        found = self.latest(name)
        if found is None:
            raise NotFound(f"template {name!r} has no version in the config table")
        return found

    def names(self) -> list[str]:
        names: set[str] = set()
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :p)",
            "ExpressionAttributeValues": {":p": {"S": "template#"}},
            "ProjectionExpression": "pk",
        }
        while True:
            page = self.client.scan(**kwargs)
            names.update(item["pk"]["S"].removeprefix("template#") for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return sorted(names)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put(self, source: TemplateSource, attempts: int = 5) -> int:
        """Stores the parts as a new version and returns its number."""
        for _ in range(attempts):
            current = self.latest(source.name)
            version = int(current.version.removeprefix("v")) + 1 if current else 1
            item = {
                "pk": {"S": _pk(source.name)},
                "sk": {"S": f"v#{version:06d}"},
                "version": {"N": str(version)},
                "subject": {"S": source.subject},
                "html": {"S": source.html},
                "text": {"S": source.text},
                "slots": {"S": json.dumps(source.slots)},
                "sample": {"S": json.dumps(source.sample)},
                "created_at": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
            }
            if source.sms is not None:
                item["sms"] = {"S": source.sms}
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(sk)",
                )
                return version
            except self.client.exceptions.ConditionalCheckFailedException:
                continue  # another push took this number; take the next
        raise Conflict(f"template {source.name!r} is being pushed concurrently", "try again")


def _pk(name: str) -> str:
    return f"template#{name}"


def _source(item: dict[str, Any]) -> TemplateSource:
    def text(key: str) -> str:
        return str(item[key]["S"]) if key in item else ""

    return TemplateSource(
        name=text("pk").removeprefix("template#"),
        subject=text("subject"),
        html=text("html"),
        text=text("text"),
        sms=text("sms") if "sms" in item else None,
        slots=json.loads(text("slots") or "{}"),
        sample=json.loads(text("sample") or "{}"),
        version=f"v{int(item['version']['N'])}",
        origin="config table",
    )


class LayeredTemplateStore:
    """The config table's newest version if it has one, else the files; looked up again after
    `ttl_s`, so an edit reaches every running Lambda within that time."""

    def __init__(
        self, files: FileTemplateStore, config: ConfigTemplateStore, ttl_s: float = 60.0
    ) -> None:
        self.files = files
        self.config = config
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, TemplateSource]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> TemplateSource:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(name)
        if cached and now - cached[0] < self.ttl_s:
            return cached[1]
        found = self.config.latest(name) or self.files.get(name)
        with self._lock:
            self._cache[name] = (now, found)
        return found

    def names(self) -> list[str]:
        return sorted(set(self.files.names()) | set(self.config.names()))
