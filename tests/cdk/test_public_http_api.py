"""The campaigns stack's public HTTP API as decision 0078 has it: one route per `http_routes`
key of the spec, each to its function with payload 2.0; a throttled, access-logged `$default`
stage; its URL published for the CLI and handed to every function of the service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tctfmsg.core import resources

from .conftest import STAGE
from .roles import function_of, logical_id

SERVICE = "campaigns"
UNSUBSCRIBE = resources.function("campaign_unsubscribe")


@pytest.fixture(scope="module")
def template(templates: dict[str, Template]) -> Template:
    return templates[SERVICE]


def _api_id(template: Template) -> str:
    name = resources.physical_name(STAGE, f"{SERVICE}_public")
    return logical_id(template, "AWS::ApiGatewayV2::Api", "Name", name)


def _resources(template: Template, kind: str) -> dict[str, Any]:
    return {k: v["Properties"] for k, v in template.find_resources(kind).items()}


def test_the_api_is_an_http_api_with_the_specs_routes_and_nothing_else(template):
    api_id = _api_id(template)
    assert _resources(template, "AWS::ApiGatewayV2::Api")[api_id]["ProtocolType"] == "HTTP"
    routes = {
        props["RouteKey"]: props
        for props in _resources(template, "AWS::ApiGatewayV2::Route").values()
        if props["ApiId"] == {"Ref": api_id}
    }
    declared = {
        route
        for spec in resources.FUNCTIONS
        if spec.service == SERVICE
        for route in spec.http_routes
    }
    assert set(routes) == declared >= {"GET /unsubscribe", "POST /unsubscribe"}
    assert all(props.get("AuthorizationType", "NONE") == "NONE" for props in routes.values())


def test_each_route_invokes_its_function_with_payload_2(template):
    api_id = _api_id(template)
    integrations = {
        k: v
        for k, v in _resources(template, "AWS::ApiGatewayV2::Integration").items()
        if v["ApiId"] == {"Ref": api_id}
    }
    assert integrations
    for props in integrations.values():
        assert props["IntegrationType"] == "AWS_PROXY"
        assert props["PayloadFormatVersion"] == "2.0"
    unsubscribe_fn, _ = function_of(template, UNSUBSCRIBE)
    uris = json.dumps([p["IntegrationUri"] for p in integrations.values()])
    assert unsubscribe_fn in uris


def test_the_default_stage_is_throttled_and_access_logged_without_tokens(template):
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "ApiId": {"Ref": _api_id(template)},
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": Match.object_like(
                {
                    "ThrottlingRateLimit": Match.any_value(),
                    "ThrottlingBurstLimit": Match.any_value(),
                }
            ),
            "AccessLogSettings": Match.object_like({"DestinationArn": Match.any_value()}),
        },
    )
    [stage] = [
        s
        for s in _resources(template, "AWS::ApiGatewayV2::Stage").values()
        if s["ApiId"] == {"Ref": _api_id(template)}
    ]
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert "routeKey" in fields and "status" in fields
    assert not any("query" in v.lower() or "path" in v.lower() for v in fields.values())


def test_its_url_is_published_and_given_to_every_function_of_the_service(template):
    api_id = _api_id(template)
    outputs = template.to_json()["Outputs"]
    key = resources.public_url_output_key(SERVICE)
    assert {"Fn::GetAtt": [api_id, "ApiEndpoint"]} == outputs[key]["Value"]
    for spec in resources.FUNCTIONS:
        if spec.service != SERVICE:
            continue
        _, props = function_of(template, spec)
        variables = props["Environment"]["Variables"]
        assert variables["TCTFMSG_PUBLIC_BASE_URL"] == {"Fn::GetAtt": [api_id, "ApiEndpoint"]}


def test_only_a_service_with_http_routes_has_a_public_api(templates):
    for service in resources.SERVICES:
        has_routes = any(f.http_routes for f in resources.FUNCTIONS if f.service == service)
        outputs = templates[service].to_json().get("Outputs", {})
        assert (resources.public_url_output_key(service) in outputs) is has_routes


def test_every_route_reaches_the_function_that_declares_it(template):
    """Each function's own integration: two functions' routes never share one (every spec
    function's construct id is the same, so an integration keyed by it would)."""
    api_id = _api_id(template)
    integrations = _resources(template, "AWS::ApiGatewayV2::Integration")
    routes = [p for p in _resources(template, "AWS::ApiGatewayV2::Route").values()]
    reached: dict[str, str] = {}
    for props in routes:
        if props["ApiId"] != {"Ref": api_id}:
            continue
        target = json.dumps(props["Target"])
        (integration,) = [k for k in integrations if k in target]
        reached[props["RouteKey"]] = json.dumps(integrations[integration]["IntegrationUri"])
    for spec in resources.FUNCTIONS:
        if spec.service != SERVICE:
            continue
        logical, _ = function_of(template, spec)
        for route in spec.http_routes:
            assert logical in reached[route], f"{route} does not reach {spec.logical}"
