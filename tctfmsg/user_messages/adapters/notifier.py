"""The Notifier until the communication service implements it: unread-message notices are
logged, with what that service will need (the user, the conversation, the count)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class LoggingNotifier:
    def notify_unread(self, user_id: str, conversation_id: str, count: int) -> None:
        logger.info(
            "unread_messages notice",
            extra={"user_id": user_id, "conversation_id": conversation_id, "unread": count},
        )
