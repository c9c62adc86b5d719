"""The ``merchantry`` command.

Every sub-command lives in its own module under :mod:`merchantry.cli` and
registers itself through a ``register(app)`` function, so adding a stage means
adding one module and one line below.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from merchantry.kit.errors import MerchantryError

app = typer.Typer(
    name="merchantry",
    help="Merchantry: an open merchant policy engine for marketplaces.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    from merchantry.cli import (
        demo,
        fees,
        generate,
        ingest,
        ledger,
        risk,
        rulebook,
        run,
        score,
        serve,
        simulate,
    )

    for module in (
        generate,
        ingest,
        rulebook,
        fees,
        ledger,
        score,
        risk,
        simulate,
        run,
        demo,
        serve,
    ):
        module.register(app)


_register_all()


def main() -> None:
    """Entry point: runs the app and turns Merchantry errors into clean exits."""
    try:
        app()
    except MerchantryError as err:
        Console(stderr=True).print(f"[bold red]error:[/] {err}", highlight=False)
        sys.exit(err.exit_code)


if __name__ == "__main__":
    main()
