"""cfn-lint finds no error and no warning in any synthesized template (decision 0088)."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import cx_api
from cfnlint.api import ManualArgs, lint_file

# Where a stage may deploy: a rule on regional support (runtimes, resource types) runs per region.
REGIONS = ["us-east-1", "eu-west-1"]


def _findings(template: Path) -> list[str]:
    matches = lint_file(template, ManualArgs(regions=REGIONS))
    return [
        f"{template.name}: {match.rule.id} {match.message} ({match.path_string})"
        for match in matches
        if match.rule.id[0] in "EW"
    ]


def test_every_synthesized_template_is_free_of_cfn_lint_errors_and_warnings(
    assembly: cx_api.CloudAssembly,
) -> None:
    templates = [Path(stack.template_full_path) for stack in assembly.stacks]

    assert len(templates) >= 4  # the shared stack and one per service
    findings = [finding for template in templates for finding in _findings(template)]
    assert findings == []


def test_lambda_functions_depend_on_their_policy_but_not_on_their_role(
    assembly: cx_api.CloudAssembly,
) -> None:
    for stack in assembly.stacks:
        resources = stack.template["Resources"]
        for function in (r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"):
            role = function["Properties"]["Role"]["Fn::GetAtt"][0]
            assert role not in function.get("DependsOn", [])
            assert f"{role[:-8]}DefaultPolicy" in " ".join(function["DependsOn"])


def test_the_check_reports_a_warning_when_there_is_one(tmp_path: Path) -> None:
    template = tmp_path / "redundant.template.json"
    queue = {"Type": "AWS::SQS::Queue", "Properties": {}}
    policy = {
        "Type": "AWS::SQS::QueuePolicy",
        "DependsOn": ["Queue"],
        "Properties": {"Queues": [{"Ref": "Queue"}], "PolicyDocument": {"Statement": []}},
    }
    template.write_text(json.dumps({"Resources": {"Queue": queue, "Policy": policy}}))

    assert any(": W3005 " in finding for finding in _findings(template))
