"""A handler's cold start imports only what every invocation of it needs (issue 16, decision
0091): what a single route or a rare path uses is imported there. Each handler is imported in
a fresh interpreter, as a Lambda instance would, and the modules it loaded are checked."""

from __future__ import annotations

import pytest

from tests.support.handler_imports import HANDLER_MODULES, modules_loaded_by

# Loaded by no handler at import: boto3 comes with the first client, pydantic-settings never,
# the rest on the path that uses it (an HTTP provider's send, an address off the plain path,
# a webhook's signature, a token sealed or opened, a message rendered or formatted).
NEVER_AT_IMPORT = {"boto3", "pydantic_settings", "requests", "email_validator", "babel"}
# The webhook handler verifies a signature on every SendGrid request; nothing else needs it.
CRYPTOGRAPHY_AT_IMPORT = {"lambdas.campaigns.provider_webhooks"}


@pytest.mark.parametrize("handler", HANDLER_MODULES)
def test_a_handler_cold_start_leaves_out_what_only_other_paths_use(handler: str) -> None:
    loaded = {name.split(".")[0] for name in modules_loaded_by(handler)}

    assert not loaded & NEVER_AT_IMPORT
    assert ("cryptography" in loaded) == (handler in CRYPTOGRAPHY_AT_IMPORT)
