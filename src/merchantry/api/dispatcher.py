"""The webhook dispatcher: a thread that sends due deliveries every few moments."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from merchantry.api.idempotency import purge
from merchantry.ops.webhooks import DeliverySettings, deliver_due


class Dispatcher:
    """Runs :func:`merchantry.ops.webhooks.deliver_due` every ``poll_s`` until stopped, and
    purges idempotency records older than ``keep_idempotency`` once a minute."""

    def __init__(
        self,
        engine: Engine,
        settings: DeliverySettings,
        poll_s: float,
        keep_idempotency: timedelta = timedelta(hours=24),
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.poll_s = poll_s
        self.keep_idempotency = keep_idempotency
        self._purged_at = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="merchantry-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Send now rather than at the next tick (after queueing a message)."""
        self._wake.set()

    def _loop(self) -> None:
        with httpx.Client(timeout=self.settings.timeout_s, follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    deliver_due(self.engine, client, self.settings)
                    if time.monotonic() - self._purged_at > 60:
                        purge(self.engine, self.keep_idempotency)
                        self._purged_at = time.monotonic()
                except Exception as err:  # keep dispatching; the log says what broke
                    self.errors.append(f"{type(err).__name__}: {err}")
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeout_s + 5)
