"""`merchantry serve` runs the HTTP API; `merchantry keys` issues, lists and revokes API keys."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import command, open_warehouse, require_shop, require_warehouse
from merchantry.ops import audit, keys, open_ops
from merchantry.risk.store import DEFAULT_URL
from merchantry.store.warehouse import DEFAULT_DB

keys_app = typer.Typer(help="API keys: create (the key is printed once), list, revoke.")

OPS = Annotated[
    str,
    typer.Option(
        "--ops-db",
        envvar="MERCHANTRY_OPS_URL",
        help="Operational database (SQLAlchemy URL; postgresql+psycopg://… in production).",
    ),
]


class Role(StrEnum):
    """Who a key acts for (:class:`merchantry.ops.keys.KeyRole`)."""

    OPERATOR = "operator"
    """The marketplace's staff: every shop, cases, rulebooks, keys."""
    MERCHANT = "merchant"
    """One shop's merchant: its own figures and cases (needs --shop)."""
    INTEGRATOR = "integrator"
    """The marketplace's systems calling the real-time endpoints."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "serve", serve_command)
    command(keys_app, "create", keys_create)
    command(keys_app, "list", keys_list)
    command(keys_app, "revoke", keys_revoke)
    app.add_typer(keys_app, name="keys")


def serve_command(
    db: Annotated[
        Path,
        typer.Option(
            "--db",
            envvar="MERCHANTRY_WAREHOUSE",
            help="Warehouse (DuckDB file).",
            metavar="FILE",
            dir_okay=False,
        ),
    ] = DEFAULT_DB,
    ops_db: OPS = DEFAULT_URL,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (OpenAPI at /docs); migrates the operational database first."""
    import uvicorn

    # checked, not opened: a close may hold the live file, and the API reads snapshots
    require_warehouse(db)
    open_ops(ops_db).dispose()  # migrate once, before the workers race to
    os.environ["MERCHANTRY_WAREHOUSE"] = str(db)
    os.environ["MERCHANTRY_OPS_URL"] = ops_db
    Console().print(
        f"Merchantry API on http://{host}:{port} ({workers} worker(s)); "
        f"warehouse {db}, operational database {_safe(ops_db)}",
        highlight=False,
        markup=False,
    )
    uvicorn.run(
        "merchantry.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # a worker imports the whole engine (DuckDB, scikit-learn …) before it answers
        timeout_worker_healthcheck=120,
    )


def _safe(url: str) -> str:
    """The URL without its password."""
    head, sep, tail = url.rpartition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"


def _actor() -> str:
    """Who runs the command, for the audit log."""
    return f"cli:{os.environ.get('USER') or os.environ.get('LOGNAME') or 'unknown'}"


def keys_create(
    role: Annotated[Role, typer.Option(help="Who the key acts for.")],
    shop: Annotated[str | None, typer.Option(help="The merchant key's shop.")] = None,
    scopes: Annotated[
        str | None,
        typer.Option(help="resource:action, comma or space separated (default: the role's)."),
    ] = None,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
    ops_db: OPS = DEFAULT_URL,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            metavar="FILE",
            dir_okay=False,
            help="Warehouse to check --shop against (a shop it does not know is refused). "
            "Left out, the shop is not checked: a merchant's key may be issued before its "
            "shop's data is loaded.",
        ),
    ] = None,
) -> None:
    """Issue a key and print it once (only its hash is stored)."""
    chosen_role = keys.KeyRole(role.value)
    if shop is not None and db is not None:
        with open_warehouse(db, read_only=True) as con:
            require_shop(con, shop)
    chosen = None if scopes is None else frozenset(scopes.replace(",", " ").split())
    engine = open_ops(ops_db)
    issued = keys.create_key(
        engine, role=chosen_role, shop_id=shop, scopes=chosen, name=name, created_by=_actor()
    )
    audit.record(
        engine,
        actor=_actor(),
        role="operator",
        action="key.create",
        resource=f"key:{issued.key.key_id}",
        shop_id=issued.key.shop_id,
        after={
            "role": role.value,
            "shop_id": shop,
            "scopes": sorted(issued.key.scopes),
            "name": name,
        },
    )
    console = Console()
    console.print(
        f"key {issued.key.key_id} ({issued.key.role.value}"
        f"{', shop ' + issued.key.shop_id if issued.key.shop_id else ''}): "
        f"{' '.join(sorted(issued.key.scopes))}",
        highlight=False,
        markup=False,
    )
    console.print("Store it now; it is not shown again:", highlight=False)
    print(issued.secret_key)


def keys_list(ops_db: OPS = DEFAULT_URL) -> None:
    """Every key (never a secret)."""
    found = keys.list_keys(open_ops(ops_db), limit=10_000)
    table = Table(title=f"{len(found)} keys")
    for column in ("key", "role", "shop", "scopes", "name", "created", "revoked"):
        table.add_column(column)
    for k in found:
        table.add_row(
            escape(k.key_id),
            k.role.value,
            escape(k.shop_id or ""),
            escape(" ".join(sorted(k.scopes))),
            escape(k.name),
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    Console().print(table)


def keys_revoke(key_id: str, ops_db: OPS = DEFAULT_URL) -> None:
    """Revoke a key; requests with it are refused from now on."""
    engine = open_ops(ops_db)
    before = keys.get_key(engine, key_id)
    key = keys.revoke_key(engine, key_id)
    audit.record(
        engine,
        actor=_actor(),
        role="operator",
        action="key.revoke",
        resource=f"key:{key_id}",
        shop_id=key.shop_id,
        before={"revoked_at": before.revoked_at},
        after={"revoked_at": key.revoked_at},
    )
    Console().print(
        f"key {key.key_id} revoked at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC", markup=False
    )
