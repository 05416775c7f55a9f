"""RateWindows on the `rate_windows` table: one item per key and fixed time window, counted with
one conditional ADD, so concurrent senders in any process never pass the limit together. Items
expire (TTL `expires_at`) a window after their window ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.errors import Throttled

KEYS = KeyNames.of("rate_windows")


class DynamoRateWindows:
    def __init__(self, table: str, client: Any) -> None:
        self._table = table
        self._client = client

    def take(self, key: str, limit: int, window_s: int, at: datetime) -> bool:
        if limit < 1 or window_s < 1:
            return False
        start = int(at.timestamp()) // window_s * window_s
        try:
            self._client.update_item(
                TableName=self._table,
                Key=KEYS.key(f"{key}@{start}"),
                UpdateExpression="ADD sends :one SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression="attribute_not_exists(sends) OR sends < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":exp": {"N": str(start + 2 * window_s)},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise Throttled(f"rate windows: {exc.response.get('Error', {}).get('Code')}") from exc
        except BotoCoreError as exc:
            raise Throttled(f"rate windows: {type(exc).__name__}") from exc
        return True
