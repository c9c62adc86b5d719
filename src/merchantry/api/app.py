"""``create_app(settings)``: the FastAPI application.

On start it migrates the operational database (Alembic, programmatically),
starts the webhook dispatcher thread and the job pool; ``app.state`` carries
``settings``, ``ops_engine``, ``pulse`` (revoked keys and new inbox events,
:mod:`merchantry.ops.pulse`), ``keys``, ``jobs`` and ``dispatcher``. The real-time
integrator routes are mounted by :func:`merchantry.api.realtime.install`.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI

import merchantry
from merchantry.api import errors
from merchantry.api.bodylimit import BodyLimit
from merchantry.api.dispatcher import Dispatcher
from merchantry.api.errors import single_valued_query
from merchantry.api.jobs import JobRunner
from merchantry.api.routes import (
    admin,
    creators,
    cs,
    listings,
    merchant,
    money,
    operator,
    programs,
    reco,
    returns,
    seeding,
    system,
)
from merchantry.api.settings import ServiceSettings
from merchantry.api.timing import ServerTiming
from merchantry.api.warehouse import publish_if_missing
from merchantry.ops import open_ops
from merchantry.ops.keys import KeyVerifier
from merchantry.ops.pulse import Pulse

DESCRIPTION = """\
Merchantry's HTTP API: merchants' figures (statement, payouts, score, fees, cases),
operators' reads and actions (rulebooks, simulations, the case queue, rankings, keys,
webhooks), and integrators' real-time calls.

Send a key as `Authorization: Bearer <key>` or `X-API-Key: <key>` (issue one with
`merchantry keys create`). A merchant key acts for its own shop only. Every write
takes an `Idempotency-Key` header: a retry with the same key and body gets the first
response again; the same key with another body gets 409. Money is integer fen.
"""


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The application for ``settings`` (default: from ``MERCHANTRY_*`` variables)."""
    settings = settings or ServiceSettings()
    engine = open_ops(settings.ops_url)
    publish_if_missing(settings.warehouse)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.dispatcher is not None:
            app.state.dispatcher.start()
        app.state.pulse.start()
        try:
            yield
        finally:  # the online state first: its build may still be reading through the pulse
            if getattr(app.state, "online", None) is not None:
                app.state.online.close()
            if app.state.dispatcher is not None:
                app.state.dispatcher.stop()
            app.state.jobs.shutdown()
            app.state.pulse.stop()  # last: closes every connection the calls opened

    app = FastAPI(
        title="Merchantry",
        version=merchantry.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(single_valued_query)],
    )
    app.state.settings = settings
    app.state.ops_engine = engine
    app.state.pulse = Pulse(
        engine, bound_s=settings.pulse_bound_s, interval_s=settings.pulse_interval_s
    )
    app.state.keys = KeyVerifier(engine, app.state.pulse)
    app.state.jobs = JobRunner(
        engine, settings.warehouse, settings.warehouse_write_wait_s, settings.job_threads
    )
    app.state.dispatcher = (
        Dispatcher(
            engine,
            settings.delivery,
            settings.webhook_poll_s,
            timedelta(hours=settings.idempotency_ttl_hours),
        )
        if settings.dispatcher
        else None
    )
    errors.install(app)
    _install_realtime(app)  # first: the hot paths are matched before every other route
    for module in (system, merchant, money, operator, admin, reco, returns, cs, programs, listings):
        app.include_router(module.router)
    app.include_router(seeding.router)
    app.include_router(creators.router)
    importlib.import_module("merchantry.console").install(app)  # pages above the API
    app.add_middleware(ServerTiming)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # outermost: before any read
    return app


def _install_realtime(app: FastAPI) -> None:
    try:
        realtime = importlib.import_module("merchantry.api.realtime")
    except ModuleNotFoundError as err:
        if err.name != "merchantry.api.realtime":
            raise
        return
    realtime.install(app)


def app_from_env() -> FastAPI:
    """The application configured by ``MERCHANTRY_*`` variables (uvicorn's factory for
    ``merchantry serve``, whose workers are separate processes)."""
    return create_app(ServiceSettings())
