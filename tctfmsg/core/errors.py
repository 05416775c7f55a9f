"""Errors that cross layers. Each carries a message fit for an operator and, where one exists,
what to do about it; the CLI prints them as one line, the API maps them to status codes."""


class TctfmsgError(Exception):
    """Base for every error the platform expects and can explain."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}: {self.hint}" if self.hint else self.message


class InvalidInput(TctfmsgError):
    """The caller asked for something malformed."""


class NotFound(TctfmsgError):
    """The thing named does not exist."""


class Conflict(TctfmsgError):
    """The request is valid but clashes with the current state."""


class ConfigurationError(TctfmsgError):
    """Settings, targets or deployed resources are missing or inconsistent."""


class StackNotRunning(ConfigurationError):
    """A local command needs the embedded stack and it is not up."""


class Throttled(TctfmsgError):
    """A downstream service asked us to slow down; retrying later is safe."""


class Unavailable(TctfmsgError):
    """A downstream service could not be reached or failed part-way; what was written stays
    written, and repeating the operation is safe where its writes are idempotent."""
