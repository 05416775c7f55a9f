"""What every chat handler shares: one Logger and one Metrics, settings read once."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

from tctfmsg.core import settings

SETTINGS = settings.current()  # validated at cold start; no client is built here
logger = Logger(service="user_messages")
metrics = Metrics(namespace="tctfmsg", service="user_messages")
