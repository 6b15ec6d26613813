"""A throwaway PostgreSQL server from Debian's `postgresql` package, for the tests and
`make scale-out`.

initdb + pg_ctl into a temporary folder: trust authentication, a free port on 127.0.0.1,
UTC (the dbt profile's daily marts bucket by the session's zone, as on DuckDB), no fsync;
stopped and deleted on exit. Without the binaries, tests skip unless NEWS_REQUIRE_POSTGRES=1
(CI) makes that a failure.
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

USER, DBNAME = "news", "postgres"  # the superuser and the database initdb creates


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here, or no way to run them."""


def pg_bin_dir() -> Path:
    """Where initdb and pg_ctl are: PATH first, else Debian's versioned folders."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not found:
        raise PostgresUnavailable("no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin "
                                  "(apt-get install postgresql)")
    return Path(found[0]).parent


def as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: drop to `nobody` when we are root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if not runuser:
        raise PostgresUnavailable("running as root without runuser: cannot start "
                                  "PostgreSQL as nobody")
    return [runuser, "-u", "nobody", "--"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """A running server; yields the NEWS_PG_* environment dbt's postgres target reads."""
    bin_dir, prefix = pg_bin_dir(), as_server_user()
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
        run(bin_dir / "initdb", "-D", data, "-U", USER, "--auth=trust", "-E", "UTF8",
            "--no-sync")
        run(bin_dir / "pg_ctl", "-D", data, "-l", base / "server.log", "-w", "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c TimeZone=UTC", "start")
        yield dict(NEWS_DBT_TARGET="postgres", NEWS_PG_HOST="127.0.0.1",
                   NEWS_PG_PORT=str(port), NEWS_PG_USER=USER, NEWS_PG_DBNAME=DBNAME)
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def connect(env: dict[str, str], dbname: str | None = None):
    """A psycopg2 connection to the server postgres_server() started."""
    import psycopg2

    return psycopg2.connect(host=env["NEWS_PG_HOST"], port=env["NEWS_PG_PORT"],
                            user=env["NEWS_PG_USER"], dbname=dbname or env["NEWS_PG_DBNAME"])


@contextmanager
def postgres_for_tests() -> Iterator[dict[str, str]]:
    """postgres_server(), or a skip; with NEWS_REQUIRE_POSTGRES=1 (CI) a failure instead."""
    import pytest

    try:
        pg_bin_dir(), as_server_user()
    except PostgresUnavailable as reason:
        if os.environ.get("NEWS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"NEWS_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(f"{reason}; set NEWS_REQUIRE_POSTGRES=1 to make this a failure")
    with postgres_server() as env:
        yield env
