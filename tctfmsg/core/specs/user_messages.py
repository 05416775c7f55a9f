"""The user-messages (chat) service's resources."""

from __future__ import annotations

from tctfmsg.core.spec_types import FunctionSpec, QueueSpec, SecretSpec, TableSpec

TABLES: tuple[TableSpec, ...] = ()

QUEUES: tuple[QueueSpec, ...] = ()

SECRETS: tuple[SecretSpec, ...] = ()

FUNCTIONS: tuple[FunctionSpec, ...] = ()
