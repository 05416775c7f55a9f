"""The shared slice of the spec (tables and secrets owned by `resources.SHARED`), as a service
stack sees it: referenced by the names the stage gives them, never imported from the shared
stack (docs/decisions/0063).

The spec derives every physical name from the stage, so a service stack knows the shared names
at synth time. Granting by name needs no CloudFormation export, so the shared stack can change
or replace a resource without first tearing down every stack that uses it, and each service
stack deploys on its own once the shared one is there.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from tctfmsg.core import resources


class SharedReferences(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        tables, queues, secrets = resources.for_owner(resources.SHARED)
        if queues:  # an event source or a redrive on another stack's queue needs its ARN
            raise ValueError("the shared slice holds no queues; give the queue to a service")
        self.tables: dict[str, dynamodb.ITable] = {
            spec.logical: dynamodb.Table.from_table_attributes(
                self,
                spec.logical,
                table_name=spec.physical_name(stage),
                # so grants cover the indexes too, as they do for a table of the stack's own
                global_indexes=[index.name for index in spec.indexes] or None,
            )
            for spec in tables
        }
        # Secrets Manager appends six random characters to a secret's ARN; a reference by
        # name grants on `<name>-??????`, which matches only that suffix.
        self.secrets: dict[str, secretsmanager.ISecret] = {
            spec.logical: secretsmanager.Secret.from_secret_name_v2(
                self, spec.logical, spec.physical_name(stage)
            )
            for spec in secrets
        }
