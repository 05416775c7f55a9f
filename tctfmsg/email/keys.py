"""Provider API keys from Secrets Manager (one JSON secret), through Powertools parameters so a
warm process reads the secret once per `max_age_s`, and afresh after a provider refused a key."""

from __future__ import annotations

from typing import Any

from tctfmsg.email.message import ProviderUnavailable


class ProviderKeys:
    def __init__(self, secret_name: str, secrets_client: Any, max_age_s: int = 300) -> None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        self._secret_name = secret_name
        self._provider = SecretsProvider(boto3_client=secrets_client)
        self._max_age_s = max_age_s
        self._stale = False

    def get(self, provider: str) -> str:
        try:
            keys = self._provider.get(
                self._secret_name,
                transform="json",
                max_age=self._max_age_s,
                force_fetch=self._stale,
            )
        except Exception as exc:  # Powertools wraps every SDK failure in its own error types
            raise ProviderUnavailable(
                provider, f"cannot read its API key from {self._secret_name}"
            ) from exc
        self._stale = False
        key = keys.get(provider) if isinstance(keys, dict) else None
        if not key:
            raise ProviderUnavailable(provider, f"no API key for it in {self._secret_name}")
        return str(key)

    def for_provider(self, provider: str) -> Any:
        return lambda: self.get(provider)

    def refresh(self) -> None:
        self._stale = True
