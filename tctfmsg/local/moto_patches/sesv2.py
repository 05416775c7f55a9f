"""sesv2: moto answers `SendEmail` with `Content.Template` by raising NotImplementedError, so the
embedded stack sent SES-hosted templates through the v1 `SendTemplatedEmail`, which carries no
headers: its hosted campaign emails had no List-Unsubscribe (docs/decisions/0084).

A templated SendEmail is answered here as SES answers it: the stored template (SES keeps one
set for both APIs; moto keeps it in the v1 backend) is rendered with the TemplateData by
Handlebars, the message is recorded with its headers, and the answer is its MessageId. Moto's
own renderer is not used: it knows no `{{^section}}` and escapes nothing, so it refuses every
hosted campaign template. The sender and address checks are moto's v1 `send_templated_email`'s,
in its order. An unknown template is NotFoundException; TemplateData that is not a JSON object
is BadRequestException in SES's words; a template Handlebars cannot render is
BadRequestException too (SES accepts that send and reports a Rendering Failure event, which
moto cannot publish: refusing at once keeps the failure visible). Simple and raw sends stay
moto's.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from tctfmsg.local.moto_patches.registry import Patches

MAX_TEMPLATE_DATA = 262_144  # characters, SES's limit on TemplateData
MAX_HEADERS = 15  # SES's limit on Headers of one message
_PARTS = ("subject_part", "text_part", "html_part")


def apply(patches: Patches) -> None:
    from moto.sesv2.responses import SESV2Response

    original = SESV2Response.send_email

    @functools.wraps(original)
    def send_email(self: Any) -> str:
        params = json.loads(self.body)
        content = params.get("Content") if isinstance(params, dict) else None
        if not isinstance(content, dict) or "Template" not in content:
            return str(original(self))
        message = send_templated(self.sesv2_backend.core_backend, params)
        return json.dumps({"MessageId": message.id})

    patches.replace(SESV2Response, "send_email", send_email)


def send_templated(core: Any, params: dict[str, Any]) -> Any:
    """Renders and records one templated send on moto's SES backend `core`; its Message."""
    from moto.ses.exceptions import InvalidParameterValue, MessageRejectedError
    from moto.ses.models import RECIPIENT_LIMIT, Message
    from moto.ses.utils import get_random_message_id, is_valid_address

    template = params["Content"]["Template"]
    if not isinstance(template, dict):
        raise _bad_request("Content.Template must be an object.")
    source = params.get("FromEmailAddress")
    destinations = _destinations(params.get("Destination"))
    headers = _headers(template.get("Headers", []))
    recipients = [address for addresses in destinations.values() for address in addresses]
    if len(recipients) > RECIPIENT_LIMIT:
        raise MessageRejectedError("Too many recipients.")
    if not isinstance(source, str) or not core._is_verified_address(source):
        core.rejected_messages_count += 1
        raise MessageRejectedError(f"Email address not verified {source}")
    for address in [source, *recipients]:
        problem = is_valid_address(address)
        if problem is not None:
            raise InvalidParameterValue(problem)
    name = template.get("TemplateName")
    if not isinstance(name, str):
        raise _bad_request("the embedded stack sends stored templates named by TemplateName")
    stored = core.templates.get(name)
    if not stored:
        raise _not_found(f"Template {name} does not exist.")
    data = _template_data(template.get("TemplateData", "{}"))
    subject, text, html = (_render(name, str(stored.get(part) or ""), data) for part in _PARTS)

    core.__process_sns_feedback__(source, destinations)
    message: Any = Message(get_random_message_id(), source, subject, html or text, destinations)
    # moto's own Message, so a snapshot that pickled it loads without this module; what a
    # templated send adds rides on the instance.
    message.template, message.template_data = name, data
    message.text, message.html, message.headers = text, html, headers
    core.sent_messages.append(message)
    core.sent_message_count += len(recipients)
    return message


def _destinations(given: Any) -> dict[str, list[str]]:
    if not isinstance(given, dict):
        raise _bad_request("Destination must be an object.")
    found: dict[str, list[str]] = {}
    for kind in ("ToAddresses", "CcAddresses", "BccAddresses"):
        addresses = given.get(kind, [])
        if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
            raise _bad_request(f"Destination.{kind} must be a list of addresses.")
        if addresses:
            found[kind] = list(addresses)
    return found


def _headers(given: Any) -> dict[str, str]:
    if not isinstance(given, list) or len(given) > MAX_HEADERS:
        raise _bad_request(f"Headers must be a list of at most {MAX_HEADERS} headers.")
    headers: dict[str, str] = {}
    for header in given:
        name = header.get("Name") if isinstance(header, dict) else None
        value = header.get("Value") if isinstance(header, dict) else None
        if not isinstance(name, str) or not isinstance(value, str) or not name:
            raise _bad_request("Every header needs a Name and a Value.")
        headers[name] = value
    return headers


def _template_data(given: Any) -> dict[str, Any]:
    if not isinstance(given, str) or len(given) > MAX_TEMPLATE_DATA:
        raise _bad_request("Unable to parse template data (invalid JSON).")
    try:
        data = json.loads(given)
    except ValueError:
        raise _bad_request("Unable to parse template data (invalid JSON).") from None
    if not isinstance(data, dict):
        raise _bad_request("Unable to parse template data (invalid JSON).")
    return data


def _render(name: str, source: str, data: dict[str, Any]) -> str:
    from pybars import PybarsError

    try:
        return str(_compiled(source)(data))
    except (PybarsError, RecursionError) as exc:
        raise _bad_request(f"Template {name} could not be rendered: {exc}") from None


@functools.lru_cache(maxsize=128)  # compiling a campaign template takes ~0.15 s; rendering µs
def _compiled(source: str) -> Any:
    from pybars import Compiler

    return Compiler().compile(source)


def _bad_request(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("BadRequestException", message)


def _not_found(message: str) -> Exception:
    from moto.ses.exceptions import NotFoundException

    return NotFoundException(message)
