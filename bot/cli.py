"""`oncall-bot`: serve, demo, and database migrations."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import OncallError
from bot.settings import Settings, load_settings
from storage.migrate import DatabaseNewerThanCode


def _serve(settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app
    from bot.observability import configure_logging

    settings.require("slack_bot_token", "slack_signing_secret")
    configure_logging(settings)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


def _demo(settings: Settings) -> int:
    from bot.demo import prepare_database, run_demo

    return asyncio.run(run_demo(prepare_database()))


def _db_upgrade(settings: Settings) -> int:
    from storage import migrate
    from storage.engine import Database

    async def upgrade() -> str:
        database = Database(settings.database_url)
        try:
            await migrate.upgrade(database)
            return str(await migrate.current_revision(database))
        finally:
            await database.dispose()

    print(f"database is at migration {asyncio.run(upgrade())} (head)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oncall-bot", description="ChatOps bot for on-call teams.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the bot (HTTP on HOST:PORT, Slack at /slack/events)")
    commands.add_parser("demo", help="play a scripted incident against the bundled Slack emulator")
    database = commands.add_parser("db", help="database maintenance")
    database_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    database_commands.add_parser("upgrade", help="apply pending migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if arguments.command == "serve":
            return _serve(settings)
        if arguments.command == "demo":
            return _demo(settings)
        return _db_upgrade(settings)
    except OncallError as exc:
        print(f"oncall-bot: {exc}", file=sys.stderr)
        return 2
    except DatabaseNewerThanCode as exc:
        print(f"oncall-bot: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        # start-up could not reach the database: say where, not how deep in the stack
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"oncall-bot: cannot use the database ({reason})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
