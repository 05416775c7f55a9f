"""A Python Lambda function for any service: the one way the stacks build one.

Runtime and architecture are chosen here once (arm64: cheaper per ms than x86_64 for this
I/O-bound code, and the bundler fetches wheels for the same machine). The function logs to its
own log group with a retention, runs under a role that can write only there, and carries the
environment Powertools and `tctfmsg.core.settings` read at cold start.

Tracing is off unless asked for: the Powertools Tracer adds ~170 ms to a cold start (it imports
the X-Ray SDK), which the consumer pays per scaled-out instance and an MFA code pays in latency.
Pass `tracing=True` for a function worth the cost, or while investigating one.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.components.bundling import lambda_code
from cdk.components.depends_on import drop_role_from_depends_on
from cdk.components.nag import acknowledge
from tctfmsg.core import resources

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64


class PythonFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        service: resources.Service,
        stage: str,
        function_name: str | None = None,
        description: str = "",
        memory_mb: int = 512,
        timeout: cdk.Duration | None = None,
        environment: Mapping[str, str] | None = None,
        log_level: str = "INFO",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        reserved_concurrency: int | None = None,
        tracing: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        # Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to
        # every log group in the account; this one writes to its own.
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            function_name=function_name,
            # "lambdas.x.y:handler" (entry-point style) and "lambdas.x.y.handler" both work.
            handler=handler.replace(":", "."),
            code=lambda_code(self, RUNTIME, ARCHITECTURE),
            description=description,
            memory_size=memory_mb,
            timeout=timeout or cdk.Duration.seconds(30),
            role=self.role,
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            environment={
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
                "LOG_LEVEL": log_level,
                "TCTFMSG_TARGET": "aws",
                "TCTFMSG_STAGE": stage,
                **(environment or {}),
            },
        )
        drop_role_from_depends_on(self.function, self.role)  # cfn-lint W3005 (decision 0088)
        if tracing:
            acknowledge(
                self,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level "
                "permissions; AWS documents Resource '*' for them.",
            )

    def consume(
        self,
        queue: sqs.IQueue,
        *,
        batch_size: int = 10,
        max_concurrency: int | None = None,
        max_batching_window: cdk.Duration | None = None,
    ) -> None:
        """Read a queue with partial batch responses; max_concurrency caps pollers (2 to 1000)."""
        self.function.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=batch_size,
                max_concurrency=max_concurrency,
                max_batching_window=max_batching_window,
                report_batch_item_failures=True,
            )
        )
