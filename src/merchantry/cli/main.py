"""The ``merchantry`` command.

Every sub-command lives in its own module under :mod:`merchantry.cli` and
registers itself through a ``register(app)`` function, so adding a stage means
adding one module and one line below. The root group (:class:`MerchantryGroup`)
is the error boundary: each mistake is one message and a documented exit code
(``docs/cli.md``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from merchantry.cli.options import MerchantryGroup, version_text

app = typer.Typer(
    name="merchantry",
    help="Merchantry: an open merchant policy engine for marketplaces.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=MerchantryGroup,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_show_version
        ),
    ] = False,
) -> None:
    """Merchantry: an open merchant policy engine for marketplaces."""


def _register_all() -> None:
    from merchantry.cli import (
        cs,
        demo,
        fees,
        generate,
        inbox,
        ingest,
        ledger,
        reco,
        returns,
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
        returns,
        risk,
        simulate,
        run,
        demo,
        serve,
        inbox,
        cs,
        reco,
    ):
        module.register(app)


_register_all()


def main() -> None:
    """Entry point (errors are turned into messages and exit codes by the root group)."""
    app()


if __name__ == "__main__":
    main()
