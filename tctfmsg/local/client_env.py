"""The environment that points the AWS CLI, boto3 and `tctfmsg` at a running embedded stack:
its endpoints and the only keys it accepts (decision 0083). `tctfmsg local env` prints it."""

from __future__ import annotations

import shlex

from tctfmsg.local.state import StackCredentials, StackState

# Service endpoints that are not the AWS endpoint itself: Lambda's Invoke API is the function
# runtime's, and SES goes through its fault proxy so sends are recorded as the stack's own are.
_SERVICE_ENDPOINTS = {"lambda": "LAMBDA", "ses": "SES"}


def variables(
    running: StackState, keys: StackCredentials, region: str, home: str
) -> dict[str, str]:
    found = {
        "AWS_ENDPOINT_URL": running.endpoint,
        "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,  # the name botocore and the AWS CLI read
    }
    for endpoint, service in _SERVICE_ENDPOINTS.items():
        if endpoint in running.endpoints:
            found[f"AWS_ENDPOINT_URL_{service}"] = running.endpoints[endpoint]
    if "ses" in running.endpoints:
        found["AWS_ENDPOINT_URL_SESV2"] = running.endpoints["ses"]
    found["TCTFMSG_HOME"] = home
    found["TCTFMSG_LOCAL_PORT"] = str(running.port)
    return found


def exports(values: dict[str, str]) -> str:
    """`export NAME=value` lines, every value quoted for a POSIX shell."""
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())
