"""`oncall-bot`: serve, demo, doctor, manifest, the local Slack emulator, postmortem, SLOs, on-call schedules, and
database migrations."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.errors import DatabaseNewerThanCode, DatabaseNotReady, OncallError, StoreUnavailable, UsageError
from bot.settings import ROLES, Settings, load_settings

REPORT_FORMATS = ("md", "html", "json", "csv")  # bot/reports/formats.py writes each


def _serve(settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app
    from bot.config.schema import load_config
    from bot.config.secrets import known_secrets
    from bot.observability.logs import configure_logging
    from handlers.cli.listen import listen, raise_open_file_limit

    # Socket Mode requests come over the bot's own connection: only HTTP mode needs the signing secret, and
    # only where Slack's requests are taken.
    http_mode = settings.role.takes_requests and not settings.slack_app_token
    settings.require("slack_bot_token", *(("slack_signing_secret",) if http_mode else ()))
    config = load_config(settings.oncall_config)
    # The port first: a taken one stops start-up before anything is migrated or opened.
    sock = listen(settings.host, settings.port)
    raise_open_file_limit()
    settings = settings.model_copy(update={"port": sock.getsockname()[1]})  # the port PORT=0 picked
    configure_logging(settings, secrets=known_secrets(settings, config))
    app = create_app(settings)
    # Everything imported so far lives as long as the process: keep the collector from rescanning it
    # on every full collection (a 10,000-message postmortem otherwise pays for it several times).
    gc.freeze()
    access_log = logging.getLogger("aiohttp.access") if settings.access_log else None
    # aiohttp closes a connection that sends no complete request within keepalive_timeout, from
    # the moment it opens: that bounds clients that never finish their headers, too.
    web.run_app(app, sock=sock, print=None, access_log=access_log, keepalive_timeout=settings.http_read_timeout)
    return 0


def _demo(settings: Settings, serve: bool, serve_for: float | None) -> int:
    from handlers.cli.demo import prepare_database, run_demo

    keep = serve_for if serve_for is not None else (0.0 if serve else None)
    return asyncio.run(run_demo(prepare_database(), serve_for=keep, port=settings.port if serve else 0))


def _db_upgrade(settings: Settings) -> int:
    from bot import database

    print("applying pending migrations…", file=sys.stderr, flush=True)
    print(f"database is at migration {asyncio.run(database.upgrade(settings.database_url))} (head)")
    return 0


def _db_stats(settings: Settings) -> int:
    from handlers.cli import db_stats

    stats, total, where = asyncio.run(db_stats.collect(settings))
    db_stats.render(stats, total, where=where, out=sys.stdout)
    return 0


def _postmortem(settings: Settings, reference: str, output: str, out: str | None) -> int:
    from bot.config.schema import load_config
    from bot.database import opened
    from bot.incidents.models import IncidentRef
    from bot.postmortem.render import Format
    from bot.postmortem.service import Postmortems
    from bot.slack.gateway import SlackGateway, build_client

    ref = IncidentRef.parse(reference)
    if ref is None:
        raise UsageError(f"{reference!r} is not an incident: write INC-12 or 12")
    config = load_config(settings.oncall_config)

    async def render() -> str:
        async with opened(settings.database_url) as database:
            # Names come from Slack when a token is set, else from the names the bot has cached.
            gateway = (
                SlackGateway(
                    build_client(
                        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=settings.slack_timeout
                    )
                )
                if settings.slack_bot_token
                else None
            )
            try:
                postmortems = Postmortems(database, zone=config.zone, templates=config.postmortem, gateway=gateway)
                return await postmortems.render(ref.number, Format(output))
            finally:
                if gateway is not None:
                    await gateway.close()

    document = asyncio.run(render())
    if out is None:
        sys.stdout.write(document)
    else:
        try:
            Path(out).write_text(document, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror}") from None
        print(f"wrote the postmortem of {ref} to {out}", file=sys.stderr)
    return 0


def _retro_plan(settings: Settings, start: str, cadence: str, count: int | None, output: str) -> int:
    import json

    from bot.config.schema import load_config
    from bot.reminders import retros

    if count is not None and count < 1:
        raise UsageError("--count must be at least 1")
    zone = load_config(settings.oncall_config).zone
    dates = retros.plan(start=start, cadence=cadence, count=count, zone=zone)
    if output == "json":
        print(json.dumps([date.isoformat() for date in dates], indent=2))
    else:
        for number, line in enumerate(retros.describe_dates(dates), start=1):
            print(f"{number:>3}  {line}")
        if count is None:
            print(f"     … every {cadence} without end (first {len(dates)} shown)")
    return 0


def _outbox_retry(settings: Settings, entry_ids: list[int]) -> int:
    from bot.database import opened
    from bot.outbox.operations import retry_dead

    async def retry() -> list[tuple[int | None, str, int | None, str | None]]:
        async with opened(settings.database_url) as database, database.transaction() as session:
            entries = await retry_dead(session, entry_ids)
        return [(entry.id, entry.kind, entry.incident_id, entry.last_error) for entry in entries]

    retried = asyncio.run(retry())
    for entry_id, kind, incident, error in retried:
        where = f"INC-{incident}" if incident else "-"
        print(f"{entry_id:>8}  {kind:<20} {where:<8} {error or ''}")
    noun = "entry" if len(retried) == 1 else "entries"
    print(f"{len(retried)} dead outbox {noun} queued again; a running bot picks them up")
    return 0


def _slo(settings: Settings, arguments: argparse.Namespace) -> int:
    from bot.config.schema import load_config
    from handlers.cli import slo as cli

    config = load_config(settings.oncall_config)
    if arguments.slo_command == "report":
        return asyncio.run(cli.report(settings, config, output=arguments.format, write=cli.stdout))
    return asyncio.run(
        cli.check(
            settings,
            config,
            service=arguments.service,
            availability=arguments.availability,
            latency=arguments.latency,
            error_rate=arguments.error_rate,
            window=arguments.window,
            write=cli.stdout,
        )
    )


def _oncall(settings: Settings, arguments: argparse.Namespace) -> int:
    from bot.config.schema import load_config
    from handlers.cli import oncall as cli

    return asyncio.run(cli.run(settings, load_config(settings.oncall_config), arguments, write=cli.stdout))


def _report(settings: Settings, arguments: argparse.Namespace) -> int:
    from bot.config.schema import load_config
    from handlers.cli import report as cli

    return asyncio.run(cli.run(settings, load_config(settings.oncall_config), arguments, write=cli.stdout))


def _doctor() -> int:
    from handlers.cli.doctor import main as doctor

    printout, code = doctor.report(asyncio.run(doctor.diagnose(load_settings)))
    print(printout)
    return code


def _manifest(http_url: str | None, web_url: str | None) -> int:
    from bot.slack import manifest

    if http_url is not None and not http_url.startswith("https://"):
        print("oncall-bot: note: Slack sends requests only to https:// addresses", file=sys.stderr)
    sys.stdout.write(manifest.render(http_url, web_url))
    return 0


def _emulator(arguments: argparse.Namespace) -> int:
    from handlers.cli import emulator as local_slack

    if arguments.emulator_command == "say":
        return local_slack.say(arguments.port, arguments.text, user=arguments.user, channel=arguments.channel)
    if arguments.emulator_command == "channels":
        return local_slack.channels(arguments.port)
    delivers_to = arguments.bot_url or local_slack.bot_url(load_settings().port)
    return local_slack.run(arguments.port, delivers_to=delivers_to)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oncall-bot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _slo_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slo = commands.add_parser("slo", help="service level objectives")
    slo_commands = slo.add_subparsers(dest="slo_command", required=True, metavar="ACTION")
    report = slo_commands.add_parser("report", help="evaluate every SLO now and print the result (stores nothing)")
    report.add_argument("--format", choices=["table", "json"], default="table")
    check = slo_commands.add_parser(
        "check",
        help="judge a service against thresholds now; exit 1 on FAIL, 2 when something cannot be judged",
    )
    check.add_argument("--service", required=True, help="the service, as its SLOs name it")
    check.add_argument("--availability", metavar="PERCENT", help="least share of good requests: 99.9")
    check.add_argument("--latency", metavar="THRESHOLD@PERCENT", help="share of requests under a time: 300ms@99")
    check.add_argument("--error-rate", metavar="PERCENT", help="most share of failed requests: 0.1%%")
    check.add_argument(
        "--window",
        metavar="DURATION",
        help="measure over this instead of each SLO's window: 1h, 7d, or month, week, quarter, year (the current one)",
    )


def _oncall_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    oncall = commands.add_parser("oncall", help="on-call schedules: who is on call, and shifts as iCal")
    actions = oncall.add_subparsers(dest="oncall_command", required=True, metavar="ACTION")
    who = actions.add_parser("who", help="who is on call in a schedule now (or at --at), and until when")
    who.add_argument("name", metavar="NAME", help="the schedule, as ONCALL_CONFIG names it")
    who.add_argument("--at", metavar="ISO-TIME", help="2027-01-13T12:00 in the schedule's zone, or with an offset")
    who.add_argument("--format", choices=["text", "json"], default="text")
    calendar = actions.add_parser("export", help="write a schedule's shifts as an iCal calendar to standard output")
    calendar.add_argument("name", metavar="NAME", help="the schedule, as ONCALL_CONFIG names it")
    calendar.add_argument("--user", metavar="ID", help="only the shifts this person is on call in (a Slack user id)")
    calendar.add_argument("--from", dest="start", metavar="ISO", help="from this time (default: now)")
    # --days is read as text: the command itself names a bad one, in one line (argparse would print two).
    calendar.add_argument("--days", metavar="N", help="how many days, 1 to 90 (default 60, as the subscription URL)")


def _report_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser("report", help="an operations review: incident times, alerts, postmortems, load")
    report.add_argument("--period", metavar="7d|30d|90d", help="the last 7, 30 or 90 days (default 7d)")
    report.add_argument("--from", dest="start", metavar="DATE", help="first day, like 2026-11-01 (with --to)")
    report.add_argument("--to", dest="end", metavar="DATE", help="last day, included, like 2026-11-30")
    report.add_argument("--service", action="append", default=[], metavar="S", help="only this service (repeatable)")
    report.add_argument("--format", choices=REPORT_FORMATS, default="md", help="Markdown (default), HTML, JSON or CSV")


def _emulator_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from handlers.cli.emulator import DEFAULT_PORT

    emulator = commands.add_parser("emulator", help="run the bundled Slack emulator, to try the bot locally")
    emulator.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"its port (default {DEFAULT_PORT})")
    emulator.add_argument("--bot-url", help="where to deliver to (default: http://127.0.0.1:PORT/slack/events)")
    actions = emulator.add_subparsers(dest="emulator_command", metavar="ACTION")
    say = actions.add_parser("say", help="type into the running emulator: a slash command or a message")
    say.add_argument("text", help='like "/incident declare DB down" or "Rolled back"')
    say.add_argument("--user", default="alice", help="who types it (default alice)")
    say.add_argument("--channel", default="general", help="where, without # (default general)")
    actions.add_parser("channels", help="print the running emulator's channels and their messages")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (the docs tests parse every `oncall-bot …` line they show with it)."""
    parser = argparse.ArgumentParser(prog="oncall-bot", description="ChatOps bot for on-call teams.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.add_argument("--version", action="version", version=f"oncall-bot {_version()}")
    serve = commands.add_parser("serve", help="run the bot (HTTP on HOST:PORT; Slack over Socket Mode or HTTP)")
    serve.add_argument("--host", help="address to listen on (default: the HOST setting, 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default: the PORT setting, 8080)")
    # Read as text: a wrong role is named in one line by the ROLE setting's own check (argparse would print two).
    serve.add_argument("--role", metavar="ROLE", help=f"what to run: {ROLES} (default: the ROLE setting, all)")
    demo = commands.add_parser(
        "demo", help="play an incident from alert to retro against the bundled Slack emulator, on a simulated clock"
    )
    demo.add_argument("--serve", action="store_true", help="then keep serving its web pages (prints a login link)")
    demo.add_argument("--serve-for", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    postmortem = commands.add_parser("postmortem", help="render an incident's postmortem")
    postmortem.add_argument("reference", metavar="REF", help="the incident: INC-12 or 12")
    postmortem.add_argument("--format", choices=["md", "html"], default="md", help="Markdown (default) or HTML")
    postmortem.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    retro = commands.add_parser("retro", help="retro cadences")
    retro_commands = retro.add_subparsers(dest="retro_command", required=True, metavar="ACTION")
    plan = retro_commands.add_parser("plan", help="print a cadence's dates without scheduling anything")
    plan.add_argument("--start", required=True, help="first retro, local time: 2026-12-01T10:00")
    plan.add_argument("--cadence", required=True, help="how often: 1w, 2w, 4w, 30d …")
    plan.add_argument("--count", type=int, help="how many (default: without end; 20 shown)")
    plan.add_argument("--format", choices=["table", "json"], default="table")
    outbox = commands.add_parser("outbox", help="Slack side effects waiting or parked")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    retry = outbox_commands.add_parser("retry", help="queue dead entries again (all, or the ids given)")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    _slo_parser(commands)
    _oncall_parser(commands)
    _report_parser(commands)
    commands.add_parser("doctor", help="check settings, ONCALL_CONFIG, the database, the Slack tokens and channels")
    manifest = commands.add_parser("manifest", help="print the Slack app manifest (Socket Mode, or HTTP with --http)")
    manifest.add_argument(
        "--http", metavar="URL", help="HTTP mode: the bot's public address, like https://oncall.example.com"
    )
    manifest.add_argument(
        "--web", metavar="URL", help="the web pages' public address (WEB_BASE_URL), for Sign in with Slack"
    )
    _emulator_parser(commands)
    database = commands.add_parser("db", help="database maintenance")
    database_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    database_commands.add_parser("upgrade", help="apply pending migrations")
    database_commands.add_parser("stats", help="print each table's row count and size on disk")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    if arguments.command == "doctor":
        return _doctor()
    try:
        if arguments.command == "manifest":
            return _manifest(arguments.http, arguments.web)
        if arguments.command == "emulator":
            return _emulator(arguments)
        if arguments.command == "serve":
            given = {"host": arguments.host, "port": arguments.port, "role": arguments.role}
            return _serve(load_settings(**{name: value for name, value in given.items() if value is not None}))
        settings = load_settings()
        if arguments.command == "demo":
            return _demo(settings, arguments.serve, arguments.serve_for)
        if arguments.command == "outbox":
            return _outbox_retry(settings, arguments.ids)
        if arguments.command == "retro":
            return _retro_plan(settings, arguments.start, arguments.cadence, arguments.count, arguments.format)
        if arguments.command == "slo":
            return _slo(settings, arguments)
        if arguments.command == "oncall":
            return _oncall(settings, arguments)
        if arguments.command == "report":
            return _report(settings, arguments)
        if arguments.command == "postmortem":
            return _postmortem(settings, arguments.reference, arguments.format, arguments.out)
        if arguments.db_command == "stats":
            return _db_stats(settings)
        return _db_upgrade(settings)
    except OncallError as exc:
        for line in str(exc).splitlines():  # a file with several mistakes gives one line per problem
            print(f"oncall-bot: {line}", file=sys.stderr)
        return 2
    except (DatabaseNewerThanCode, DatabaseNotReady) as exc:
        print(f"oncall-bot: {exc}", file=sys.stderr)
        return 2
    except (StoreUnavailable, OSError) as exc:
        # start-up could not reach the database: say where, not how deep in the stack
        detail = exc.detail if isinstance(exc, StoreUnavailable) else str(exc).splitlines()[0]
        print(f"oncall-bot: cannot use the database ({detail})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
