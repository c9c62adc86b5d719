"""The ``merchantry`` command.

Every sub-command lives in its own module under :mod:`merchantry.cli` and
registers itself through a ``register(app)`` function, so adding a stage means
adding one module and one line below. The root group (:class:`MerchantryGroup`)
is the error boundary: each mistake is one message and a documented exit code
(``docs/cli.md``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from merchantry.cli.options import INTERRUPTED_MESSAGE, MerchantryGroup, version_text
from merchantry.kit.errors import ExitCode

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
        listings,
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
        listings,
    ):
        module.register(app)


def _interrupted() -> SystemExit:
    """Ctrl-C outside a command's own error boundary (while the commands load, or between
    Typer's parsing and the command): the same one line and exit code as inside it."""
    print(INTERRUPTED_MESSAGE, file=sys.stderr)
    return SystemExit(ExitCode.INTERRUPTED)


try:
    _register_all()  # imports every command's modules: seconds, so Ctrl-C can land here
except KeyboardInterrupt:
    raise _interrupted() from None


def main() -> None:
    """Entry point (errors are turned into messages and exit codes by the root group)."""
    try:
        app()
    except KeyboardInterrupt:
        raise _interrupted() from None


if __name__ == "__main__":
    main()
