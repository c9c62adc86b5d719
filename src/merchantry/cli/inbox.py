"""`merchantry inbox drain`: move the events posted to the API into the warehouse.

The real-time service records every accepted event in the operational database's
inbox (the warehouse has one writer, and API workers only read snapshots). This
command is that writer's step: it ingests the undrained events through the same
checks as `merchantry ingest`, so the batch stages (`merchantry run`) see them.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from merchantry.cli.options import DEFAULT_DB, DbOption, command, open_warehouse
from merchantry.ops import open_ops
from merchantry.risk.store import DEFAULT_URL
from merchantry.service.inbox import drain_inbox

inbox_app = typer.Typer(help="The API's event inbox: move posted events into the warehouse.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(inbox_app, "drain", drain_command)
    app.add_typer(inbox_app, name="inbox")


def drain_command(
    db: DbOption = DEFAULT_DB,
    ops_db: Annotated[
        str,
        typer.Option(
            "--ops-db",
            envvar="MERCHANTRY_OPS_URL",
            help="Operational database holding the inbox (SQLAlchemy URL).",
        ),
    ] = DEFAULT_URL,
) -> None:
    """Ingest every undrained inbox event into the warehouse (run before `merchantry run`)."""
    engine = open_ops(ops_db)
    try:
        with open_warehouse(db) as con:  # `ingest` makes a warehouse; a drain fills one
            run = drain_inbox(engine, con)
    finally:
        engine.dispose()
    console = Console()
    if not run.events and not run.refused_copied:
        console.print(
            f"inbox empty: every event through #{run.through_seq} is in the warehouse",
            markup=False,
        )
        return
    console.print(
        f"{run.events:,} events moved (through #{run.through_seq}): {run.accepted:,} stored, "
        f"{run.quarantined:,} quarantined by the warehouse's checks; "
        f"{run.refused_copied:,} events the API refused copied to the quarantine table",
        markup=False,
    )
