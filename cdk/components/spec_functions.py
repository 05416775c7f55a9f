"""Every Lambda function the resource spec gives one service: its queue, schedule or API, and its
outputs.

Each role gets exactly what the function's spec says it uses (docs/decisions/0031): read or
read-write on the tables it names, send on its queues, read on its secrets, invoke on the
functions it starts, SES sending and what sending takes of the shared slice if it sends email
(`resources.SENDING`); reading its source queue comes with the event source. Nothing of the
service beyond that. A table or secret of the shared slice is granted by its stage-derived name
(docs/decisions/0063); a sender's environment carries its share of the provider rate budget.
A stack may reserve a queue-fed function's instances (`reserved`): its reserved concurrency is
its maximum concurrency, which the account's other functions can then never take (0071). That
maximum is the stage's (cdk/stages/<stage>.toml), else the spec's; a function invoked
asynchronously sends what failed every retry to its spec's `on_failure` queue (0087).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk.components.function_settings import function_settings
from cdk.components.iam_rest_api import IamRestApi
from cdk.components.nag import acknowledge
from cdk.components.python_function import PythonFunction
from cdk.components.shared_references import SharedReferences
from cdk.components.spec_resources import SpecResources, publish_name
from cdk.components.stage_config import stage_config
from tctfmsg.core import resources

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
        shared: SharedReferences,
        reserved: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.service = service
        self.reserved = reserved
        self.stage = stage
        self.data = data
        # What a function may name: its own service's resources and the shared slice.
        self.tables: dict[str, dynamodb.ITable] = {**shared.tables, **data.tables}
        self.secrets: dict[str, secretsmanager.ISecret] = {**shared.secrets, **data.secrets}
        self.environment = function_settings(self)
        self.config = stage_config(self, stage)
        specs = [spec for spec in resources.FUNCTIONS if spec.service == service]
        unknown = set(reserved) - {spec.logical for spec in specs if spec.queue_source}
        if unknown:  # only a queue-fed function's instances are bounded by the spec
            raise KeyError(
                f"cannot reserve {sorted(unknown)}: not queue-fed functions of {service}"
            )
        self.apis: dict[str, IamRestApi] = {}
        self.functions = {spec.logical: self._function(spec) for spec in specs}

    def _function(self, spec: resources.FunctionSpec) -> PythonFunction:
        source = spec.queue_source
        # the stage's bound on its instances (cdk/stages/<stage>.toml), else the spec's
        instances = self.config.max_concurrency(spec) if source else None
        too_few = instances is not None and instances < _MIN_EVENT_SOURCE_CONCURRENCY
        reserve = too_few or spec.logical in self.reserved
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
            reserved_concurrency=instances if reserve else None,
            environment={**self.environment, **resources.function_environment(spec, instances)},
        )
        if source:
            fn.consume(
                self.data.queues[source.queue],
                batch_size=source.batch_size,
                max_concurrency=None if too_few else instances,
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
        if spec.on_failure:  # what failed every async retry is kept, not dropped (0087)
            queue = _named(self.data.queues, "queue", spec.on_failure, spec)
            fn.function.configure_async_invoke(on_failure=destinations.SqsDestination(queue))
        if spec.api:
            self.apis[spec.logical] = self._api(spec, fn)
        self._grant(fn, spec)
        publish_name(self, spec.logical, spec.physical_name(self.stage), spec.purpose)
        return fn

    def _api(self, spec: resources.FunctionSpec, fn: PythonFunction) -> IamRestApi:
        api = IamRestApi(
            self,
            f"{spec.logical}_api",
            handler=fn.function,
            name=spec.physical_name(self.stage),
            description=spec.purpose,
            **self.config.limits(spec.logical),  # the stage's throttling, else the API's default
        )
        key = resources.api_url_output_key(spec.logical)
        output = cdk.CfnOutput(self, key, value=api.url, description=f"URL of {spec.logical}")
        output.override_logical_id(key)
        return api

    def _grant(self, fn: PythonFunction, spec: resources.FunctionSpec) -> None:
        grants = spec.grants()
        for logical in grants.tables_read:
            self._table(spec, fn, logical).grant_read_data(fn.role)
        for logical in grants.tables_write:
            self._table(spec, fn, logical).grant_read_write_data(fn.role)
        for logical in spec.queues_send:
            _named(self.data.queues, "queue", logical, spec).grant_send_messages(fn.role)
        for logical in grants.secrets:
            _named(self.secrets, "secret", logical, spec).grant_read(fn.role)
        if spec.invokes:
            self._grant_invoke(fn, spec)
        if spec.sends_email:
            self._grant_ses(fn)

    def _table(
        self, spec: resources.FunctionSpec, fn: PythonFunction, logical: str
    ) -> dynamodb.ITable:
        table = _named(self.tables, "table", logical, spec)
        if resources.table(logical).indexes and logical in self.data.tables:
            table_id = cdk.Stack.of(self).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
            acknowledge(
                fn,
                f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/index/*]",
                "Queries on a table's global secondary indexes need its index ARNs; the "
                "wildcard covers only the indexes of this one table.",
            )
        return table

    def _grant_invoke(self, fn: PythonFunction, spec: resources.FunctionSpec) -> None:
        stack = cdk.Stack.of(self)
        targets = [resources.function(logical) for logical in spec.invokes]
        # Another service is reached only through its door: a function fronted by its API.
        if any(target.service != self.service and not target.api for target in targets):
            raise KeyError(f"function {spec.logical} invokes an inner function of another service")
        # By name, not by reference: a function granted to invoke itself would be a cycle.
        fn.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    stack.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=target.physical_name(self.stage),
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for target in targets
                ],
            )
        )

    def _grant_ses(self, fn: PythonFunction) -> None:
        stack = cdk.Stack.of(self)
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


_Resource = TypeVar("_Resource")


def _named(
    found: Mapping[str, _Resource], kind: str, logical: str, spec: resources.FunctionSpec
) -> _Resource:
    if logical not in found:
        raise KeyError(
            f"function {spec.logical} uses {kind} {logical!r}, which is not in the "
            f"{spec.service} part of the spec nor in the shared one"
        )
    return found[logical]
