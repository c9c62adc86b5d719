"""Where ingestion writes down what it did: ``quarantine`` and ``ingest_files``.

``quarantine`` keeps every rejected row with where it came from and why;
``ingest_files`` records each file read, by content digest and table, which is
what makes re-ingesting the same files a no-op, and what lets rows quarantined
for a missing parent be retried when the same file is offered again.
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import tempfile
from pathlib import Path

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.reason import Reason
from merchantry.kit.errors import InputError
from merchantry.model.system import INGEST_FILES, QUARANTINE_COLUMNS, SYSTEM_TABLES
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.store.sql import col, insert_select, text, to_sql
from merchantry.store.warehouse import create_table_sql


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``quarantine`` (no key: it is a log) and ``ingest_files`` if missing.

    A warehouse made when ``ingest_files`` was keyed by digest alone is
    migrated to the declared key (one file may feed two tables, and a retry
    records a second read of the same file).
    """
    for table in SYSTEM_TABLES:
        con.execute(create_table_sql(table))
    keys = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = 'ingest_files' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall()  # fetched to the end: a half-read result blocks register() on this connection
    found = keys[0] if keys else None
    if found is None or list(found[0]) == list(INGEST_FILES.primary_key):
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(create_table_sql(INGEST_FILES, name="_ingest_files_new"))
        con.execute(insert_select("_ingest_files_new", "ingest_files", INGEST_FILES.column_names))
        con.execute("DROP TABLE ingest_files")
        con.execute("ALTER TABLE _ingest_files_new RENAME TO ingest_files")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def known_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Digest -> path of every file ingested before."""
    rows = con.execute("SELECT digest, path FROM ingest_files").fetchall()
    return {str(d): str(p) for d, p in rows}


def known_reads(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str, int]]:
    """(digest, table) -> (path first read, number of reads) of every file ingested before."""
    rows = con.execute(
        "SELECT digest, table_name, min(path), count(*) FROM ingest_files GROUP BY ALL"
    ).fetchall()
    return {(str(d), str(t)): (str(p), int(n)) for d, t, p, n in rows}


def _stored_key(table_name: str) -> exp.Expr:
    """The stored key of ``table_name`` as text, in the form ``quarantine.row_key`` has."""
    table = TABLES_BY_NAME[table_name]
    parts = [exp.cast(col(k, "t"), "VARCHAR") for k in table.primary_key]
    return exp.func("concat_ws", text(", "), *parts)


def retryable_rows(con: duckdb.DuckDBPyConnection, digest: str, table_name: str) -> list[int]:
    """Rows of a file read before that may be read again now: every time they were read they
    were quarantined for a missing parent, and their key is still not stored."""
    stored = (
        exp.select("1")
        .from_(exp.to_table(table_name).as_("t"))
        .where(exp.EQ(this=_stored_key(table_name), expression=col("row_key", "q")))
    )
    query = (
        exp.select(col("row_number", "q"))
        .from_(exp.to_table("quarantine").as_("q"))
        .join(
            exp.to_table("ingest_files").as_("f"),
            on=exp.and_(
                exp.EQ(this=col("ingest_id", "q"), expression=col("ingest_id", "f")),
                exp.EQ(this=col("source_file", "q"), expression=col("path", "f")),
                exp.EQ(this=col("table_name", "q"), expression=col("table_name", "f")),
            ),
        )
        .where(
            exp.and_(
                exp.EQ(this=col("digest", "f"), expression=exp.Placeholder()),
                exp.EQ(this=col("table_name", "f"), expression=exp.Placeholder()),
            )
        )
        .group_by(col("row_number", "q"))
        .having(
            exp.and_(
                exp.func(
                    "bool_and",
                    exp.EQ(
                        this=col("reason", "q"), expression=text(Reason.MISSING_REFERENCE.value)
                    ),
                ),
                exp.Not(
                    this=exp.func(
                        "bool_or",
                        exp.Exists(this=stored),
                    )
                ),
            )
        )
        .order_by(col("row_number", "q"))
    )
    rows = con.execute(to_sql(query), [digest, table_name]).fetchall()
    return [int(r[0]) for r in rows]


class QuarantineFile:
    """The ``--quarantine-file``: checked writable before anything is committed.

    Rows are written to a temporary file beside the target while the ingest's
    transaction is still open, and the file is moved into place after the
    commit, so a quarantined row always reaches the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise InputError(f"--quarantine-file {str(path)!r} is a folder; name a file")
        if path.exists() and not os.access(path, os.W_OK):
            raise InputError(f"cannot write the quarantine file {str(path)!r}: it is read-only")
        self._direct = path.exists() and not path.is_file()
        """A device or pipe (``/dev/null``, a FIFO) is written in place: moving a file over it
        would replace the device itself."""
        if self._direct:
            self._tmp = path
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as err:
            raise InputError(
                f"cannot write the quarantine file {str(path)!r}: {err.strerror or err}; "
                "nothing was ingested"
            ) from err
        os.close(fd)
        self._tmp = Path(tmp)

    def write(self, con: duckdb.DuckDBPyConnection, ingest_id: str) -> int:
        """Write this ingest's quarantined rows (with header) to the temporary file."""
        try:
            return _write_rows(con, ingest_id, self._tmp)
        except OSError as err:
            self.discard()
            raise InputError(
                f"cannot write the quarantine file {str(self.path)!r}: {err.strerror or err}; "
                "nothing was ingested"
            ) from err

    def publish(self) -> None:
        """Move the written file into place."""
        if not self._direct:
            os.replace(self._tmp, self.path)

    def discard(self) -> None:
        if self._direct:
            return
        with contextlib.suppress(OSError):
            self._tmp.unlink()


def _write_rows(con: duckdb.DuckDBPyConnection, ingest_id: str, path: Path) -> int:
    names = [c.name for c in QUARANTINE_COLUMNS]
    cursor = con.execute(
        "SELECT * FROM quarantine WHERE ingest_id = ? "
        "ORDER BY table_name, source_file, row_number, column_name",
        [ingest_id],
    )
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)
            count += len(rows)
        fh.flush()
        if stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # devices and pipes cannot be synced
            os.fsync(fh.fileno())
    return count


def write_quarantine_file(con: duckdb.DuckDBPyConnection, ingest_id: str, path: Path) -> int:
    """Write this ingest's quarantined rows to a CSV file (with header); returns the count."""
    target = QuarantineFile(path)
    count = target.write(con, ingest_id)
    target.publish()
    return count
