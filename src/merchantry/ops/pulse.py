"""The operational database's pulse: is a key still live, and which inbox events are new.

Every real-time answer needs two facts from the operational database: that the caller's
key has not been revoked, and which inbox events the answering worker has not applied
yet. Asked separately, they cost two round trips per call. A :class:`Pulse` answers both
with **one** statement (:meth:`Pulse.check`: the key's row, if live, and the inbox rows
after the worker's ``seq``, in one ``UNION ALL``), and with **none** while its watcher is
fresh:

* the watcher (:meth:`Pulse.start`, one thread per worker) reads the newest inbox ``seq``
  and the number of revoked keys in one small statement every ``interval_s``, and the
  revoked keys' ids whenever that number moves. On PostgreSQL it also ``LISTEN`` s: the
  triggers of migration ``0010`` wake it the moment a key is revoked or an event recorded,
  so it reads at once instead of at its next poll;
* a call whose key is not among the revoked and whose worker already holds the newest
  ``seq`` is answered from memory, provided the watcher's last completed read *began*
  less than ``bound_s`` ago. Otherwise (no watcher, a watcher starved or cut off from the
  database, new events to fetch) the call makes the one combined read itself.

The guarantee: a revocation, or an event, committed at time *T* is seen by every call
that begins after *T* + ``bound_s``, on every worker, whoever made it (the API, the CLI,
a hand-made ``UPDATE``): either the watcher's last read began after *T*, or the call reads
for itself. On PostgreSQL it is seen in practice as soon as the notice wakes the watcher
(a millisecond). ``bound_s = 0`` turns the watcher off: every call makes its one read,
and a change is seen by the very next call. A worker always sees its own writes at once
(the revoking worker drops the key; the posting worker reads the inbox before it answers).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Engine,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy import null as sql_null

from merchantry.ops.reads import PreparedRead
from merchantry.ops.tables import api_keys, online_inbox

CHANNEL: Final = "merchantry_pulse"
"""The PostgreSQL notification channel migration ``0010``'s triggers notify."""

DEFAULT_INTERVAL_S: Final = 0.05
DEFAULT_BOUND_S: Final = 0.25
NO_EVENTS: Final = 2**62
"""An inbox position beyond any ``seq``: the combined read returns no events."""
NO_KEY: Final = ""
"""A key id no key has: the combined read returns no key row."""


@dataclass(frozen=True, slots=True)
class Tail:
    """What a check found: the key's liveness (``None`` when none was asked) and the inbox
    rows ``(seq, event_type, body)`` after the position asked, in order."""

    live: bool | None
    rows: tuple[tuple[int, str, str], ...]


def _combined() -> Any:
    """The key's row if it is live (kind 0), then the inbox rows after ``after`` (kind 1)."""
    key: Any = (
        select(
            literal_column("0").label("kind"),
            cast(sql_null(), BigInteger).label("seq"),
            cast(sql_null(), String).label("event_type"),
            cast(sql_null(), Text).label("body"),
        )
        .select_from(api_keys)
        .where(api_keys.c.key_id == bindparam("key_id"), api_keys.c.revoked_at.is_(None))
    )
    inbox = select(
        literal_column("1").label("kind"),
        online_inbox.c.seq,
        online_inbox.c.event_type,
        online_inbox.c.body,
    ).where(online_inbox.c.seq > bindparam("after"))
    return union_all(key, inbox).order_by("kind", "seq")


SYNC: Final = select(
    select(func.max(online_inbox.c.seq)).scalar_subquery(),
    select(func.count())
    .select_from(api_keys)
    .where(api_keys.c.revoked_at.is_not(None))
    .scalar_subquery(),
)
"""The watcher's read: the newest inbox ``seq`` and how many keys are revoked."""

REVOKED: Final = select(api_keys.c.key_id).where(api_keys.c.revoked_at.is_not(None))


class Pulse:
    """See the module note. One per worker process, shared by its key verifier and its
    online service; :meth:`check` is safe from any thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        bound_s: float = DEFAULT_BOUND_S,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.engine = engine
        self.bound_s = bound_s
        self.interval_s = min(interval_s, bound_s / 2) if bound_s > 0 else interval_s
        self._read = PreparedRead(engine, _combined())
        self._sync = PreparedRead(engine, SYNC, on_connect=self._listen)
        self._revoked_read = PreparedRead(engine, REVOKED)
        self._synced_at = float("-inf")
        """Monotonic time at which the watcher's last completed read began."""
        self._latest = 0
        self._revoked: frozenset[str] = frozenset()
        self._revoked_count = -1
        self._stop = threading.Event()
        self._poke = threading.Event()
        self._thread: threading.Thread | None = None
        self.reads = 0
        """Combined reads made by calls (not by the watcher): what a call costs."""
        self.syncs = 0
        """Reads the watcher made."""

    # --- the hot path --------------------------------------------------------------------

    def fresh(self) -> bool:
        """Whether the watcher's last completed read began within the bound."""
        return time.monotonic() - self._synced_at <= self.bound_s

    def check(self, key_id: str | None, after: int | None) -> Tail:
        """Is ``key_id`` live (``None``: not asked), and the inbox rows after ``after``
        (``None``: not asked): from memory when the watcher is fresh and nothing is new,
        else in one round trip."""
        if self.fresh():
            revoked, latest = self._revoked, self._latest
            if after is None or latest <= after:
                return Tail(None if key_id is None else key_id not in revoked, ())
        return self.read(key_id, after)

    def read(self, key_id: str | None, after: int | None) -> Tail:
        """:meth:`check` always from the database (one round trip)."""
        self.reads += 1
        rows = self._read.all(
            {"key_id": NO_KEY if key_id is None else key_id, "after": _position(after)}
        )
        live = any(int(r[0]) == 0 for r in rows)
        events = tuple((int(r[1]), str(r[2]), str(r[3])) for r in rows if int(r[0]) == 1)
        return Tail(live if key_id is not None else None, events)

    def revoked_here(self, key_id: str) -> None:
        """This process revoked ``key_id``: refuse it at once, before the watcher reads."""
        self._revoked = self._revoked | {key_id}
        self._poke.set()

    # --- the watcher ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the watcher (no-op with ``bound_s`` 0 or when running)."""
        if self.bound_s <= 0 or (self._thread is not None and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="ops-pulse", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the watcher; calls then read for themselves."""
        self._stop.set()
        self._poke.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self._synced_at = float("-inf")
        # the calls' connections (one per thread that made a call), and the watcher's should
        # it still be waiting on the database after the join's timeout
        for read in (self._read, self._sync, self._revoked_read):
            read.close_all()

    def sync(self) -> None:
        """One watcher read (the watcher's loop; a test may call it directly)."""
        began = time.monotonic()
        self._poke.clear()
        rows = self._sync.all({})
        latest, revoked_count = rows[0]
        if int(revoked_count) != self._revoked_count:
            ids = frozenset(str(r[0]) for r in self._revoked_read.all({}))
            self._revoked = ids
            self._revoked_count = int(revoked_count)
        self._latest = int(latest or 0)
        self.syncs += 1
        self._synced_at = began  # last: a call trusting it sees what this read saw

    def _watch(self) -> None:
        error = self.engine.dialect.loaded_dbapi.Error
        try:
            while not self._stop.is_set():
                try:
                    self.sync()
                    self._wait()
                except error:  # the database is away: calls read for themselves meanwhile
                    self._sync.close()
                    self._stop.wait(self.interval_s)
        finally:  # the watcher's connections are this thread's own
            self._sync.close()
            self._revoked_read.close()

    def _wait(self) -> None:
        """Until the next poll, a notice (PostgreSQL), a local revocation or a stop."""
        if self.engine.dialect.name != "postgresql":
            self._poke.wait(self.interval_s)
            return
        driver = self._sync.driver()
        until = time.monotonic() + self.interval_s
        while not self._poke.is_set() and (left := until - time.monotonic()) > 0:
            # in slices, so a stop or a local revocation is not kept waiting
            for _notice in driver.notifies(timeout=min(left, 0.1), stop_after=1):
                return

    def _listen(self, driver: Any) -> None:
        """Subscribe a newly opened watcher connection (PostgreSQL) to the channel."""
        if self.engine.dialect.name != "postgresql":
            return
        driver.execute("LISTEN " + CHANNEL)


def _position(after: int | None) -> int:
    return NO_EVENTS if after is None else after
