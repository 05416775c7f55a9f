"""Every table, queue and secret the resource spec gives one owner (a service, or the shared
slice), each with an output.

Names, keys, indexes, TTL attributes and queue settings are read from `tctfmsg.core.resources`;
nothing here repeats them. Each output is keyed `resources.output_key(logical)` and holds the
physical name, which is how the CLI finds a deployed stage (tctfmsg/core/stack_outputs.py).
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.components.nag import acknowledge
from cdk.components.secret_rotation import no_rotation_reason
from cdk.components.stage_config import DEV
from tctfmsg.core import resources

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


class SpecResources(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, owner: resources.Owner, stage: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        tables, queues, secrets = resources.for_owner(owner)
        self.tables: dict[str, dynamodb.Table] = {t.logical: self._table(t) for t in tables}
        self._queue_specs = {q.logical: q for q in queues}
        self.queues: dict[str, sqs.Queue] = {}
        for spec in queues:
            self._queue(spec.logical)
        self.secrets = {spec.logical: self._secret(spec) for spec in secrets}
        if not (tables or queues or secrets):
            # CloudFormation refuses a template without resources; this no-op handle lets the
            # stack deploy (and be found by the CLI) before its service gains real resources.
            cdk.CfnWaitConditionHandle(self, "Placeholder")

    def _table(self, spec: resources.TableSpec) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            spec.logical,
            table_name=spec.physical_name(self.stage),
            partition_key=_attribute(spec.partition),
            sort_key=_attribute(spec.sort) if spec.sort else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=spec.ttl_attribute,
            # Every table holds state someone would miss; deleting a stack must not delete it,
            # and outside dev nothing deletes it until an operator turns this off (0087).
            removal_policy=cdk.RemovalPolicy.RETAIN,
            deletion_protection=self.stage != DEV,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition),
                sort_key=_attribute(index.sort) if index.sort else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        self._output(spec.logical, spec.physical_name(self.stage), spec.purpose)
        return table

    def _queue(self, logical: str) -> sqs.Queue:
        if logical in self.queues:
            return self.queues[logical]
        spec = self._queue_specs.get(logical)
        if spec is None:  # a dead-letter queue of another stack would be a cross-stack reference
            raise KeyError(f"queue {logical!r} is not in this stack's part of the spec")
        dead_letter = None
        if spec.dead_letter:
            dead_letter = sqs.DeadLetterQueue(
                queue=self._queue(spec.dead_letter), max_receive_count=spec.max_receives
            )
        queue = sqs.Queue(
            self,
            spec.logical,
            queue_name=spec.physical_name(self.stage),
            visibility_timeout=cdk.Duration.seconds(spec.visibility_timeout_s),
            retention_period=cdk.Duration.seconds(spec.retention_s),
            dead_letter_queue=dead_letter,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queues[logical] = queue
        if any(f.on_failure == logical for f in resources.FUNCTIONS):
            acknowledge(
                queue,
                "AwsSolutions-SQS3",
                "It is a Lambda on-failure destination: like a dead-letter queue it is where "
                "failed asynchronous invocations end, so it has none of its own.",
            )
        self._output(spec.logical, spec.physical_name(self.stage), spec.purpose)
        return queue

    def _secret(self, spec: resources.SecretSpec) -> secretsmanager.Secret:
        # A JSON object from the start, as the readers expect: the spec's generated key is
        # minted by Secrets Manager, every other key starts empty until an operator puts it.
        # Changing the keys in the spec rewrites the value on the next deploy.
        if len(spec.generated) > 1:
            raise ValueError(f"secret {spec.logical}: Secrets Manager generates one key, not more")
        empty = {key: "" for key in spec.local_value if key not in spec.generated}
        secret = secretsmanager.Secret(
            self,
            spec.logical,
            secret_name=spec.physical_name(self.stage),
            description=spec.purpose,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(empty),
                generate_string_key=spec.generated[0],
                exclude_punctuation=True,
                password_length=64,
            )
            if spec.generated
            else None,
            secret_string_value=None
            if spec.generated
            else cdk.SecretValue.unsafe_plain_text(json.dumps(empty)),  # no secret in it
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            no_rotation_reason(spec.logical),
        )
        self._output(spec.logical, spec.physical_name(self.stage), spec.purpose)
        return secret

    def _output(self, logical: str, physical: str, purpose: str) -> None:
        publish_name(self, logical, physical, purpose)


def publish_name(scope: Construct, logical: str, physical: str, purpose: str) -> None:
    """The stack output the CLI reads to find a resource of a deployed stage."""
    key = resources.output_key(logical)
    output = cdk.CfnOutput(scope, key, value=physical, description=purpose or None)
    output.override_logical_id(key)  # exactly the key the CLI reads, not a path-hashed id


def _attribute(key: resources.Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])
