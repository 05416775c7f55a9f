"""The app as a whole: stack names, independence, the CLI's view of it, the stage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Annotations, Match, Template

from cdk.app import build_app, context_from_argv, stage_of
from tctfmsg.core import resources, stack_outputs
from tctfmsg.core.errors import ConfigurationError

from .conftest import STAGE


def test_there_is_one_stack_per_service_named_by_the_spec(
    assembly: cx_api.CloudAssembly,
) -> None:
    assert sorted(stack.stack_name for stack in assembly.stacks) == sorted(
        resources.stack_name(STAGE, service) for service in resources.SERVICES
    )


def test_stacks_share_nothing_so_each_deploys_on_its_own(
    assembly: cx_api.CloudAssembly,
) -> None:
    stack_ids = {stack.id for stack in assembly.stacks}
    for stack in assembly.stacks:
        text = json.dumps(stack.template)
        assert "Fn::ImportValue" not in text
        assert all("Export" not in o for o in stack.template.get("Outputs", {}).values())
        assert not {d.id for d in stack.dependencies} & stack_ids


def test_every_stack_has_a_resource_so_cloudformation_accepts_it(
    templates: dict[str, Template],
) -> None:
    for service, template in templates.items():
        assert template.to_json().get("Resources"), f"{service} stack has no resources"


def test_no_stack_carries_an_error_annotation(app: cdk.App, assembly: cx_api.CloudAssembly) -> None:
    for service in resources.SERVICES:
        stack = cdk.Stack.of(app.node.find_child(resources.stack_name(STAGE, service)))
        assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []


def test_the_cli_finds_every_resource_name_in_the_stack_outputs(
    assembly: cx_api.CloudAssembly, tmp_path: Path
) -> None:
    cloudformation = _DeployedStacks(assembly)

    names = stack_outputs.discover(STAGE, cloudformation, tmp_path / "names.json")

    assert names == {
        spec.logical: spec.physical_name(STAGE)
        for specs in (resources.TABLES, resources.QUEUES, resources.SECRETS, resources.FUNCTIONS)
        for spec in specs
    }


class _DeployedStacks:
    """describe_stacks as CloudFormation would answer it once the assembly is deployed."""

    def __init__(self, assembly: cx_api.CloudAssembly) -> None:
        self.outputs = {
            stack.stack_name: [
                {"OutputKey": key, "OutputValue": output["Value"]}
                for key, output in stack.template.get("Outputs", {}).items()
            ]
            for stack in assembly.stacks
        }

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": StackName, "Outputs": self.outputs[StackName]}]}


def test_stage_comes_from_context_before_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TCTFMSG_STAGE", "fromenv")

    assert stage_of(cdk.App(context={"stage": "fromcontext"})) == "fromcontext"
    assert stage_of(cdk.App()) == "fromenv"


def test_stage_defaults_to_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TCTFMSG_STAGE", raising=False)

    assert stage_of(cdk.App()) == "dev"


def test_a_stage_that_cannot_name_resources_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="stage"):
        build_app({"stage": "Prod_EU"})


def test_context_options_are_read_as_the_cdk_cli_writes_them() -> None:
    assert context_from_argv(["-c", "stage=qa", "--context", "bundling=skip"]) == {
        "stage": "qa",
        "bundling": "skip",
    }
    with pytest.raises(ConfigurationError):
        context_from_argv(["-c", "stage"])
