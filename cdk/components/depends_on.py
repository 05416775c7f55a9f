"""A Lambda function's DependsOn without its role, which its `Role` GetAtt already orders.

CDK's Function depends on its role construct, so the function waits for the role's
DefaultPolicy (an event source mapping is refused until the role may read its queue). That
construct holds the role too, and cfn-lint flags the role's half as redundant (W3005). The
override is computed at synth, after CDK has turned construct dependencies into DependsOn, so
every other dependency, the policy's first, stays as CDK wrote it.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_


def drop_role_from_depends_on(function: lambda_.Function, role: iam.Role) -> None:
    resource = function.node.default_child
    role_resource = role.node.default_child
    assert isinstance(resource, cdk.CfnResource) and isinstance(role_resource, cdk.CfnResource)
    resource.add_override("DependsOn", _DependsOnWithout(resource, role_resource))


@jsii.implements(cdk.IResolvable)
class _DependsOnWithout:
    def __init__(self, resource: cdk.CfnResource, left_out: cdk.CfnResource) -> None:
        self._resource = resource
        self._left_out = left_out.node.path

    @property
    def creation_stack(self) -> list[str]:
        return []

    def resolve(self, context: Any) -> list[str]:
        stack = cdk.Stack.of(self._resource)
        return sorted(
            stack.resolve(stack.get_logical_id(dependency))
            for dependency in self._resource.obtain_dependencies()
            if isinstance(dependency, cdk.CfnResource)
            and cdk.Stack.of(dependency).node.path == stack.node.path  # others: stack order
            and dependency.node.path != self._left_out
        )

    def to_string(self) -> str:
        return "DependsOn without the role"
