"""Amazon SES: sesv2 SendEmail for every send, SES-hosted templates included (Content.Template,
which carries the message's headers; the embedded stack's moto answers it through a patch,
docs/decisions/0084).

The clients come from the composition root without SDK retries: failing over is the retry.
Errors are classified by their error code, never by message.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from tctfmsg.email.message import EmailMessage, ProviderUnavailable, RecipientRejected, SendReceipt
from tctfmsg.email.providers.http import DEFAULT_THROTTLE_BACKOFF_S, retry_after_s

THROTTLED = {
    "Throttling",  # v1, also "Maximum sending rate exceeded" and the daily quota
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
}
REJECTING = {
    "MessageRejected",
    "BadRequestException",
    "InvalidParameterValue",
    "InvalidRenderingParameterException",
}


class SesProvider:
    name = "ses"
    idempotent = False

    def __init__(self, sesv2: Any, configuration_set: str | None = None) -> None:
        self._v2 = sesv2
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage) -> SendReceipt:
        try:
            response = self._v2.send_email(**self._request(message))
        except ClientError as exc:
            raise self._error(exc, message) from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            raise ProviderUnavailable(self.name, f"cannot connect: {type(exc).__name__}") from exc
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            raise ProviderUnavailable(
                self.name, f"no answer: {type(exc).__name__}", uncertain=True
            ) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(self.name, f"SDK error: {type(exc).__name__}") from exc
        return SendReceipt(self.name, str(response["MessageId"]))

    def _request(self, message: EmailMessage) -> dict[str, Any]:
        headers = [{"Name": k, "Value": v} for k, v in message.headers.items()]
        content: dict[str, Any]
        if message.ses_template:
            content = {
                "Template": {
                    "TemplateName": message.ses_template,
                    "TemplateData": json.dumps(dict(message.template_data)),
                    **({"Headers": headers} if headers else {}),
                }
            }
        else:
            body: dict[str, Any] = {}
            if message.text:
                body["Text"] = {"Data": message.text, "Charset": "UTF-8"}
            if message.html:
                body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
            simple: dict[str, Any] = {
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": body,
            }
            if headers:
                simple["Headers"] = headers
            content = {"Simple": simple}
        request: dict[str, Any] = {
            "FromEmailAddress": message.sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": content,
        }
        if message.reply_to:
            request["ReplyToAddresses"] = [message.reply_to]
        if message.tags:
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in message.tags.items()]
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        return request

    def _error(
        self, exc: ClientError, message: EmailMessage
    ) -> ProviderUnavailable | RecipientRejected:
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        metadata = exc.response.get("ResponseMetadata", {})
        status = metadata.get("HTTPStatusCode", 0)
        if code in THROTTLED:
            wait = retry_after_s(_Headers(metadata.get("HTTPHeaders", {})))
            return ProviderUnavailable(
                self.name, f"{code} ({status})", retry_after_s=wait or DEFAULT_THROTTLE_BACKOFF_S
            )
        if code in REJECTING:
            return RecipientRejected(self.name, message.to, f"{code} ({status})")
        return ProviderUnavailable(self.name, f"{code} ({status})")


class _Headers(dict[str, str]):
    """botocore lower-cases response headers; lookups here ignore case like requests' do."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)
