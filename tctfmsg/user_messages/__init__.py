"""Real-time chat over API Gateway WebSockets (issue 12)."""
