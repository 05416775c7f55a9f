"""The embedded stack's public HTTP door: the spec's `http_routes`, served as API Gateway's HTTP
API serves them (docs/decisions/0078)."""
