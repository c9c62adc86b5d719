"""The real-time use cases: decide a refund request, quote an order, take events in.

One :class:`OnlineService` per worker process. It owns the worker's
:class:`~merchantry.service.online.state.OnlineState` and
:class:`~merchantry.service.online.desk.EventDesk`, both built from the warehouse
(a read-only snapshot) and then kept current from the inbox: before each answer
it applies the inbox events after the last one it saw (one indexed query), so a
worker never answers from older events than another worker has accepted.

Front ends (the API, a test, a benchmark) call :meth:`decide`, :meth:`quote` and
:meth:`post_events`; they hold no logic of their own.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from sqlalchemy import Engine

from merchantry.kit.errors import MerchantryError
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.ops.keys import RevokedKey
from merchantry.ops.pulse import Pulse
from merchantry.risk.decisions import Decision, RiskRequest
from merchantry.risk.model import RiskModel, load_model
from merchantry.risk.settings import DEFAULT_RULEBOOK
from merchantry.service.inbox import (
    InboxReader,
    Refusal,
    event_key,
    inbox_events,
    record_accepted,
    record_refused,
    recorded,
    snapshot_mark,
)
from merchantry.service.online.desk import EventDesk
from merchantry.service.online.quote import Quote
from merchantry.service.online.state import DEFAULT_FEE_RULEBOOKS, EventType, OnlineState

Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
MAX_EVENTS = 5000


class NotReady(MerchantryError):
    """The online state is not built (no warehouse yet, or the build failed)."""


@dataclass(frozen=True, slots=True)
class EventResult:
    """What happened to one posted event."""

    index: int
    event_id: str | None
    status: Literal["accepted", "refused"]
    replay: bool
    seq: int | None
    refusal: Refusal | None


@dataclass(frozen=True, slots=True)
class Built:
    """What a (re)build read."""

    seq: int
    orders: int
    requests: int
    rings: int
    seconds: float


class OnlineService:
    """A worker's online state, desk and inbox access (see the module note)."""

    def __init__(
        self,
        engine: Engine,
        open_warehouse: Opener,
        *,
        risk_rulebook: str = DEFAULT_RULEBOOK,
        fee_rulebooks: Sequence[str] = DEFAULT_FEE_RULEBOOKS,
        model_path: Path | None = None,
        model: RiskModel | None = None,
        rulebook_dirs: Sequence[Path] = (),
        pulse: Pulse | None = None,
    ) -> None:
        self.engine = engine
        self._inbox = InboxReader(engine)
        self._pulse = pulse if pulse is not None else Pulse(engine, bound_s=0)
        self._owns_pulse = pulse is None
        """Key liveness and the inbox's tail in one read (or none: :mod:`merchantry.ops.pulse`)."""
        self._open = open_warehouse
        self._risk_rulebook = risk_rulebook
        self._fee_rulebooks = tuple(fee_rulebooks)
        self._model_path = model_path
        self._model = model
        self._dirs = tuple(rulebook_dirs)
        self._state: OnlineState | None = None
        self._desk: EventDesk | None = None
        self._state_lock = threading.RLock()
        self._desk_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._ready = threading.Event()
        self._started = False
        self._start_lock = threading.Lock()
        self._error: BaseException | None = None
        self._own: dict[int, dict[str, Any]] = {}
        """Typed rows of the events this worker recorded, by seq, until state and desk
        both hold them (the inbox read does not parse them again)."""

    # --- building ------------------------------------------------------------------------

    def build(self) -> Built:
        """(Re)build state and desk from the warehouse, then apply the newer inbox events."""
        with self._build_lock:
            began = time.perf_counter()
            model = self._model
            if model is None and self._model_path is not None:
                model = load_model(self._model_path)
            collecting = gc.isenabled()
            gc.disable()  # a full collection over a growing heap of millions of objects
            # holds the GIL for seconds, over and over as the heap grows; the state is
            # long-lived and nearly free of cycles, so it is frozen, not collected, below
            try:
                with self._open() as con:
                    mark = snapshot_mark(con)
                    state = OnlineState.build(
                        con,
                        risk_rulebook=self._risk_rulebook,
                        fee_rulebooks=self._fee_rulebooks,
                        model=model,
                        seq=mark,
                        rulebook_dirs=self._dirs,
                    )
                    desk = EventDesk()
                    desk.load(con)
                    desk.seq = mark
            except BaseException as err:
                with self._start_lock:
                    self._error, self._started = err, False
                self._ready.set()
                raise
            finally:
                gc.freeze()  # the state is long-lived: keep the collector from rescanning it
                if collecting:
                    gc.enable()
            with self._state_lock:
                self._state, self._error = state, None
            with self._desk_lock:
                replaced, self._desk = self._desk, desk
                if replaced is not None:  # every use of a desk holds this lock
                    replaced.close()
            self._ready.set()
            self._catch_up(strict=True)
            return Built(
                state.seq,
                len(state.risk.orders),
                len(state.risk.claims),
                len({r[0] for r in state.risk.rings.values()}),
                time.perf_counter() - began,
            )

    def close(self, wait_s: float = 30.0) -> None:
        """Stop this worker's online state: close its desk's database, and let the collector
        reclaim what :meth:`build` froze (``gc.freeze``), so that nothing of it, DuckDB's
        objects least of all, outlives the application that built it. A build under way
        (its catch-up reads the inbox after answers may begin) is waited for, up to
        ``wait_s``, so that none of its reads opens a connection after the application
        closed its own."""
        finished = self._build_lock.acquire(timeout=wait_s)
        try:
            self._close()
        finally:
            if finished:
                self._build_lock.release()

    def _close(self) -> None:
        with self._desk_lock:
            desk, self._desk = self._desk, None
            if desk is not None:
                desk.close()
        with self._state_lock:
            self._state = None
        self._inbox.close()
        if self._owns_pulse:
            self._pulse.stop()
        gc.unfreeze()
        gc.collect()

    def start(self) -> None:
        """Start building on a thread unless a build is under way or done; answers wait."""
        with self._start_lock:
            if self._started and (self._state is not None or not self._ready.is_set()):
                return
            self._started = True
            self._ready.clear()

        def run() -> None:
            with contextlib.suppress(Exception):  # kept in self._error, reported on use
                self.build()

        threading.Thread(target=run, name="online-state-build", daemon=True).start()

    def _ready_state(self, wait_s: float = 120.0) -> OnlineState:
        state = self._state
        if state is not None:
            return state
        self.start()
        if wait_s > 0:
            self._ready.wait(wait_s)
        built = self._state
        if built is None:
            if self._ready.is_set() and self._error is not None:
                raise NotReady(f"the online state could not be built: {self._error}")
            raise NotReady("the online state is still being built; try again shortly")
        return built

    def _catch_up(
        self,
        wait_s: float = 120.0,
        *,
        key_id: str | None = None,
        strict: bool = False,
        min_seq: int | None = None,
    ) -> OnlineState:
        """The state with the inbox applied, and ``key_id`` checked live in the same read
        (:class:`RevokedKey` if not): one round trip, none while the pulse is fresh and
        nothing is new; ``strict`` always reads (a worker sees its own writes at once), and
        so does a state older than ``min_seq`` (a caller's own writes, on any worker)."""
        state = self._ready_state(wait_s)
        strict = strict or (min_seq is not None and state.seq < min_seq)
        pulse = self._pulse
        tail = pulse.read(key_id, state.seq) if strict else pulse.check(key_id, state.seq)
        if tail.live is False:
            raise RevokedKey(f"key {key_id} was revoked")
        if tail.rows:
            events = inbox_events(tail.rows, self._own)
            with self._state_lock:
                for event in events:
                    if event.seq > state.seq:
                        state.apply(event.seq, event.event_type, event.row)
        return state

    def posted_purchases(self, buyer_id: str) -> list[tuple[str, str, datetime]]:
        """(order id, SKU, paid at) of the buyer's orders posted as events since the state
        was built, caught up with the inbox; raises :class:`NotReady` while building."""
        state = self._catch_up(wait_s=0)
        with self._state_lock:
            return list(state.posted_orders.get(buyer_id, ()))

    def readiness(self) -> tuple[bool, str]:
        """(ready to answer, in words), without waiting: ``ready``, ``building``, ``not
        started`` or ``failed: …``."""
        if self._state is not None:
            return True, "ready"
        if self._ready.is_set() and self._error is not None:
            return False, f"failed: {self._error}"
        return False, "building" if self._started else "not started"

    @property
    def seq(self) -> int:
        """The last inbox event this worker's state holds."""
        return self._ready_state().seq

    # --- answers -------------------------------------------------------------------------

    def decide(
        self, request: RiskRequest, *, key_id: str | None = None, min_seq: int | None = None
    ) -> tuple[Decision, int]:
        """The decision on one after-sales request, and the inbox ``seq`` it was made at;
        ``key_id``, when given, is checked live in the inbox's read (:class:`RevokedKey`);
        ``min_seq``, when given, is the oldest inbox event the answer must hold.

        Never waits for a build under way (:class:`NotReady` at once): a caller in an event
        loop must not block it."""
        state = self._catch_up(wait_s=0, key_id=key_id, min_seq=min_seq)
        with self._state_lock:
            decision, _ = state.decide(request)
            return decision, state.seq

    def quote(
        self,
        order: Mapping[str, Any],
        *,
        rulebook: str | None = None,
        key_id: str | None = None,
        min_seq: int | None = None,
    ) -> Quote:
        """Fee lines and expected payout of an order as placed (:class:`NotReady` at once while
        a build is under way); ``key_id`` and ``min_seq`` as in :meth:`decide`."""
        state = self._catch_up(wait_s=0, key_id=key_id, min_seq=min_seq)
        with self._state_lock:
            return state.quote(order, rulebook=rulebook)

    def post_events(
        self, kind: EventType, events: Sequence[Any], key_id: str | None
    ) -> list[EventResult]:
        """Check, record and apply posted events; one result per event, in order."""
        table = TABLES_BY_NAME[kind.value]
        self._ready_state()
        keys = [event_key(table, e) if isinstance(e, Mapping) else None for e in events]
        known = recorded(self.engine, kind.value, [k for k in keys if k])
        results: dict[int, EventResult] = {}
        fresh: list[int] = []
        for i, key in enumerate(keys):
            if key is not None and key in known:
                results[i] = EventResult(i, key, "accepted", True, known[key], None)
            else:
                fresh.append(i)
        if fresh:
            with self._desk_lock:
                desk = self._desk
                if desk is None:
                    raise NotReady("the event desk is not built")
                desk.catch_up(self._inbox.read_since(desk.seq, self._own), self._own)
                checked = desk.check(table, [events[i] for i in fresh])
                accepted = [(fresh[i], key, row) for i, key, row in checked.accepted]
                mine: set[str] = set()
                seqs = record_accepted(
                    self.engine,
                    kind.value,
                    [(key, row) for _, key, row in accepted],
                    key_id,
                    mine,
                    known,
                )
                self._own.update({seqs[key]: row for _, key, row in accepted if key in mine})
            refusals = [
                Refusal(fresh[r.index], r.event_key, r.column_name, r.reason, r.message, r.body)
                for r in checked.refused
            ]
            record_refused(self.engine, kind.value, refusals, key_id)
            for i, key, _row in accepted:
                results[i] = EventResult(i, key, "accepted", False, seqs.get(key), None)
            for refusal in refusals:
                results[refusal.index] = EventResult(
                    refusal.index, refusal.event_key, "refused", False, None, refusal
                )
        state = self._catch_up(strict=True)
        self._forget_own(state.seq)
        return [results[i] for i in range(len(events))]

    def _forget_own(self, state_seq: int) -> None:
        with self._desk_lock:
            desk_seq = self._desk.seq if self._desk is not None else 0
            done = min(state_seq, desk_seq)
            for seq in [s for s in self._own if s <= done]:
                del self._own[seq]
