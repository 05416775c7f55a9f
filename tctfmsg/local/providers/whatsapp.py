"""The WhatsApp Business Cloud API's send (`POST /v21.0/{phone_number_id}/messages`) as Meta
answers it: Bearer token, the sender's phone number id, template and text messages checked,
and Graph errors (`{"error": {"message", "type", "code", "fbtrace_id"}}`) with Meta's codes.

`PUT /_local/undeliverable {"to": "..."}` makes sends to a number fail with 131026 (not on
WhatsApp), as Meta answers for a number it cannot deliver to.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.base import ProviderEndpoint, bearer, json_response

PATH = re.compile(r"^/v[0-9]+\.[0-9]+/([0-9]+)/messages$")
NUMBER = re.compile(r"^\+?[1-9][0-9]{6,14}$")
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
MAX_TEXT = 4096


class WhatsAppEndpoint(ProviderEndpoint):
    name = "whatsapp-cloud"
    channel = "whatsapp"

    def __init__(self, token: str, phone_number_id: str) -> None:
        super().__init__()
        self.token = token
        self.phone_number_id = phone_number_id
        self._lock = threading.Lock()
        self.undeliverable: set[str] = set()

    def control(self, what: str, request: Request) -> Response | None:
        if what != "undeliverable" or request.method != "PUT":
            return None
        to = (request.get_json(silent=True) or {}).get("to")
        if not isinstance(to, str) or not NUMBER.match(to):
            return json_response({"error": "to must be a phone number"}, 400)
        with self._lock:
            self.undeliverable.add(to.lstrip("+"))
        return json_response({"provider": self.name, "undeliverable": to})

    def handle(self, request: Request) -> Response:
        found = PATH.match(request.path)
        if request.method != "POST" or not found:
            return _error(400, 100, "Unsupported request - method type: " + request.method)
        if bearer(request) != self.token:
            return _error(
                401, 190, "Invalid OAuth access token - Cannot parse access token", "OAuthException"
            )
        if found.group(1) != self.phone_number_id:
            return _error(
                400,
                100,
                f"Unsupported post request. Object with ID '{found.group(1)}' does not exist",
                "GraphMethodException",
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, 100, "(#100) The parameter messaging_product is required.")
        problem = _check(body)
        if problem:
            return _error(400, problem[0], problem[1])
        to = body["to"]
        with self._lock:
            dead = to.lstrip("+") in self.undeliverable
        if dead:
            return _error(400, 131026, "(#131026) Message Undeliverable.")
        message_id = "wamid." + base64.b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        template = body.get("template") or {}
        parameters = _parameters(template)
        text = body["text"]["body"] if body.get("type", "text") == "text" else None
        self.outbox.record(
            id=message_id,
            channel=self.channel,
            to=to,
            type=template.get("name"),
            text=text if text is not None else " | ".join(parameters.values()),
            language=(template.get("language") or {}).get("code"),
            parameters=parameters,
        )
        return json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                "messages": [{"id": message_id, "message_status": "accepted"}],
            }
        )

    def outage(self, request: Request) -> Response:
        return _error(503, 2, "Service temporarily unavailable", "OAuthException")

    def throttled(self, request: Request) -> Response:
        return _error(400, 130429, "(#130429) Rate limit hit")


def _check(body: dict[str, Any]) -> tuple[int, str] | None:
    if body.get("messaging_product") != "whatsapp":
        return 100, "(#100) The parameter messaging_product is required."
    to = body.get("to")
    if not isinstance(to, str) or not NUMBER.match(to):
        return 100, "(#100) Invalid parameter: to"
    kind = body.get("type", "text")
    if kind == "text":
        text = body.get("text")
        value = text.get("body") if isinstance(text, dict) else None
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT:
            return 100, "(#100) The parameter text['body'] is required."
        return None
    if kind != "template":
        return 131051, "(#131051) Unsupported message type"
    template = body.get("template")
    if not isinstance(template, dict) or not TEMPLATE_NAME.match(str(template.get("name"))):
        return 132001, "(#132001) Template name does not exist in the translation"
    language = template.get("language")
    if not isinstance(language, dict) or not LANGUAGE.match(str(language.get("code"))):
        return 100, "(#100) Invalid parameter: template['language']['code']"
    components = template.get("components", [])
    if not isinstance(components, list) or not all(_component_ok(c) for c in components):
        return 132012, "(#132012) Parameter format does not match format in the created template"
    return None


def _component_ok(component: object) -> bool:
    if not isinstance(component, dict) or not isinstance(component.get("type"), str):
        return False
    parameters = component.get("parameters", [])
    return isinstance(parameters, list) and all(
        isinstance(p, dict)
        and p.get("type") == "text"
        and isinstance(p.get("text"), str)
        and len(p["text"]) <= MAX_TEXT
        for p in parameters
    )


def _parameters(template: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for component in template.get("components", []):
        for i, parameter in enumerate(component.get("parameters", []), start=1):
            found[str(parameter.get("parameter_name") or i)] = parameter["text"]
    return found


def _error(status: int, code: int, message: str, kind: str = "OAuthException") -> Response:
    return json_response(
        {
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "fbtrace_id": uuid.uuid4().hex[:23],
            }
        },
        status,
    )
