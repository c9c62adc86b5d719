"""Bring an operational database to the newest migration, programmatically.

The API calls :func:`open_ops` on start, ``merchantry serve`` once before it
starts its workers, and :func:`merchantry.risk.store.open_store` too, so every
entry point finds the schema it expects. A database the risk commands created
before migrations existed (its tables made by ``create_all``, no
``alembic_version``) is stamped at ``0001``, whose tables it already has, and
upgraded from there. On PostgreSQL an advisory lock makes concurrent starts
wait for each other instead of racing to create the same tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from merchantry.kit.errors import InputError, NotFound

HEAD: Final = "0011"
"""The newest migration shipped."""

ADOPTED: Final = "0001"
"""The migration whose tables databases from before migrations already have."""

LOCK_KEY: Final = 7_305_113_911
"""PostgreSQL advisory lock held while migrating (any constant the app owns)."""

SCRIPTS: Final = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None``: none applied)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest); a no-op when it is there."""
    _can_open(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        config = _config(conn)
        names = set(inspect(conn).get_table_names())
        if "alembic_version" not in names and "risk_cases" in names:
            command.stamp(config, ADOPTED)
        command.upgrade(config, revision)


def _can_open(engine: Engine) -> None:
    """Open one connection, or say plainly why the database cannot be used (a file that is
    not SQLite, a server that does not answer, a password refused)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as err:
        where = engine.url.render_as_string(hide_password=True)
        reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
        raise InputError(f"operational database {where} cannot be opened: {reason}") from None


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Readers and the one writer do not block each other in WAL mode, and a reader that
    # turns writer is not refused at once ("database is locked") as in rollback mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # SQLAlchemy, not the driver, starts transactions (see _begin_immediate).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


READ_ONLY: Final = "merchantry_read_only"
"""Execution option of an engine or connection that only reads (see :func:`reader`)."""


def _begin_immediate(conn: Connection) -> None:
    """Take SQLite's write lock when a transaction starts, waiting (busy_timeout) for it.

    A deferred transaction that has read and then writes fails at once ("database is
    locked") when another connection wrote in between: the webhook dispatcher and a
    request writing at the same moment did exactly that. Starting every transaction
    with the lock makes them queue instead. A transaction of a :func:`reader` never
    writes, so it starts deferred: in WAL mode it then neither waits for the writer
    nor holds other writers up.
    """
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def reader(engine: Engine) -> Engine:
    """``engine`` for transactions that only read (same pool). On SQLite they do not take
    the write lock; do not write through it (a deferred transaction that writes after
    another connection did fails at once with "database is locked")."""
    return engine.execution_options(**{READ_ONLY: True})


URL_FORMS: Final = (
    "a SQLAlchemy URL such as sqlite:///ops.sqlite or "
    "postgresql+psycopg://user:password@host/merchantry, or the path of a SQLite file"
)


_MAKERS: ContextVar[str | None] = ContextVar("merchantry_ops_makers", default=None)
"""Inside :func:`existing_sqlite_only`: the commands that do make an operational database."""


@contextmanager
def existing_sqlite_only(makers: str) -> Iterator[None]:
    """Within the block a SQLite operational database whose file does not exist is refused
    (:class:`NotFound`, naming the path and ``makers``, the commands that create one) instead
    of created empty: a command that only reads or drains it would otherwise answer from an
    empty database ("0 keys", "no cases") when the path has a typo. Outside it (the API, the
    library, the commands that write the first rows) a missing file is created."""
    token = _MAKERS.set(makers)
    try:
        yield
    finally:
        _MAKERS.reset(token)


def ops_url(given: str, option: str = "--ops-db") -> URL:
    """The operational database ``given`` (to ``option``) names: a SQLAlchemy URL, or a plain
    file path taken as a SQLite file. Anything else is an input error naming the option, what
    was given and what is accepted."""
    text_ = given.strip()
    if not text_ or not text_.isprintable():
        raise InputError(f"{option} {given!r} is not a database: give {URL_FORMS}")
    if "://" not in text_:
        path = Path(text_)
        if path.is_dir():
            raise InputError(f"{option} {given} is a folder: give {URL_FORMS}")
        return _sqlite_file_usable(URL.create("sqlite", database=str(path)), given, option)
    try:
        url = make_url(text_)
    except ArgumentError:
        raise InputError(f"{option} {given!r} cannot be read as a URL: give {URL_FORMS}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(
            f"{option} {given!r}: the operational database is SQLite or PostgreSQL, not "
            f"{url.get_backend_name()}"
        )
    return _sqlite_file_usable(url, given, option)


def _sqlite_file_usable(url: URL, given: str, option: str) -> URL:
    """``url`` when its SQLite file can be opened or made: its folder exists, and (inside
    :func:`existing_sqlite_only`) the file itself does."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return url
    if str(url.database).startswith("file:"):  # a SQLite URI: the driver reads it
        return url
    path = Path(str(url.database))
    if not path.parent.is_dir():
        raise InputError(
            f"{option} {given}: folder {path.parent} does not exist; create it first "
            f"(mkdir -p {path.parent})"
        )
    makers = _MAKERS.get()
    if makers is not None and not path.exists():
        raise NotFound(
            f"{option} {given}: no operational database at {path} (the file does not exist); "
            f"this command reads it and will not make an empty one. {makers} make one; "
            "check the path"
        )
    return url


def create_ops_engine(url: str, option: str = "--ops-db") -> Engine:
    """An engine for ``url`` (see :func:`ops_url`; ``option`` is the option that gave it, for
    messages); SQLite gets foreign keys on, WAL, and waits (30 s) for a busy file."""
    parsed = ops_url(url, option)
    try:
        engine = create_engine(
            parsed, future=True, pool_pre_ping=parsed.get_backend_name() != "sqlite"
        )
    except NoSuchModuleError:
        raise InputError(
            f"{option} {url!r}: no database driver {parsed.drivername!r} is installed; "
            "use sqlite:/// or postgresql+psycopg://"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def open_ops(url: str, option: str = "--ops-db") -> Engine:
    """An engine on the operational database at ``url`` (given to ``option``), migrated to the
    newest revision."""
    engine = create_ops_engine(url, option)
    migrate(engine)
    return engine
