"""FunctionInvoker on Lambda's Invoke API (InvocationType=Event). The embedded stack serves the
same API, so this one adapter starts functions in AWS and locally."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.core.errors import ConfigurationError


class Names(Protocol):
    def __getitem__(self, logical: str) -> str: ...


class LambdaInvoker:
    def __init__(self, names: Names, client: Any = None) -> None:
        """names: logical function name → physical name."""
        if client is None:
            import boto3

            client = boto3.client("lambda")
        self.names = names
        self.client = client

    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None:
        try:
            self.client.invoke(
                FunctionName=self.names[function],
                InvocationType="Event",
                Payload=json.dumps(dict(payload)).encode(),
            )
        except self.client.exceptions.ResourceNotFoundException:
            raise ConfigurationError(
                f"function {self.names[function]} is not deployed", "deploy the campaigns stack"
            ) from None
        except (BotoCoreError, ClientError) as exc:
            raise ConfigurationError(f"could not start {self.names[function]}: {exc}") from None
