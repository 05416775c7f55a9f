"""Transactional notifications over email, SMS, WhatsApp, push and WebSocket (issue 11)."""
