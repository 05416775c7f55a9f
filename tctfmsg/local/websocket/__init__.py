"""The embedded stack's API Gateway WebSocket API (docs/decisions/0068)."""
