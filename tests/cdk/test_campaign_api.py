"""The REST API in front of each API function: IAM on every method, proxied to the function,
access-logged, throttled, and its URL published under the spec's output key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from cdk.components.iam_rest_api import STAGE_NAME
from tctfmsg.core import resources

from .conftest import STAGE, THROTTLING
from .roles import function_of

API_FUNCTIONS = [f for f in resources.FUNCTIONS if f.api]
_ids = {"ids": lambda spec: spec.logical}


def _api(template: Template, spec: resources.FunctionSpec) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(
        "AWS::ApiGateway::RestApi", {"Properties": {"Name": spec.physical_name(STAGE)}}
    )
    assert len(found) == 1, f"expected one REST API named {spec.physical_name(STAGE)}"
    logical_id, api = next(iter(found.items()))
    return logical_id, api["Properties"]


def _of_api(template: Template, kind: str, api_id: str) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in template.find_resources(kind).values()
        if r["Properties"].get("RestApiId") == {"Ref": api_id}
    ]


def test_the_campaign_and_notification_apis_are_the_api_functions() -> None:
    assert {f.logical for f in API_FUNCTIONS} == {"campaign_api", "notification_api"}


@pytest.mark.parametrize("service", resources.SERVICES)
def test_only_api_functions_get_a_rest_api(
    templates: dict[str, Template], service: resources.Service
) -> None:
    templates[service].resource_count_is(
        "AWS::ApiGateway::RestApi", len([f for f in API_FUNCTIONS if f.service == service])
    )


@pytest.mark.parametrize("spec", API_FUNCTIONS, **_ids)
def test_every_method_requires_iam_authorisation(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    api_id, props = _api(template, spec)

    methods = _of_api(template, "AWS::ApiGateway::Method", api_id)

    assert props["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert {m["HttpMethod"] for m in methods} == {"ANY"}
    assert len(methods) == 2  # the root and {proxy+}
    assert [m["AuthorizationType"] for m in methods] == ["AWS_IAM"] * len(methods)


@pytest.mark.parametrize("spec", API_FUNCTIONS, **_ids)
def test_every_path_is_proxied_to_the_function(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    api_id, _ = _api(template, spec)
    function_id, _ = function_of(template, spec)

    methods = _of_api(template, "AWS::ApiGateway::Method", api_id)
    [proxy] = _of_api(template, "AWS::ApiGateway::Resource", api_id)

    assert proxy["PathPart"] == "{proxy+}"
    for method in methods:
        integration = method["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert {"Fn::GetAtt": [function_id, "Arn"]} in integration["Uri"]["Fn::Join"][1]


@pytest.mark.parametrize("spec", API_FUNCTIONS, **_ids)
def test_only_this_api_may_invoke_the_function(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    api_id, _ = _api(template, spec)
    function_id, _ = function_of(template, spec)

    permissions = [
        p["Properties"]
        for p in template.find_resources("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]

    assert permissions
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert {"Ref": api_id} in permission["SourceArn"]["Fn::Join"][1]


@pytest.mark.parametrize("spec", API_FUNCTIONS, **_ids)
def test_stage_logs_access_and_errors_and_is_throttled(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    api_id, _ = _api(template, spec)

    [stage] = _of_api(template, "AWS::ApiGateway::Stage", api_id)

    assert stage["StageName"] == STAGE_NAME
    log_group_id = stage["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    log_group = template.to_json()["Resources"][log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 30
    access_fields = json.loads(stage["AccessLogSetting"]["Format"])
    assert {"requestId", "caller", "user", "ip", "httpMethod", "resourcePath", "status"} <= set(
        access_fields
    )
    assert stage["MethodSettings"] == [
        {
            "HttpMethod": "*",
            "ResourcePath": "/*",
            "LoggingLevel": "ERROR",
            "DataTraceEnabled": False,  # request bodies carry recipients' data
            "MetricsEnabled": True,
            # the stage's (cdk/stages/<stage>.toml [throttling])
            "ThrottlingRateLimit": THROTTLING[spec.logical]["rate"],
            "ThrottlingBurstLimit": THROTTLING[spec.logical]["burst"],
        }
    ]


@pytest.mark.parametrize("spec", API_FUNCTIONS, **_ids)
def test_the_url_is_published_under_the_spec_output_key_and_nowhere_else(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    api_id, _ = _api(template, spec)
    [stage_id] = [
        logical_id
        for logical_id, r in template.find_resources("AWS::ApiGateway::Stage").items()
        if r["Properties"]["RestApiId"] == {"Ref": api_id}
    ]
    outputs = template.to_json()["Outputs"]

    url = outputs[resources.api_url_output_key(spec.logical)]["Value"]["Fn::Join"][1]

    assert url[:2] == ["https://", {"Ref": api_id}]
    assert {"Ref": stage_id} in url
    mentioning_api = [k for k, o in outputs.items() if f'"Ref": "{api_id}"' in json.dumps(o)]
    assert mentioning_api == [resources.api_url_output_key(spec.logical)]


@pytest.mark.parametrize("spec", API_FUNCTIONS, **_ids)
def test_the_function_fits_in_api_gateways_integration_timeout(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    _, props = function_of(templates[spec.service], spec)

    assert props["Timeout"] <= 29
