"""Portability: the same dbt project builds on PostgreSQL, with the row counts DuckDB gets.

A throwaway PostgreSQL server (initdb + pg_ctl into a temp dir, trust auth, a free port on
127.0.0.1) receives the raw rows of tests/test_dbt.py's fixture, copied out of DuckDB with
COPY, and `dbt build --target postgres` (models, seeds, data and unit tests) must pass.
Without PostgreSQL binaries the test skips, unless NEWS_REQUIRE_POSTGRES=1 (CI) demands it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_dbt import build_sequence

from extractors.load import RAW_TABLES, columns
from extractors.transform import run_dbt
from extractors.warehouse import connect

# extractors.load's column kinds (lists are JSON text) -> PostgreSQL types
PG_TYPES = {"str": "text", "int": "bigint", "bool": "boolean", "float": "double precision",
            "json": "text", "timestamptz": "timestamptz"}
PG_USER, PG_DB = "news", "postgres"  # the database initdb creates


def pg_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: PATH first, else Debian's versioned folders."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


def unavailable(reason: str) -> None:
    """Skip, unless CI demands PostgreSQL (NEWS_REQUIRE_POSTGRES=1): then fail."""
    if os.environ.get("NEWS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"NEWS_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(f"{reason}; set NEWS_REQUIRE_POSTGRES=1 to make this a failure")


def as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: drop to `nobody` when we are root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if not runuser:
        unavailable("running as root without runuser: cannot start PostgreSQL as nobody")
    return [runuser, "-u", "nobody", "--"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        unavailable("no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin "
                    "(apt-get install postgresql)")
    with postgres_server(bin_dir, as_server_user()) as env:
        yield env


@contextmanager
def postgres_server(bin_dir: Path, prefix: list[str]) -> Iterator[dict[str, str]]:
    """A running server; yields the NEWS_PG_* environment dbt's postgres target reads."""
    # not pytest's tmp_path: its parents are root-only, and the server runs as nobody
    base = Path(tempfile.mkdtemp(prefix="news-pg-"))
    if prefix:
        shutil.chown(base, user="nobody")
    data, port = base / "data", free_port()

    def run(*args) -> None:
        proc = subprocess.run([*prefix, *map(str, args)], capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(map(str, args))} failed: {proc.stderr}{proc.stdout}")

    try:
        run(bin_dir / "initdb", "-D", data, "-U", PG_USER, "--auth=trust", "-E", "UTF8",
            "--no-sync")
        # UTC like the DuckDB profile: the daily marts bucket by the session's zone
        run(bin_dir / "pg_ctl", "-D", data, "-l", base / "server.log", "-w", "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c TimeZone=UTC", "start")
        yield dict(NEWS_DBT_TARGET="postgres", NEWS_PG_HOST="127.0.0.1",
                   NEWS_PG_PORT=str(port), NEWS_PG_USER=PG_USER, NEWS_PG_DBNAME=PG_DB)
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def copy_raw_to_postgres(duckdb_path: Path, env: dict[str, str], scratch: Path) -> None:
    """Create raw.* in PostgreSQL from the loader's column list; COPY the rows over as CSV
    (DuckDB writes NULL unquoted and '' quoted, which is how PostgreSQL reads them)."""
    import psycopg2

    pg = psycopg2.connect(host=env["NEWS_PG_HOST"], port=env["NEWS_PG_PORT"],
                          user=PG_USER, dbname=PG_DB)
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
    import psycopg2

    pg = psycopg2.connect(host=env["NEWS_PG_HOST"], port=env["NEWS_PG_PORT"], user=PG_USER,
                          dbname=PG_DB)
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


def build_on_postgres(duckdb_path: Path, env: dict[str, str], scratch: Path):
    """Copy duckdb_path's raw rows into the server and `dbt build` there."""
    copy_raw_to_postgres(duckdb_path, env, scratch)
    os.environ.update(env)  # the profile reads NEWS_DBT_TARGET and NEWS_PG_*
    try:
        return run_dbt(["build"], scratch / "unused.duckdb", target_dir=scratch / "target")
    finally:
        for key in env:
            os.environ.pop(key, None)


def test_project_builds_on_postgres_with_duckdb_row_counts(postgres, tmp_path_factory,
                                                           tmp_path):
    builds = build_sequence(tmp_path_factory)  # both batches, as DuckDB built them
    result = build_on_postgres(builds["dbs"]["incremental"], postgres, tmp_path)
    assert result.ok and result.counts.get("pass", 0) > 40  # data and unit tests ran
    pg_keys = mart_keys_postgres(postgres)
    duck_keys = mart_keys_duckdb(builds["full_refresh_db"])
    assert {t: len(k) for t, k in pg_keys.items()} == {t: len(k) for t, k in duck_keys.items()}
    assert pg_keys == duck_keys
    assert all(pg_keys.values())
