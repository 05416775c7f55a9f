"""Every Lambda function the resource spec gives one service: its queue or schedule, its output.

Until the spec says which resources each function touches, every function of a service may use
every table, queue and secret of that service, invoke that service's functions (the scheduler
hands on to itself) and send email through SES. The boundary is the service, not the function.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk.components.function_settings import function_settings
from cdk.components.nag import acknowledge
from cdk.components.python_function import PythonFunction
from cdk.components.spec_resources import SpecResources, publish_name
from tctfmsg import resources

# Lambda's SQS event sources cap concurrency from 2 upwards; below that, reserve concurrency.
_MIN_EVENT_SOURCE_CONCURRENCY = 2


class SpecFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: resources.Service,
        stage: str,
        data: SpecResources,
    ) -> None:
        super().__init__(scope, construct_id)
        self.service = service
        self.stage = stage
        self.data = data
        self.environment = function_settings(self)
        specs = [spec for spec in resources.FUNCTIONS if spec.service == service]
        self.functions = {spec.logical: self._function(spec, specs) for spec in specs}

    def _function(
        self, spec: resources.FunctionSpec, siblings: list[resources.FunctionSpec]
    ) -> PythonFunction:
        source = spec.queue_source
        reserve = source and source.max_concurrency < _MIN_EVENT_SOURCE_CONCURRENCY
        fn = PythonFunction(
            self,
            spec.logical,
            handler=spec.handler,
            service=self.service,
            stage=self.stage,
            function_name=spec.physical_name(self.stage),
            description=spec.purpose,
            memory_mb=spec.memory_mb,
            timeout=cdk.Duration.seconds(spec.timeout_s),
            reserved_concurrency=source.max_concurrency if source and reserve else None,
            environment=self.environment,
        )
        if source:
            fn.consume(
                self.data.queues[source.queue],
                batch_size=source.batch_size,
                max_concurrency=None if reserve else source.max_concurrency,
                max_batching_window=cdk.Duration.seconds(source.max_batching_window_s)
                if source.max_batching_window_s
                else None,
            )
        if spec.schedule_minutes:
            events.Rule(
                self,
                f"{spec.logical}_schedule",
                schedule=events.Schedule.rate(cdk.Duration.minutes(spec.schedule_minutes)),
                targets=[targets.LambdaFunction(fn.function)],
            )
        self._grant_service_access(fn, siblings)
        publish_name(self, spec.logical, spec.physical_name(self.stage), spec.purpose)
        return fn

    def _grant_service_access(
        self, fn: PythonFunction, siblings: list[resources.FunctionSpec]
    ) -> None:
        stack = cdk.Stack.of(self)
        for table in self.data.tables.values():
            table.grant_read_write_data(fn.role)
            if table.node.default_child.global_secondary_indexes:  # type: ignore[union-attr]
                table_id = stack.get_logical_id(table.node.default_child)  # type: ignore[arg-type]
                acknowledge(
                    fn,
                    f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/index/*]",
                    "Queries on a table's global secondary indexes need its index ARNs; the "
                    "wildcard covers only the indexes of this one table.",
                )
        for queue in self.data.queues.values():
            queue.grant_send_messages(fn.role)
        for secret in self.data.secrets.values():
            secret.grant_read(fn.role)
        # By name, not by reference: a function granted to invoke itself would be a cycle.
        fn.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    stack.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=sibling.physical_name(self.stage),
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for sibling in siblings
                ],
            )
        )
        ses_resources = ("identity", "configuration-set")
        fn.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[
                    stack.format_arn(service="ses", resource=kind, resource_name="*")
                    for kind in ses_resources
                ],
            )
        )
        for kind in ses_resources:
            acknowledge(
                fn,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:"
                f"<AWS::AccountId>:{kind}/*]",
                "Sending identities and configuration sets are verified per account by "
                "operators, not declared in the spec; the wildcard stays in this account and "
                "region and allows sending only.",
            )
