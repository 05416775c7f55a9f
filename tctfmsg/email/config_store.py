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
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.email.message import DEFAULT_CONFIG, ProviderConfig

log = logging.getLogger(__name__)
PARTITION = "provider"
FIELDS = ("order", "enabled", "rate_per_s", "fail_max", "reset_timeout_s")
KEYS = KeyNames.of("config")  # what kind of setting, then which one
PROVIDER = ItemMapping(
    ProviderConfig,
    renamed={"name": KEYS.sorted_by},
    derived={KEYS.partition: lambda _: PARTITION},
)


class DynamoProviderConfigStore:
    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def load(self) -> list[ProviderConfig]:
        stored: dict[str, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": KEYS.partition},
            "ExpressionAttributeValues": {":pk": {"S": PARTITION}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            for item in page.get("Items", []):
                stored[str(codec.from_value(item[KEYS.sorted_by]))] = item
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
                Key=KEYS.key(PARTITION, name),
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=codec.to_item({f":{k}": v for k, v in changes.items()}),
            )
        return next(c for c in self.load() if c.name == name)

    def seed(self, configs: list[ProviderConfig]) -> list[str]:
        """Writes each config unless one is stored already (local mode's start-up defaults)."""
        seeded = []
        for config in configs:
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=PROVIDER.to_item(config),
                    ConditionExpression="attribute_not_exists(#pk)",
                    ExpressionAttributeNames={"#pk": KEYS.partition},
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
    """The default with what the stored item changes: an item holds only what an operator set."""
    return dataclasses.replace(default, **PROVIDER.present(stored, FIELDS))
