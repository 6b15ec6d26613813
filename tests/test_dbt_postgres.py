"""Portability: the same dbt project builds on PostgreSQL, with the row counts DuckDB gets.

A throwaway PostgreSQL server (tests/local_postgres.py: Debian's binaries, a free port on
127.0.0.1) receives the raw rows of tests/test_dbt.py's fixture, copied out of DuckDB with
COPY, and `dbt build --target postgres` (models, seeds, data and unit tests) must pass.
Without PostgreSQL binaries the test skips, unless NEWS_REQUIRE_POSTGRES=1 (CI) demands it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dbt import build_sequence

from extractors.load import RAW_TABLES, columns
from extractors.transform import run_dbt
from extractors.warehouse import connect
from tests import local_postgres

# extractors.load's column kinds (lists are JSON text) -> PostgreSQL types
PG_TYPES = {"str": "text", "int": "bigint", "bool": "boolean", "float": "double precision",
            "json": "text", "timestamptz": "timestamptz"}


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    with local_postgres.postgres_for_tests() as env:
        yield env


def copy_raw_to_postgres(duckdb_path: Path, env: dict[str, str], scratch: Path) -> None:
    """Create raw.* in PostgreSQL from the loader's column list; COPY the rows over as CSV
    (DuckDB writes NULL unquoted and '' quoted, which is how PostgreSQL reads them)."""
    pg = local_postgres.connect(env)
    try:
        with pg, pg.cursor() as cur, connect(duckdb_path, read_only=True) as duck:
            cur.execute("create schema if not exists raw")
            for table in RAW_TABLES.values():
                cols = [*columns(table), ("loaded_at", "timestamptz")]
                ddl = ", ".join(f'"{name}" {PG_TYPES[kind]}' for name, kind in cols)
                cur.execute(f"create table raw.{table.name} ({ddl})")
                csv = scratch / f"{table.name}.csv"
                duck.execute(f"copy raw.{table.name} to '{csv}' (header, format csv)")
                with csv.open() as f:
                    cur.copy_expert(f"copy raw.{table.name} from stdin with (format csv, "
                                    "header true)", f)
    finally:
        pg.close()


# Each mart's first column, in order: the surrogate keys are md5s computed by the engine,
# so equal lists mean the same rows with the same ids, not just the same counts.
KEYS_SQL = "select {key} from marts.{table} order by 1"
MART_KEYS = {"articles": "article_id", "entities": "entity_id",
             "entity_mentions": "mention_id", "quotes": "quote_id", "sanctions": "sanction_id",
             "sanctions_by_authority": "sanction_date", "quotes_about_entity": "quote_about_id"}


def mart_keys_postgres(env: dict[str, str]) -> dict[str, list]:
    pg = local_postgres.connect(env)
    try:
        with pg.cursor() as cur:
            keys = {}
            for table, key in MART_KEYS.items():
                cur.execute(KEYS_SQL.format(key=key, table=table))
                keys[table] = [r[0] for r in cur.fetchall()]
            return keys
    finally:
        pg.close()


def mart_keys_duckdb(db: Path) -> dict[str, list]:
    with connect(db, read_only=True) as con:
        return {table: [r[0] for r in con.execute(KEYS_SQL.format(key=key, table=table))
                        .fetchall()] for table, key in MART_KEYS.items()}


def build_on_postgres(env: dict[str, str], scratch: Path):
    """`dbt build` on the server."""
    os.environ.update(env)  # the profile reads NEWS_DBT_TARGET and NEWS_PG_*
    try:
        return run_dbt(["build"], scratch / "unused.duckdb", target_dir=scratch / "target")
    finally:
        for key in env:
            os.environ.pop(key, None)


def test_project_builds_on_postgres_with_duckdb_row_counts(postgres, tmp_path_factory,
                                                           tmp_path):
    builds = build_sequence(tmp_path_factory)  # both batches, as DuckDB built them
    copy_raw_to_postgres(builds["dbs"]["incremental"], postgres, tmp_path)
    result = build_on_postgres(postgres, tmp_path)
    assert result.ok and result.counts.get("pass", 0) > 40  # data and unit tests ran
    pg_keys = mart_keys_postgres(postgres)
    duck_keys = mart_keys_duckdb(builds["full_refresh_db"])
    assert {t: len(k) for t, k in pg_keys.items()} == {t: len(k) for t, k in duck_keys.items()}
    assert pg_keys == duck_keys
    assert all(pg_keys.values())
    # A second build is incremental: the marts' rebuild lists and queues run on PostgreSQL
    # too, and with nothing new they change nothing.
    again = build_on_postgres(postgres, tmp_path)
    assert again.ok and mart_keys_postgres(postgres) == pg_keys
