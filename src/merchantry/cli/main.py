"""The ``merchantry`` command.

Every sub-command lives in its own module under :mod:`merchantry.cli` and
registers itself through a ``register(app)`` function, so adding a stage means
adding one module and one line below. The root group (:class:`MerchantryGroup`)
is the error boundary: each mistake is one message and a documented exit code
(``docs/cli.md``).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from merchantry.kit.errors import INTERRUPTED_MESSAGE, ExitCode


def _interrupted_while_loading(_signum: int, _frame: FrameType | None) -> None:
    """Ctrl-C while this module and every command's modules load (seconds at start-up, before
    any command's own boundary exists): the same one line and exit code as inside one."""
    print(INTERRUPTED_MESSAGE, file=sys.stderr)
    raise SystemExit(ExitCode.INTERRUPTED)


_LOADING_IN_MAIN_THREAD = threading.current_thread() is threading.main_thread()
if _LOADING_IN_MAIN_THREAD:  # signal handlers can only be set from the main thread
    _previous_handler = signal.signal(signal.SIGINT, _interrupted_while_loading)

from typing import Annotated  # noqa: E402  (the handler above must be in place first)

import typer  # noqa: E402

from merchantry.cli.options import MerchantryGroup, version_text  # noqa: E402

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
        programs,
        reco,
        returns,
        risk,
        rulebook,
        run,
        score,
        seeding,
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
        programs,
        seeding,
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
finally:
    if _LOADING_IN_MAIN_THREAD:  # from here on, commands' own boundaries handle Ctrl-C
        signal.signal(signal.SIGINT, _previous_handler)


def main() -> None:
    """Entry point (errors are turned into messages and exit codes by the root group)."""
    try:
        app()
    except KeyboardInterrupt:
        raise _interrupted() from None


if __name__ == "__main__":
    main()
