"""The backbone's one `send`: providers in priority order, each behind its shared breaker.

A ProviderUnavailable counts against that provider's breaker and the next provider is tried; a
RecipientRejected is final for the message and counts as a healthy answer; when nobody can take
the message, AllProvidersUnavailable tells the caller to retry later (and when, if known).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from email.utils import getaddresses
from typing import Any

import pybreaker

from tctfmsg.core.clock import Clock, SystemClock
from tctfmsg.email.breaker_storage import SharedBreakerStorage
from tctfmsg.email.message import (
    AllProvidersUnavailable,
    EmailMessage,
    ProviderConfig,
    ProviderUnavailable,
    RecipientRejected,
    RecipientSuppressed,
    SendReceipt,
    SendWithdrawn,
)
from tctfmsg.email.pacer import Pacer
from tctfmsg.email.ports import EmailProvider
from tctfmsg.email.suppression import SuppressionList

log = logging.getLogger(__name__)


class FailoverSender:
    """Implements EmailSender. Paces itself: each attempt first waits for this process's share
    of the provider's rate (see Pacer), so callers just call `send` and need no pacer of their
    own. Thread-safe: each thread drives its own pybreaker objects over the same shared storage,
    because pybreaker holds a lock for the whole guarded call.

    `configs` is called on every send and should be cheap (a cached view of the config table);
    `storages` maps provider name to its shared breaker storage.
    """

    def __init__(
        self,
        providers: Mapping[str, EmailProvider],
        configs: Callable[[], Sequence[ProviderConfig]],
        storages: Mapping[str, SharedBreakerStorage],
        pacer: Pacer | None = None,
        clock: Clock | None = None,
        suppressions: SuppressionList | None = None,
        breaker_opened: Callable[[str], None] | None = None,
        accepted: Callable[[str], None] | None = None,
    ) -> None:
        self.providers = dict(providers)
        self.breaker_opened = breaker_opened  # told the provider whose breaker this one opened
        self.accepted = accepted  # told the provider that took each message
        self.suppressions = suppressions  # consulted before every send
        self.configs = configs
        self.storages = dict(storages)
        self.pacer = pacer or Pacer()
        self.clock = clock or SystemClock()
        self._local = threading.local()

    def send(
        self, message: EmailMessage, *, proceed: Callable[[], bool] | None = None
    ) -> SendReceipt:
        self._refuse_suppressed(message.to)
        if not message.idempotency_key:
            # one key for every attempt of this call, so a guarded provider never sends it twice
            message = dataclasses.replace(message, idempotency_key=uuid.uuid4().hex)
        attempts: list[str] = []
        uncertain: list[str] = []
        waits: list[float] = []
        gate = _Gate(proceed)
        for config in self._route():
            provider, storage = self.providers[config.name], self.storages[config.name]
            resting = storage.resting_for()
            if resting > 0:
                attempts.append(f"{config.name}: asked to wait {resting:.1f}s")
                waits.append(resting)
                continue
            breaker = self._breaker(config)
            try:
                receipt = breaker.call(self._attempt, provider, message, config.rate_per_s, gate)
            except _CallerError as exc:  # the caller's own proceed failed: not the provider
                raise exc.error from None
            except pybreaker.CircuitBreakerError:
                attempts.append(f"{config.name}: breaker open")
                status = storage.status()
                waits.append(status.half_opens_in(config.reset_timeout_s, self._now()) or 0.0)
            except ProviderUnavailable as exc:
                attempts.append(f"{config.name}: {exc.reason}")
                log.info("%s unavailable (%s); trying the next provider", config.name, exc.reason)
                storage.note_failure(exc.reason, exc.retry_after_s)
                if exc.uncertain:
                    uncertain.append(config.name)
                if exc.retry_after_s:
                    waits.append(exc.retry_after_s)
            except RecipientRejected as exc:
                exc.attempts = (*attempts, f"{config.name}: rejected {exc.reason}")
                raise
            except SendWithdrawn:
                raise
            except Exception as exc:  # an adapter bug must not drop mail another provider takes
                log.exception("provider %s failed unexpectedly", config.name)
                attempts.append(f"{config.name}: unexpected {type(exc).__name__}")
                storage.note_failure(f"unexpected {type(exc).__name__}: {exc}", None)
            else:
                attempts.append(f"{config.name}: delivered")
                self._count_accepted(config.name)
                return dataclasses.replace(
                    receipt, attempts=tuple(attempts), uncertain=tuple(uncertain)
                )
        raise AllProvidersUnavailable(
            tuple(attempts), min(waits) if waits else None, uncertain=tuple(uncertain)
        )

    def _count_accepted(self, provider: str) -> None:
        if self.accepted is None:
            return
        try:
            self.accepted(provider)
        except Exception:  # a metric must never change what the send does
            log.exception("could not count a send through %s", provider)

    def _refuse_suppressed(self, to: str) -> None:
        if self.suppressions is None:
            return
        found = self.suppressions.find(getaddresses([to])[0][1] or to)
        if found is not None:
            error = RecipientSuppressed(to, found.reason.value)
            error.attempts = (f"suppression list: {found.reason.value}",)
            raise error

    def _route(self) -> list[ProviderConfig]:
        enabled = [c for c in self.configs() if c.enabled and c.name in self.providers]
        return sorted(enabled, key=lambda c: (c.order, c.name))

    def _attempt(
        self, provider: EmailProvider, message: EmailMessage, rate_per_s: float, gate: _Gate
    ) -> SendReceipt:
        self.pacer.wait(provider.name, rate_per_s)
        gate.pass_or_withdraw(message.to)
        try:
            return provider.send(message)
        except ProviderUnavailable as exc:
            if exc.uncertain and getattr(provider, "idempotent", False):
                # Its guard answers a repeat of a send that got through instead of sending it
                # again, so asking once more here is safe, and cheaper than failing over.
                return provider.send(message)
            raise

    def _breaker(self, config: ProviderConfig) -> pybreaker.CircuitBreaker:
        breakers: dict[str, pybreaker.CircuitBreaker] = self._local.__dict__.setdefault(
            "breakers", {}
        )
        breaker = breakers.get(config.name)
        if breaker is None:
            breaker = _ReportingBreaker(
                self.breaker_opened,
                fail_max=config.fail_max,
                reset_timeout=config.reset_timeout_s,
                exclude=[RecipientRejected, SendWithdrawn, _CallerError],
                state_storage=self.storages[config.name],
                name=config.name,
                throw_new_error_on_trip=False,
            )
            breakers[config.name] = breaker
        breaker.fail_max = config.fail_max  # the config table may have changed since
        breaker.reset_timeout = config.reset_timeout_s
        return breaker

    def _now(self) -> float:
        return self.clock.now().timestamp()


class _ReportingBreaker(pybreaker.CircuitBreaker):
    """Tells `on_open` when this breaker trips: `open` runs in the one process whose failure
    opened it, never in those that later read the open state from the shared storage."""

    def __init__(self, on_open: Callable[[str], None] | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_open = on_open

    def open(self) -> bool:
        tripped = super().open()
        if self._on_open is not None:
            try:
                self._on_open(self.name or "")
            except Exception:  # a metric must never change what the send does
                log.exception("could not report the %s breaker opening", self.name)
        return tripped


class _CallerError(Exception):
    """An error raised by the caller's `proceed`: carried past the breaker, which must not
    count it against the provider, and re-raised as it was."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _Gate:
    """The caller's `proceed`, asked once: when the first attempt has its rate slot. A caller
    that claims its work there holds the claim only for the send itself, never for a wait in
    the pacer; a failover after that goes on under the same claim."""

    def __init__(self, proceed: Callable[[], bool] | None) -> None:
        self.proceed = proceed
        self.passed = proceed is None

    def pass_or_withdraw(self, recipient: str) -> None:
        if self.passed:
            return
        assert self.proceed is not None
        try:
            go_on = self.proceed()
        except Exception as exc:
            raise _CallerError(exc) from exc
        if not go_on:
            raise SendWithdrawn(f"{recipient}: withdrawn before it was sent")
        self.passed = True
