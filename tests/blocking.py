"""A call that blocks the event loop fails the test that made it, as in aiohttp's own suite (blockbuster).

Only calls made with our code on the stack count (the packages below): a test's own set-up may read a file
or sleep. Calls in a worker thread never count, since the loop goes on meanwhile: SQLite through aiosqlite
runs in one, as does everything handed to asyncio.to_thread. Each place allowed to block says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from blockbuster import BlockBuster, blockbuster_ctx

SCANNED = ["bot", "handlers", "storage", "slack_emulator"]


@contextmanager
def no_blocking_calls() -> Iterator[BlockBuster]:
    with blockbuster_ctx(SCANNED) as buster:
        _allow(buster)
        yield buster


def _allow(buster: BlockBuster) -> None:
    def everywhere_in(filename: str, functions: set[str]) -> None:
        for function in buster.functions.values():
            function.can_block_in(filename, functions)

    # Test set-up: the migrated template database every SQLite test copies, made once per run.
    everywhere_in("tests/conftest.py", {"_migrate"})
    # Migrations run once at start-up, before the bot serves anything: Alembic reads its scripts from disk
    # (and, on SQLite, runs them in the loop's thread, through the connection's greenlet).
    everywhere_in("storage/migrate.py", {"_upgrade"})
    # Tests compare what they see with the head revision, read from the scripts once (cached) wherever a test
    # asks first; the bot itself reads them in a thread (storage/migrate.py's _scripts).
    everywhere_in("storage/migrate.py", {"head_revision"})
    # Bolt's app looks up the file that built it (inspect.stack), once, as the app starts.
    everywhere_in("slack_bolt/app/async_app.py", {"__init__"})
    # Settings are read once, at start-up: `.env`, and whether DATABASE_URL's folder and ONCALL_CONFIG exist.
    everywhere_in("bot/settings.py", {"load_settings", "_async_driver", "_config_exists"})
    # The app is built once, before it serves: create_app reads ONCALL_CONFIG and makes the engine. Tests
    # also parse a config text directly, as create_app does.
    everywhere_in("bot/app.py", {"create_app"})
    everywhere_in("bot/config/schema.py", {"load_config", "parse_config"})
    # A template is read from the package the first time it is used and each environment is made once (on
    # first use, cached); they keep their templates after that (auto_reload is off: no stat() per reply).
    everywhere_in("jinja2/environment.py", {"_load_template"})
    everywhere_in("jinja2/loaders.py", {"__init__"})
    # asyncpg looks for ~/.pgpass and ~/.postgresql's certificates as it opens a connection; the engine's pool
    # keeps its connections open, so that is once per connection, not per query.
    everywhere_in("asyncpg/connect_utils.py", {"_parse_connect_dsn_and_args"})
    # The engine is made once, as the app is built: SQLAlchemy makes a SQLite file's path absolute.
    for name in ("os.path.abspath", "os.stat"):
        buster.functions[name].can_block_in("storage/engine.py", "__init__")
