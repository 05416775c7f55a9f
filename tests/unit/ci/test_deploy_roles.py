"""The roles the workflows assume trust only GitHub's tokens for one repository and one
environment, and may do nothing but assume the CDK bootstrap roles (docs/decisions/0089)."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from tests.support import workflows as wf
from tests.support.workflows import REPO

TEMPLATE = REPO / ".github" / "aws" / "deploy-roles.yaml"
ISSUER = "token.actions.githubusercontent.com"
BOOTSTRAP_ROLE = re.compile(
    r"arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role/cdk-\$\{CdkQualifier\}-"
    r"(deploy|file-publishing|lookup)-role-\$\{AWS::AccountId\}-\$\{AWS::Region\}"
)


def roles() -> dict[str, dict[str, Any]]:
    resources = wf.load(TEMPLATE)["Resources"]
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::IAM::Role"}


def trusted_subject(role: dict[str, Any]) -> str:
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"]["Fn::Sub"].endswith(f"oidc-provider/{ISSUER}")
    assert set(statement["Condition"]) == {"StringEquals"}  # no StringLike: no wildcard subject
    condition = statement["Condition"]["StringEquals"]
    assert condition[f"{ISSUER}:aud"] == "sts.amazonaws.com"
    return str(condition[f"{ISSUER}:sub"]["Fn::Sub"])


def assumable(role: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole"
            targets = statement["Resource"]
            for target in targets if isinstance(targets, list) else [targets]:
                match = BOOTSTRAP_ROLE.fullmatch(target["Fn::Sub"])
                assert match, target
                found.add(match.group(1))
    return found


def test_the_roles_template_passes_cfn_lint() -> None:
    result = subprocess.run(
        [wf.tool("cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_role_trusts_one_repository_and_one_environment_only() -> None:
    subjects = {name: trusted_subject(role) for name, role in roles().items()}
    assert subjects == {
        "DeployRole": "repo:${GitHubRepository}:environment:${Stage}",
        "DiffRole": "repo:${GitHubRepository}:environment:${Stage}-diff",
    }


def test_the_diff_role_can_only_read_and_the_deploy_role_only_use_cdks_roles() -> None:
    assert assumable(roles()["DiffRole"]) == {"lookup"}
    assert assumable(roles()["DeployRole"]) == {"deploy", "file-publishing", "lookup"}


def test_each_job_assumes_the_role_its_environment_is_trusted_by() -> None:
    for job in wf.pipeline()["jobs"].values():
        for step in wf.uses_steps(job, "aws-actions/configure-aws-credentials"):
            role = step["with"]["role-to-assume"]
            if "AWS_DIFF_ROLE_ARN" in role:
                assert job["environment"].endswith("-diff")
            else:
                assert "AWS_DEPLOY_ROLE_ARN" in role
                assert job["environment"] in ("dev", "prod")
