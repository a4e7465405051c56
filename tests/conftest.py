"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured).

Set RXRADAR_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run every
database test on PostgreSQL too. Each pytest process gets its own schema there, so parallel
runs do not collide.
"""

from __future__ import annotations

import compileall
import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import bot.config
from bot.store import Store
from bot.store.db import make_engine, upgrade
from tests.peers.http import LocalServer

# every test peer listens on 127.0.0.1: the suite runs with RXRADAR_ALLOW_PRIVATE_URLS=true
# (tests/hostile/test_private_urls.py sets it to false to check the guard)
bot.config.ALLOW_PRIVATE_URLS_BY_DEFAULT = True
os.environ.setdefault("RXRADAR_ALLOW_PRIVATE_URLS", "true")  # CLI subprocesses


def pytest_configure(config: pytest.Config) -> None:
    """Compile `bot` once, on the controller. The suite starts hundreds of `rxradar`
    subprocesses, and with PYTHONDONTWRITEBYTECODE set (as on this machine and in CI) each
    compiled bot's modules from source again, about 0.35 s a start: Python still reads
    bytecode that it is told not to write."""
    if not hasattr(config, "workerinput"):  # xdist's workers have it
        compileall.compile_dir(Path(bot.__file__).parent, quiet=1)


class LeftTheMachine(OSError):
    """A test tried to open a connection to somewhere other than this machine."""


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _local_only(address: object) -> None:
    if not isinstance(address, tuple):  # AF_UNIX paths (PostgreSQL's socket) stay local
        return
    host = str(address[0])
    try:
        loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise LeftTheMachine(
            f"a test tried to connect to {host}: tests talk to local peers on 127.0.0.1 only "
            "(serve recorded files from tests.peers.http.LocalServer)"
        )


def _guarded_connect(self: socket.socket, address: object) -> None:
    _local_only(address)
    _connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _local_only(address)
    return _connect_ex(self, address)  # type: ignore[arg-type]


# no test process opens a connection off this machine (CLI subprocesses get local URLs)
socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PG_URL = os.environ.get("RXRADAR_TEST_DATABASE_URL")


def shared_data(relative: str) -> Path:
    """A file under ../shared/data; the test is skipped when it is absent (fresh clones)."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dbtemplate") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    schema = f"rxtest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        names = (
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if names:
            joined = ", ".join(f'"{name}"' for name in names)
            connection.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    pg_schema_url: str | None,
) -> Iterator[str]:
    """A freshly migrated, empty database URL; every test using it runs on both backends."""
    if request.param == "sqlite":
        path = tmp_path / "rxradar.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if pg_schema_url is None:
        pytest.skip("RXRADAR_TEST_DATABASE_URL is not set")
    truncate_all(pg_schema_url)
    yield pg_schema_url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url, migrate=False)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """A complete RXRADAR_* environment for running the CLI against the test database."""
    data_dir = tmp_path / "data"
    return {
        "RXRADAR_DATA_DIR": str(data_dir),
        "RXRADAR_DATABASE_URL": database_url,
        "RXRADAR_HOST_DELAY": "0",
        "RXRADAR_FEEDS": "",  # never the real default feeds in tests
        "RXRADAR_SECRET_KEY": "test-secret-key-not-for-production",
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
    }


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LocalServer]:
    """One local HTTP server per test module: shutting one down takes ~0.5 s."""
    with LocalServer() as running:
        yield running


@pytest.fixture
def server(shared_server: LocalServer) -> LocalServer:
    """The module's server with no routes and no recorded requests."""
    shared_server.routes.clear()
    shared_server.requests.clear()
    return shared_server


# the running public site: one trained world per module and backend
from tests.web_support import sqlite_web, web  # noqa: E402, F401
