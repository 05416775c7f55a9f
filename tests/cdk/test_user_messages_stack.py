"""The user-messages stack as issue 12 needs it: a WebSocket API whose routes are the spec's, a
throttled and logged stage, pushes allowed to this API's connections only and only to the
functions that push, tables that expire what the spec says, and the outputs the CLI and clients
read (docs/decisions/0069, 0073). The attachments bucket: test_chat_attachments.py."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk.stacks import UserMessagesStack
from tctfmsg.core import resources, settings
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.specs import user_messages as chat_spec

from .conftest import OFFLINE, STAGE, STAGE_SETTINGS
from .roles import actions_by_resource, function_of, logical_id, statements_of, table_id

SERVICE = "user_messages"
CONNECT = resources.function("chat_connect")
DISCONNECT = resources.function("chat_disconnect")
DEFAULT = resources.function("chat_default")
SCHEDULER = resources.function("chat_scheduler")
MANAGEMENT_URL_VARIABLE = "TCTFMSG_WEBSOCKET_MANAGEMENT_URL"


@pytest.fixture(scope="module")
def template(templates: dict[str, Template]) -> Template:
    return templates[SERVICE]


def _api_id(template: Template) -> str:
    name = resources.physical_name(STAGE, chat_spec.WEBSOCKET_API)
    return logical_id(template, "AWS::ApiGatewayV2::Api", "Name", name)


def _resource(template: Template, logical: str) -> dict[str, Any]:
    return dict(template.to_json()["Resources"][logical])


def _only(template: Template, kind: str) -> dict[str, Any]:
    [found] = template.find_resources(kind).values()
    return dict(found["Properties"])


def _stage_url(scheme: str, api_id: str) -> dict[str, Any]:
    region, suffix = {"Ref": "AWS::Region"}, {"Ref": "AWS::URLSuffix"}
    parts = [f"{scheme}://", {"Ref": api_id}, ".execute-api.", region, ".", suffix, f"/{STAGE}"]
    return {"Fn::Join": ["", parts]}


def _function_name_of_integration(template: Template, target: dict[str, Any]) -> str:
    integration_id = target["Fn::Join"][1][1]["Ref"]
    uri = _resource(template, integration_id)["Properties"]["IntegrationUri"]
    function_id = next(p["Fn::GetAtt"][0] for p in uri["Fn::Join"][1] if "Fn::GetAtt" in p)
    return str(_resource(template, function_id)["Properties"]["FunctionName"])


# ---- the WebSocket API ------------------------------------------------------------------------


def test_every_route_of_the_spec_invokes_the_function_that_declares_it(
    template: Template,
) -> None:
    api = {"Ref": _api_id(template)}
    routes = [
        r["Properties"]
        for r in template.find_resources("AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["ApiId"] == api
    ]
    declared = {
        route: spec.physical_name(STAGE)
        for spec in resources.FUNCTIONS
        if spec.service == SERVICE
        for route in spec.websocket_routes
    }

    routed = {r["RouteKey"]: _function_name_of_integration(template, r["Target"]) for r in routes}

    assert routed == declared
    assert routed["$connect"] == CONNECT.physical_name(STAGE)
    assert routed["$default"] == DEFAULT.physical_name(STAGE)
    assert routed["$disconnect"] == DISCONNECT.physical_name(STAGE)


def test_frames_are_routed_by_their_action_and_answered_only_through_the_management_api(
    template: Template,
) -> None:
    api = _resource(template, _api_id(template))["Properties"]

    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    # one-way routes: a route response would hand the client a second copy of each answer
    template.resource_count_is("AWS::ApiGatewayV2::RouteResponse", 0)
    assert all(
        "RouteResponseSelectionExpression" not in r["Properties"]
        for r in template.find_resources("AWS::ApiGatewayV2::Route").values()
    )


def test_connect_is_verified_by_its_handler_with_no_authorizer_in_front(
    template: Template,
) -> None:
    template.resource_count_is("AWS::ApiGatewayV2::Authorizer", 0)
    # the handler that verifies holds the signing key; no other chat function does
    holders = {
        spec.logical
        for spec in resources.FUNCTIONS
        if spec.service == SERVICE and "chat_signing_key" in spec.grants().secrets
    }
    assert holders == {CONNECT.logical}


def test_api_gateway_may_invoke_each_route_function_from_this_api_only(
    template: Template,
) -> None:
    api_id = _api_id(template)
    for spec in (CONNECT, DISCONNECT, DEFAULT):
        function_id, _ = function_of(template, spec)
        [permission] = [
            p["Properties"]
            for p in template.find_resources("AWS::Lambda::Permission").values()
            if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
        ]
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert {"Ref": api_id} in permission["SourceArn"]["Fn::Join"][1]
    scheduler_id, _ = function_of(template, SCHEDULER)
    assert not [
        p
        for p in template.find_resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
        and p["Properties"]["FunctionName"] == {"Fn::GetAtt": [scheduler_id, "Arn"]}
    ]


def test_the_stage_is_named_for_the_stage_throttled_and_logs_every_request_but_no_frame(
    template: Template,
) -> None:
    stage = _only(template, "AWS::ApiGatewayV2::Stage")
    routes = stage["DefaultRouteSettings"]
    log_format = json.loads(stage["AccessLogSettings"]["Format"])
    log_group_id = stage["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]

    assert stage["StageName"] == STAGE
    assert stage["ApiId"] == {"Ref": _api_id(template)}
    assert stage["AutoDeploy"] is True
    assert routes["ThrottlingRateLimit"] > 0
    assert routes["ThrottlingBurstLimit"] >= routes["ThrottlingRateLimit"]
    assert _resource(template, log_group_id)["Type"] == "AWS::Logs::LogGroup"
    assert _resource(template, log_group_id)["Properties"]["RetentionInDays"] > 0
    assert {"$context.requestId", "$context.connectionId", "$context.routeKey"} <= set(
        log_format.values()
    )
    assert (routes["LoggingLevel"], routes["DataTraceEnabled"]) == ("ERROR", False)


def test_only_the_functions_that_push_know_the_management_url(template: Template) -> None:
    expected = _stage_url("https", _api_id(template))
    environments = {
        spec.logical: function_of(template, spec)[1]["Environment"]["Variables"]
        for spec in (CONNECT, DISCONNECT, DEFAULT, SCHEDULER)
    }

    assert {logical: env.get(MANAGEMENT_URL_VARIABLE) for logical, env in environments.items()} == {
        CONNECT.logical: None,
        DISCONNECT.logical: None,
        DEFAULT.logical: expected,
        SCHEDULER.logical: expected,
    }


def test_the_management_url_variable_is_the_one_the_settings_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(MANAGEMENT_URL_VARIABLE, "https://abc.execute-api.eu-west-1.amazonaws.com/x")

    assert settings.load().websocket_management_url == (
        "https://abc.execute-api.eu-west-1.amazonaws.com/x"
    )


# ---- pushing ----------------------------------------------------------------------------------


def _manage_connections(template: Template, spec: resources.FunctionSpec) -> list[Any]:
    return [
        statement["Resource"]
        for statement in statements_of(template, spec)
        if "execute-api" in json.dumps(statement["Action"])
    ]


@pytest.mark.parametrize("spec", [DEFAULT, SCHEDULER], ids=lambda spec: spec.logical)
def test_a_function_that_pushes_may_post_to_this_apis_stage_connections_only(
    template: Template, spec: resources.FunctionSpec
) -> None:
    [statement] = [
        s for s in statements_of(template, spec) if "execute-api" in json.dumps(s["Action"])
    ]

    assert statement["Action"] == "execute-api:ManageConnections"
    assert statement["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":execute-api:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":",
                {"Ref": _api_id(template)},
                f"/{STAGE}/POST/@connections/*",
            ],
        ]
    }


@pytest.mark.parametrize("spec", [CONNECT, DISCONNECT], ids=lambda spec: spec.logical)
def test_connect_and_disconnect_cannot_manage_connections(
    template: Template, spec: resources.FunctionSpec
) -> None:
    actions = {a for actions in actions_by_resource(template, spec).values() for a in actions}

    assert _manage_connections(template, spec) == []
    assert not {a for a in actions if a.startswith(("execute-api:", "s3:"))}


# ---- data and outputs -------------------------------------------------------------------------


def test_connections_expire_and_are_found_by_user_as_the_spec_says(template: Template) -> None:
    connections = _resource(template, table_id(template, "chat_connections"))["Properties"]

    assert connections["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    [by_user] = connections["GlobalSecondaryIndexes"]
    assert by_user["IndexName"] == "by_user"
    assert [k["AttributeName"] for k in by_user["KeySchema"]] == ["user_id", "connected_at"]


@pytest.mark.parametrize(
    "spec", [t for t in resources.TABLES if t.owner == SERVICE], ids=lambda spec: spec.logical
)
def test_each_chat_table_expires_items_exactly_where_the_spec_says(
    template: Template, spec: resources.TableSpec
) -> None:
    table = _resource(template, table_id(template, spec.logical))["Properties"]

    expected = (
        {"AttributeName": spec.ttl_attribute, "Enabled": True} if spec.ttl_attribute else None
    )
    assert table.get("TimeToLiveSpecification") == expected


def test_the_cli_and_clients_find_chat_in_the_outputs(template: Template) -> None:
    outputs = template.to_json()["Outputs"]
    tables, queues, secrets = resources.for_owner(SERVICE)
    functions = [f for f in resources.FUNCTIONS if f.service == SERVICE]
    names = {
        spec.logical: spec.physical_name(STAGE) for spec in (*tables, *queues, *secrets, *functions)
    }
    names[chat_spec.ATTACHMENTS_BUCKET] = resources.physical_name(
        STAGE, chat_spec.ATTACHMENTS_BUCKET
    )
    api_id = _api_id(template)

    assert {logical: outputs[resources.output_key(logical)]["Value"] for logical in names} == names
    assert outputs[chat_spec.WEBSOCKET_URL_OUTPUT]["Value"] == _stage_url("wss", api_id)
    assert outputs[chat_spec.MANAGEMENT_URL_OUTPUT]["Value"] == _stage_url("https", api_id)


# ---- the build refuses what it cannot deploy --------------------------------------------------


def test_a_route_claimed_by_two_functions_fails_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    greedy = replace(SCHEDULER, websocket_routes=("$default",), schedule_minutes=None)
    functions = tuple(greedy if f.logical == SCHEDULER.logical else f for f in resources.FUNCTIONS)
    monkeypatch.setattr(resources, "FUNCTIONS", functions)

    with pytest.raises(KeyError, match=r"\$default is handled by both chat_default and"):
        UserMessagesStack(cdk.App(context=OFFLINE), stage=STAGE)


def test_the_management_url_comes_from_the_api_never_from_context_settings() -> None:
    context = {
        **OFFLINE,
        "settings": json.dumps({**STAGE_SETTINGS, "websocket_management_url": "https://x/y"}),
    }

    with pytest.raises(ConfigurationError, match="websocket_management_url"):
        UserMessagesStack(cdk.App(context=context), stage=STAGE)
