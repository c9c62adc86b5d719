"""What every command shares: the error boundary, the warehouse option and opening it,
rulebook folders, periods, shops and progress.

Every command goes through :class:`MerchantryGroup`, so each user mistake ends in one
message on stderr and an exit code from :class:`~merchantry.kit.errors.ExitCode` (the table
in ``docs/cli.md``), never a traceback: Merchantry's own errors print their message,
Ctrl-C prints one line and exits 130, anything else is reported as a bug (exit 70; set
``MERCHANTRY_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn

import duckdb
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from merchantry.kit.errors import (
    INTERRUPTED_MESSAGE,
    ExitCode,
    InputError,
    Interrupted,
    MerchantryError,
    NotFound,
)
from merchantry.kit.refusals import refused
from merchantry.ops.migrate import existing_sqlite_only
from merchantry.service.choice import Chosen, money_rulebook
from merchantry.store.warehouse import DEFAULT_DB, connect, interrupted, out_of_memory

DATE_FORMATS: Final = ["%Y-%m-%d"]
MOMENT_FORMATS: Final = [*DATE_FORMATS, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
"""A day, or a day and a time (platform local time)."""
RULEBOOK_DIR_OPTION: Final = "--rulebook-dir"
HIDDEN_ALIASES: Final = {"--dir": RULEBOOK_DIR_OPTION, "--store": "--ops-db"}
"""Old spellings still accepted but no longer shown in ``--help``."""
DEBUG_ENV: Final = "MERCHANTRY_DEBUG"

DbOption = Annotated[
    Path, typer.Option("--db", help="Warehouse file (DuckDB).", metavar="FILE", dir_okay=False)
]
RulebookDirsOption = Annotated[
    list[Path] | None,
    typer.Option(
        RULEBOOK_DIR_OPTION,
        metavar="DIR",
        help="Extra folder of rulebook YAML files, searched before the shipped ones (repeatable).",
    ),
]
MoneyRulebookOption = Annotated[
    str | None,
    typer.Option(
        "--rulebook",
        metavar="NAME",
        help="Fee and ledger rulebook. Default: the warehouse's (its last close's; else the "
        "one the period's fee lines were computed with; else its marketplace's), douyin-2026 "
        "in a new Douyin warehouse; the command says which it took.",
    ),
]
OutboxOption = Annotated[
    str | None,
    typer.Option(
        "--outbox",
        envvar="MERCHANTRY_OPS_URL",
        help="Operational database (the service's): queue payout.scheduled webhooks there.",
    ),
]
__all__ = ["DEFAULT_DB"]


FIRST_YEAR: Final = 1970
LAST_YEAR: Final = 2199
"""Dates the stages compute with: a period reaches back up to a year (scores, integrity
records) and forward to payout days, all inside what dates and timestamps can hold."""
_DATE_LIKE: Final = re.compile(r"(\d{1,4})-\d{1,2}-\d{1,2}(?:[T ].*)?")


def check_date_arguments(args: Sequence[str]) -> None:
    """Refuse a date argument outside :data:`FIRST_YEAR`..:data:`LAST_YEAR`, naming its option.

    ``0001-01-01`` is a valid date, but a stage that looks a year back from it, or a timestamp
    made from it, cannot: the command would fail in the middle instead of at the start.
    """
    for i, arg in enumerate(args):
        option, _, inline = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        value = inline if option else arg
        match = _DATE_LIKE.fullmatch(value.strip())
        if match is None or FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
            continue
        named = option or (args[i - 1] if i > 0 and args[i - 1].startswith("--") else "a date")
        raise InputError(
            f"{named} {value}: dates must fall between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"
        )


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def report_error(err: MerchantryError) -> None:
    """Print a Merchantry error as the command line shows it."""
    _stderr().print(f"[bold red]error:[/] {escape(str(err))}", markup=True)


def _os_text(err: OSError) -> str:
    where = f" {err.filename}" if err.filename else ""
    blocker = _file_in_the_way(err)
    if blocker is not None:
        return f"cannot use{where}: {blocker} is a file, not a folder"
    return f"cannot use{where}: {err.strerror or err}"


def _file_in_the_way(err: OSError) -> Path | None:
    """The file that stands where a folder was wanted (``--out w.duckdb/x.csv``: ENOTDIR, or
    EEXIST when a folder was to be made), else None."""
    if err.errno not in (errno.ENOTDIR, errno.EEXIST) or not err.filename:
        return None
    path = Path(str(err.filename))
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate if candidate.is_file() else None
    return None


class MerchantryCommand(TyperCommand):
    """A command that also accepts the hidden old spellings of renamed options."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        known = {opt for param in self.params for opt in getattr(param, "opts", ())}
        rewritten: list[str] = []
        for i, arg in enumerate(args):
            if arg == "--":
                rewritten.extend(args[i:])
                break
            name, sep, value = arg.partition("=")
            target = HIDDEN_ALIASES.get(name)
            if target is not None and target in known and name not in known:
                arg = target + sep + value
            rewritten.append(arg)
        try:
            return super().parse_args(ctx, list(rewritten))  # the parser uses its list up
        except typer.TyperException as err:
            if type(err).__name__ == "MissingParameter":  # Typer's own copy of Click's
                _point_at_bare_words(self, ctx, rewritten, err)
            raise

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; unless it is one of :data:`OPS_DB_MAKERS`, a SQLite operational
        database (``--ops-db``, ``--outbox``) whose file does not exist is refused."""
        if command_words(ctx) in OPS_DB_MAKERS:
            return super().invoke(ctx)
        with existing_sqlite_only(OPS_DB_MAKER_TEXT):
            return super().invoke(ctx)


def _point_at_bare_words(
    command: TyperCommand, ctx: Any, args: list[str], err: typer.TyperException
) -> None:
    """A required option missing while bare words were given to a command that takes none
    (``merchantry generate out``, ``merchantry close 2026-03-01 2026-03-31``): say the words
    were given without option names and pair them, in order, with the required options left
    out (``--from 2026-03-01 --to 2026-03-31``), instead of only "Missing option '--from'"."""
    params = command.get_params(ctx)
    if not isinstance(getattr(err, "param", None), TyperOption) or any(
        isinstance(p, TyperArgument) for p in params
    ):
        return
    try:
        given, bare, _ = command.make_parser(ctx).parse_args(args=list(args))
    except typer.TyperException:
        return
    bare = [word for word in bare if not word.startswith("-")]
    missing = [
        next((o for o in p.opts if o.startswith("--")), p.opts[0])
        for p in params
        if isinstance(p, TyperOption) and p.required and p.name not in given
    ]
    if not bare or not missing:
        return
    words = ", ".join(repr(w) for w in bare)
    meant = " ".join(f"{name} {word}" for name, word in zip(missing, bare, strict=False))
    err.message = (
        f"`{ctx.command_path}` takes options, not bare words: {words} "
        f"{'was' if len(bare) == 1 else 'were'} given without an option name. "
        f"Did you mean `{meant}`?"
    )


OPS_DB_MAKERS: Final = frozenset({"serve", "keys create", "risk integrity", "risk cases open"})
"""The commands that make a new SQLite operational database: they write its first rows (the
service's tables, a key, integrity records, cases). Every other command that takes one only
reads or drains it (``keys list``, ``risk cases list``, ``inbox drain``, a close's outbox) and
refuses a file that does not exist: an empty one made from a typo'd path would answer "0 keys"
or "no cases"."""
OPS_DB_MAKER_TEXT: Final = (
    "`merchantry serve`, `merchantry keys create`, `merchantry risk integrity` and "
    "`merchantry risk cases open`"
)


def command_words(ctx: Any) -> str:
    """The command's path below the root, e.g. ``risk cases list``."""
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(words))


_NO_SUCH_COMMAND: Final = "No such command"


def option_names(command: Any, ctx: Any) -> list[str]:
    """Every option spelling ``command`` shows in ``--help`` (hidden aliases left out), in
    the order ``--help`` lists them."""
    names: list[str] = []
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "option" or getattr(param, "hidden", False):
            continue
        names.extend(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
    return names


def plain_value_error(err: typer.TyperException) -> str | None:
    """The refusal of an option's value in the reader's words, naming the value given
    (:func:`merchantry.kit.refusals.refused`; Typer checks values with pydantic, whose
    wording names neither). None when ``err`` is not such a refusal."""
    cause = err.__cause__
    if not isinstance(cause, ValidationError):
        return None
    problems = cause.errors(include_url=False)
    if not problems:
        return None
    param = getattr(err, "param", None)
    names = [*getattr(param, "opts", ()), ""]
    return refused(problems[0], form=getattr(param, "metavar", None), name=names[0])


def explain_usage_error(err: typer.TyperException) -> None:
    """Make a usage error say what was possible: an unknown option gets the close spellings
    and every option of the command it was given to; an unknown command gets the group's
    commands. Changes ``err`` in place (Typer prints it with the usage line)."""
    ctx = getattr(err, "ctx", None)
    if ctx is None or getattr(err, "_explained", False):
        return
    where = f"`{ctx.command_path}`"
    given = getattr(err, "option_name", None)
    plain = plain_value_error(err)
    if plain is not None:
        err.message = plain
    elif isinstance(given, str):
        names = option_names(ctx.command, ctx)
        close = difflib.get_close_matches(given, names, n=3, cutoff=0.6)
        text = f"No such option {given} for {where}."
        if close:
            text += " Did you mean " + " or ".join(close) + "?"
        err.message = text + " Its options: " + ", ".join(names) + "."
        err.possibilities = None  # type: ignore[attr-defined]
    elif isinstance(ctx.command, TyperGroup) and err.message.startswith(_NO_SUCH_COMMAND):
        commands = sorted(n for n, c in ctx.command.commands.items() if not c.hidden)
        err.message = (
            f"{err.message.rstrip('.')} in {where}. Its commands: {', '.join(commands)}."
            if "?" not in err.message
            else f"{err.message} Commands of {where}: {', '.join(commands)}."
        )
    err._explained = True  # type: ignore[attr-defined]  # nested groups see it again


def _output_closed() -> None:
    """Point stdout at the null device, so the interpreter's last flush of what is left does
    not fail again with a second broken pipe (and a message on the way out)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner's): nothing to flush
        pass


def _rich_output_closed(console: Console) -> None:
    """Rich's hook for a closed output ends the process with exit 1 by itself; hand the
    broken pipe back instead, so a table cut short by ``| head`` ends as any other output
    does (:data:`ExitCode.OUTPUT_CLOSED`, no message)."""
    console.quiet = True
    raise BrokenPipeError


setattr(Console, "on_broken_pipe", _rich_output_closed)  # noqa: B010  (Rich's override hook)


class MerchantryGroup(TyperGroup):
    """The root group: the error boundary every command runs inside, and where every usage
    mistake of the whole command tree (an unknown option or command at any depth) is
    explained, since every group's and command's parsing happens inside it."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as err:  # the root's own options, e.g. `merchantry --vers`
            explain_usage_error(err)
            raise

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            check_date_arguments([*ctx._protected_args, *ctx.args])
            return super().invoke(ctx)
        except typer.TyperException as err:  # usage errors of any group or command below
            explain_usage_error(err)
            raise
        except (typer.Exit, typer.Abort):
            raise  # Typer's own: --help, exits
        except Interrupted as err:  # Ctrl-C in a run that commits in steps: what stays
            _stderr().print(str(err), markup=False, highlight=False)
            raise typer.Exit(err.exit_code) from None
        except MerchantryError as err:
            report_error(err)
            raise typer.Exit(err.exit_code) from None
        except BrokenPipeError:  # `… | head` closed the output: stop quietly
            _output_closed()
            raise typer.Exit(ExitCode.OUTPUT_CLOSED) from None
        except FileNotFoundError as err:
            _stderr().print(f"[bold red]error:[/] {escape(_os_text(err))}", markup=True)
            raise typer.Exit(ExitCode.NOT_FOUND) from None
        except OSError as err:  # a path the user gave cannot be read or written
            _stderr().print(f"[bold red]error:[/] {escape(_os_text(err))}", markup=True)
            raise typer.Exit(ExitCode.INPUT) from None
        except (KeyboardInterrupt, duckdb.InterruptException):
            _stderr().print(INTERRUPTED_MESSAGE)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as err:
            if interrupted(err):  # Ctrl-C while a DuckDB statement ran
                _stderr().print(INTERRUPTED_MESSAGE)
                raise typer.Exit(ExitCode.INTERRUPTED) from None
            short = out_of_memory(err)
            if short is not None:  # a setting to change, not a bug
                _stderr().print(
                    f"[bold red]error:[/] {escape(short)}", markup=True, highlight=False
                )
                raise typer.Exit(ExitCode.INPUT) from None
            if os.environ.get(DEBUG_ENV):
                raise
            _stderr().print(
                f"[bold red]internal error[/] (a bug in Merchantry; please report it with the "
                f"command you ran): {type(err).__name__}: {escape(str(err))}\n"
                f"set {DEBUG_ENV}=1 to see where it happened",
                markup=True,
            )
            raise typer.Exit(ExitCode.INTERNAL) from None


def command(app: typer.Typer, name: str, function: Callable[..., Any]) -> None:
    """Register ``function`` as command ``name`` of ``app`` with the shared command class."""
    app.command(name, cls=MerchantryCommand)(function)


def version_text() -> str:
    try:
        return f"merchantry {metadata.version('merchantry')}"
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "merchantry (version unknown: not installed)"


# --- the warehouse


def require_warehouse(db: Path, *, create: bool = False) -> Path:
    """``db`` when it names a warehouse this command may open, checked without opening it
    (``serve`` checks before its workers start; the live file may be held by a writer).

    Only a command that loads data (``create=True``: ``ingest``) may make a new file; every
    other command refuses a missing one rather than answer from an empty warehouse, and an
    empty (0-byte) file, which is not a warehouse yet.
    """
    db = Path(db)
    if db.is_dir():
        raise InputError(f"--db {db} is a folder; give the warehouse file, e.g. {db / DEFAULT_DB}")
    if not db.exists():
        if not create:
            raise NotFound(
                f"no warehouse at {db}: this command reads one and will not make an empty one. "
                f"Load data first with `merchantry ingest DIR --db {db}` (or run `merchantry "
                "demo`), or point --db at an existing warehouse file"
            )
        if not db.parent.is_dir():
            raise NotFound(
                f"folder {db.parent} does not exist, so the warehouse {db.name} cannot be "
                f"created there; create the folder first (mkdir -p {db.parent})"
            )
    if db.is_file() and not is_duckdb_file(db):
        raise InputError(
            f"--db {db} is not a DuckDB warehouse file; it was left untouched "
            "(give a new file name to create a warehouse)"
        )
    if not create and db.is_file() and db.stat().st_size == 0:
        raise InputError(
            f"--db {db} is an empty file, not a Merchantry warehouse; load data into it with "
            f"`merchantry ingest DIR --db {db}`, or point --db at an existing warehouse file"
        )
    return db


def connect_warehouse(
    db: Path, *, read_only: bool = False, create: bool = False
) -> duckdb.DuckDBPyConnection:
    """The warehouse at ``db`` (the caller closes it), checked by :func:`require_warehouse`."""
    db = require_warehouse(db, create=create)
    try:
        return connect(db, read_only=read_only)
    except duckdb.Error as err:
        text = out_of_memory(err) or (str(err).strip().splitlines() or [type(err).__name__])[0]
        if "not a valid DuckDB database file" in text:
            raise InputError(
                f"--db {db} is not a Merchantry warehouse (DuckDB cannot read it as a "
                "database file); point --db at the warehouse `merchantry ingest` made"
            ) from None
        raise InputError(f"cannot open the warehouse {db}: {text}") from None


_DUCKDB_MAGIC = b"DUCK"
"""Bytes 8-12 of every DuckDB database file."""


def is_duckdb_file(path: Path) -> bool:
    """Whether ``path`` starts like a DuckDB database file (an empty file counts: DuckDB
    initialises it)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as err:
        raise InputError(f"cannot read --db {path}: {err.strerror or err}") from err
    return not head or head[8:12] == _DUCKDB_MAGIC


@contextmanager
def open_warehouse(
    db: Path, *, read_only: bool = False, create: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`connect_warehouse` as a block: the connection is closed at its end."""
    con = connect_warehouse(db, read_only=read_only, create=create)
    try:
        yield con
    finally:
        con.close()


def require_folder(path: Path, what: str) -> Path:
    """``path`` when it is an existing folder; a message naming ``what`` otherwise."""
    if not path.exists():
        raise NotFound(f"{what} {path} does not exist")
    if not path.is_dir():
        raise InputError(f"{what} {path} is a file, not a folder")
    return path


def money_rulebook_name(
    con: duckdb.DuckDBPyConnection,
    given: str | None,
    folders: Sequence[Path] = (),
    period: tuple[date, date] | None = None,
) -> str:
    """The fee and ledger rulebook a command runs: ``given``, else the warehouse's
    (:func:`merchantry.service.choice.money_rulebook`), said on stderr when it is not the
    plain default, so no one closes under rules they did not expect."""
    return said(money_rulebook(con, given, folders, period))


def said_many(names: Sequence[str], why: str, option: str = "--rulebook") -> None:
    """Say on stderr which rulebooks a command chose for itself, and why."""
    _stderr().print(escape(f"note: {option} not given: running {', '.join(names)}, {why}"))


def said(chosen: Chosen) -> str:
    """The name of the rulebook a command chose for itself, said on stderr with why."""
    if chosen.why:
        said_many((chosen.name,), chosen.why)
    return chosen.name


def rulebook_dirs(dirs: Sequence[Path] | None) -> tuple[Path, ...]:
    """The ``--rulebook-dir`` folders, each checked to exist."""
    return tuple(require_folder(Path(d), f"{RULEBOOK_DIR_OPTION} folder") for d in dirs or ())


def _refuse_unknown(
    con: duckdb.DuckDBPyConnection, value: str, closest: str, unknown: str, empty: str
) -> NoReturn:
    """Refuse ``value`` (:class:`NotFound`): ``unknown``, then the ids the query ``closest``
    ranks nearest (or ``empty`` when it finds none), so a typo is not answered as an id with
    no history."""
    close = con.execute(closest, {"v": value}).fetchall()
    hint = "did you mean " + ", ".join(repr(r[0]) for r in close) + "?" if close else empty
    raise NotFound(f"{unknown}; {hint}")


def require_shop(con: duckdb.DuckDBPyConnection, shop: str) -> str:
    """``shop`` when the warehouse knows it (in ``shops`` or with an order); the closest ids
    otherwise, so a typo is not answered with an empty statement."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM shops WHERE shop_id = $s) "
        "+ (SELECT count(*) FROM orders WHERE shop_id = $s)",
        {"s": shop},
    ).fetchone()
    if row and row[0]:
        return shop
    _refuse_unknown(
        con,
        shop,
        "SELECT shop_id FROM (SELECT shop_id FROM shops UNION SELECT shop_id FROM orders) "
        "ORDER BY levenshtein(shop_id, $v), shop_id LIMIT 3",
        f"no shop {shop!r} in the warehouse",
        "the warehouse has no shops yet: ingest some data first",
    )


def require_buyer(con: duckdb.DuckDBPyConnection, buyer: str) -> str:
    """``buyer`` when the warehouse has an order of theirs (buyers are known by their
    orders); the closest ids otherwise, so a typo is not answered as a buyer with no history."""
    row = con.execute("SELECT count(*) FROM orders WHERE buyer_id = $b", {"b": buyer}).fetchone()
    if row and row[0]:
        return buyer
    _refuse_unknown(
        con,
        buyer,
        "SELECT buyer_id FROM (SELECT DISTINCT buyer_id FROM orders) "
        "ORDER BY levenshtein(buyer_id, $v), buyer_id LIMIT 3",
        f"buyer {buyer!r} has no orders in the warehouse",
        "the warehouse has no orders yet: ingest some data first",
    )


def require_paid_orders(
    con: duckdb.DuckDBPyConnection, start: date, end: date, what: str = "fees to compute"
) -> None:
    """Refuse a period no order was paid in, naming the days the warehouse's orders span (a
    stage would answer it with an empty table: a typo'd year, a period not loaded yet)."""
    row = con.execute(
        "SELECT count(*) FILTER (WHERE paid_at >= $start AND paid_at < $until), "
        "min(paid_at)::DATE, max(paid_at)::DATE FROM orders",
        {"start": start, "until": end + timedelta(days=1)},
    ).fetchone()
    if row is None or row[1] is None:
        raise InputError(
            f"the warehouse holds no orders, so there are no {what}; "
            "load data first with `merchantry ingest DIR`"
        )
    if not row[0]:
        raise InputError(
            f"no orders were paid in {start}..{end} (--from/--to), so there are no {what}: "
            f"the warehouse's orders were paid {row[1]}..{row[2]}"
        )


def output_file(path: Path, option: str = "--out") -> Path:
    """``path`` when a file can be written there: its folder exists and is a folder, and it is
    not itself a folder. Checked before the work, so a long command does not fail at its end."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise InputError(f"cannot use {option} {path}: it is a folder; give a file name in it")
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise InputError(f"cannot use {option} {path}: {parent} is a file, not a folder")
    if not folder.is_dir():
        raise NotFound(
            f"cannot use {option} {path}: folder {folder} does not exist; create it first "
            f"(mkdir -p {folder})"
        )
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot use {option} {path}: folder {folder} cannot be written to")
    return path


def write_output(path: Path, text: str, option: str = "--out") -> None:
    """Write ``text`` to ``path`` (see :func:`output_file`); a file system that refuses it
    (``/proc``, a read-only mount) is an input error naming the option and the reason."""
    output_file(path, option)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot write {option} {path}: {err.strerror or err}") from None


# --- periods


def day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def check_period(
    start: date | None, end: date | None, names: tuple[str, str] = ("--from", "--to")
) -> None:
    """Refuse a period that ends before it starts (it would select nothing, silently)."""
    if start is not None and end is not None and end < start:
        raise InputError(
            f"{names[0]} {start} is after {names[1]} {end}; the period would be empty "
            f"(did you swap them?)"
        )


# --- progress


@contextmanager
def progress(
    console: Console, text: str, *, enabled: bool = True
) -> Iterator[Callable[[str], None]]:
    """A transient spinner (the one every command shows); yields a function that changes
    its text. Print through ``console`` meanwhile: lines appear above the spinner."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    ) as bar:
        task = bar.add_task(text, total=None)
        yield lambda step: bar.update(task, description=step)
