"""The webhook_keys secret in Secrets Manager: one JSON object, a key per provider. Setting one
key keeps the others (a read, then a put of the whole object)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tctfmsg.core.errors import NotFound, Unavailable


class SecretsWebhookKeys:
    def __init__(self, secret_name: str, secretsmanager: Any) -> None:
        self.secret_name = secret_name
        self._client = secretsmanager

    def configured(self) -> dict[str, bool]:
        """Which providers have a key, without showing any key."""
        return {name: bool(value) for name, value in self._read().items()}

    def put(self, provider: str, key: str) -> None:
        keys = self._read()
        keys[provider] = key
        try:
            self._client.put_secret_value(SecretId=self.secret_name, SecretString=json.dumps(keys))
        except ClientError as exc:
            raise Unavailable(f"cannot store the {provider} webhook key: {_code(exc)}") from exc

    def _read(self) -> dict[str, str]:
        try:
            answer = self._client.get_secret_value(SecretId=self.secret_name)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                raise NotFound(
                    f"no secret {self.secret_name}", "deploy the campaigns stack first"
                ) from None
            raise Unavailable(f"cannot read {self.secret_name}: {_code(exc)}") from exc
        try:
            value = json.loads(answer.get("SecretString") or "{}")
        except ValueError:
            value = {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "error"))
