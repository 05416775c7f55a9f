"""Provider settings in the config table (pk "provider", sk the provider's name).

Only what an operator changed is stored; the rest comes from DEFAULT_CONFIG, so a fresh stage
sends with sensible defaults and a later default change reaches every untouched provider.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.core.dynamodb import codec
from tctfmsg.email.message import DEFAULT_CONFIG, ProviderConfig

log = logging.getLogger(__name__)
PARTITION = "provider"
FIELDS = ("order", "enabled", "rate_per_s", "fail_max", "reset_timeout_s")


class DynamoProviderConfigStore:
    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def load(self) -> list[ProviderConfig]:
        stored: dict[str, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": PARTITION}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            for item in page.get("Items", []):
                values = codec.from_item(item)
                stored[str(values["sk"])] = values
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [_merge(default, stored.get(name, {})) for name, default in DEFAULT_CONFIG.items()]

    def update(self, name: str, **changes: Any) -> ProviderConfig:
        changes = {k: v for k, v in changes.items() if k in FIELDS and v is not None}
        if changes:
            names = {f"#{k}": k for k in changes}
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": PARTITION}, "sk": {"S": name}},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=codec.to_item({f":{k}": v for k, v in changes.items()}),
            )
        return next(c for c in self.load() if c.name == name)

    def seed(self, configs: list[ProviderConfig]) -> list[str]:
        """Writes each config unless one is stored already (local mode's start-up defaults)."""
        seeded = []
        for config in configs:
            item = {"pk": PARTITION, "sk": config.name}
            item.update({k: getattr(config, k) for k in FIELDS})
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=codec.to_item(item),
                    ConditionExpression="attribute_not_exists(pk)",
                )
                seeded.append(config.name)
            except self.client.exceptions.ConditionalCheckFailedException:
                pass
        return seeded


class CachedConfigs:
    """The sender's view of the config table: re-read at most every `ttl_s`, and when the
    table cannot be read, the last good answer (or the defaults) rather than no email."""

    def __init__(
        self,
        load: Callable[[], list[ProviderConfig]],
        ttl_s: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._value: list[ProviderConfig] = list(DEFAULT_CONFIG.values())
        self._loaded_at: float | None = None

    def __call__(self) -> list[ProviderConfig]:
        now = self._monotonic()
        with self._lock:
            if self._loaded_at is not None and now - self._loaded_at < self._ttl_s:
                return self._value
            try:
                self._value = self._load()
            except (ClientError, BotoCoreError) as exc:
                log.warning("cannot read provider config (%s); using the last known", exc)
            self._loaded_at = now
            return self._value


def _merge(default: ProviderConfig, stored: dict[str, Any]) -> ProviderConfig:
    changes = {k: stored[k] for k in FIELDS if k in stored}
    for key in ("order", "fail_max"):
        if key in changes:
            changes[key] = int(changes[key])
    for key in ("rate_per_s", "reset_timeout_s"):
        if key in changes:
            changes[key] = float(changes[key])
    if "enabled" in changes:
        changes["enabled"] = bool(changes["enabled"])
    return dataclasses.replace(default, **changes)
