"""What every service stack shares: its name, the resources and functions of its service, and
its functions' grants on the shared slice, by name (docs/decisions/0063)."""

from __future__ import annotations

from typing import Any, ClassVar

import aws_cdk as cdk
from constructs import Construct

from cdk.components.alarm_topic import alarm_topic_of
from cdk.components.alarms import (
    FIVE_MINUTES,
    AlarmSet,
    add_api_alarms,
    add_function_alarms,
    add_queue_alarms,
)
from cdk.components.http_api import PublicHttpApi
from cdk.components.shared_references import SharedReferences
from cdk.components.spec_functions import SpecFunctions
from cdk.components.spec_resources import SpecResources
from cdk.components.stage_config import public_api
from tctfmsg.core import resources


class ServiceStack(cdk.Stack):
    service: ClassVar[resources.Service]
    # Queue-fed functions whose instances (the spec's max_concurrency) are reserved in the account.
    reserved: ClassVar[tuple[str, ...]] = ()

    def __init__(self, scope: Construct, *, stage: str, **kwargs: Any) -> None:
        name = resources.stack_name(stage, self.service)
        # The construct id is the stack name too, so `cdk deploy <stack name>` selects it.
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"tctfmsg {self.service} service, stage {stage}",
            **kwargs,
        )
        self.stage = stage
        self.resources = SpecResources(self, "Resources", owner=self.service, stage=stage)
        self.shared = SharedReferences(self, "Shared", stage=stage)
        self.functions = SpecFunctions(
            self,
            "Functions",
            service=self.service,
            stage=stage,
            data=self.resources,
            shared=self.shared,
            reserved=self.reserved,
        )
        self.public_api = self._public_api()
        self.alarms = self._alarms()
        cdk.Tags.of(self).add("service", self.service)

    def _alarms(self) -> AlarmSet:
        """The alarms every service has, from its part of the spec (docs/decisions/0085); a
        stack adds those only it can say."""
        alarms = AlarmSet(self, "Alarms", stage=self.stage, topic=alarm_topic_of(self, self.stage))
        add_queue_alarms(alarms, self.service)
        add_function_alarms(alarms, self.service)
        rest = {
            logical: api.api.metric_server_error(period=FIVE_MINUTES, statistic="Sum")
            for logical, api in self.functions.apis.items()
        }
        public = self.public_api.api if self.public_api else None
        add_api_alarms(alarms, self.service, rest, public)
        return alarms

    def _public_api(self) -> PublicHttpApi | None:
        """The service's public HTTP API, when a function of it declares http_routes; every
        function of the service learns its URL (TCTFMSG_PUBLIC_BASE_URL: unsubscribe links)."""
        routes = {
            route: self.functions.functions[spec.logical].function
            for spec in resources.FUNCTIONS
            if spec.service == self.service
            for route in spec.http_routes
        }
        if not routes:
            return None
        name = public_api(self.service)
        api = PublicHttpApi(
            self,
            "PublicApi",
            name=resources.physical_name(self.stage, name),
            description=f"tctfmsg {self.service} public routes, stage {self.stage}",
            routes=routes,
            **self.functions.config.limits(name),
        )
        for fn in self.functions.functions.values():
            fn.function.add_environment("TCTFMSG_PUBLIC_BASE_URL", api.url)
        key = resources.public_url_output_key(self.service)
        output = cdk.CfnOutput(self, key, value=api.url, description="the public HTTP API")
        output.override_logical_id(key)
        return api
