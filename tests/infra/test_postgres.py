"""The PostgreSQL fixture gives a real server that SQLAlchemy can use."""

from __future__ import annotations

import sqlalchemy as sa


def test_postgres_fixture_is_a_real_server(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar_one()
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS probe (id int primary key)"))
        conn.execute(sa.text("INSERT INTO probe VALUES (1) ON CONFLICT DO NOTHING"))
        count = conn.execute(sa.text("SELECT count(*) FROM probe")).scalar_one()
    engine.dispose()
    assert str(version).split(".")[0].isdigit()
    assert count == 1
