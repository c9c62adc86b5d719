"""PostgreSQL tells listening workers at once when a key is revoked or an event recorded.

A worker keeps a pulse of the operational database (``ops/pulse.py``): the newest inbox
``seq`` and the revoked keys, read by a watcher thread. These triggers wake that
thread (``NOTIFY merchantry_pulse``) as soon as the change commits, instead of at its
next poll: ``api_keys`` on every update or delete (a revocation, whoever makes it: the
API, ``merchantry keys revoke``, a hand-made ``UPDATE``), ``online_inbox`` once per
inserting statement. The notice carries no data: the watcher reads the truth itself,
so a lost notice only costs the wait until the next poll. SQLite has no notices: its
watchers poll.

Revision ID: 0010
Revises: 0008 (other branches' migrations of this round are re-chained at merge)
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION merchantry_pulse_notify() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_notify('merchantry_pulse', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER merchantry_pulse_keys AFTER UPDATE OR DELETE ON api_keys "
        "FOR EACH STATEMENT EXECUTE FUNCTION merchantry_pulse_notify()"
    )
    op.execute(
        "CREATE TRIGGER merchantry_pulse_inbox AFTER INSERT ON online_inbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION merchantry_pulse_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS merchantry_pulse_inbox ON online_inbox")
    op.execute("DROP TRIGGER IF EXISTS merchantry_pulse_keys ON api_keys")
    op.execute("DROP FUNCTION IF EXISTS merchantry_pulse_notify()")
