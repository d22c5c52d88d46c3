"""Benchmark "Slash command ack": signed slash commands, the bot against bare bolt acking the same.

Two commands, both cheap and real. `/incident help` is the one the target is about: it touches no
database, so its ratio is the price of what the bot adds to every ack (our bolt middleware, the
command router, rendering the reply, the ack-time metric, its aiohttp middleware) and needs only one row.
`/incident list` is what a responder runs first when paged: it opens a transaction, reads the open
incidents with their roles and renders them into the reply that rides on the ack, so it is measured
on each database, three incidents declared first so that the list has something to show.
"""

from __future__ import annotations

from pathlib import Path

from bench import databases, slack_acks
from bench.bot_process import SIGNING_SECRET, RunningBot, running_bot
from bench.load import merged
from bench.report import Row
from bench.slack_acks import Rounds
from bench.slack_requests import Signed, slash_commands
from bench.webhooks import Say

NAME = "Slash command ack"
# The goal: "≥ 0.8 of bare bolt, p99 under 100 ms at 32 concurrent requests".
TARGET, P99_TARGET_MS = 0.8, 100.0
INCIDENTS = ("Checkout is down for EU customers sev1", "Search results are stale sev3", "Slow logins sev2")
# Distinct requests sent round and round: each differs in its user and trigger_id, as real ones do.
REQUESTS = 256


async def run(workdir: Path, say: Say) -> list[Row]:
    rows = []
    for backend_context in databases.each(workdir):
        async with backend_context() as backend:
            if backend.url is None:
                say(f"bot on {backend.name}: {backend.skipped}")
                rows.append(Row(f"{NAME} (`/incident list`)", backend.name, skipped=backend.skipped))
                continue
            # help reads no database: measured once, beside SQLite's list.
            texts = ["help", "list"] if backend.name == "SQLite" else ["list"]
            rows += await _measure(workdir / backend.name.lower(), backend.name, backend.url, texts, say)
    return rows


async def _measure(workdir: Path, database: str, url: str, texts: list[str], say: Say) -> list[Row]:
    rows = []
    async with running_bot(workdir, url) as running, slack_acks.bare_bolt(workdir, running) as bare:
        people = await running.workspace()
        users, channel = [people.users[name] for name in ("alice", "bob", "carol")], people.channels["incidents"]
        await slack_acks.declare(running, INCIDENTS, user=users[0], channel=channel)
        for text in texts:

            def requests(text: str = text) -> Signed:
                return slash_commands(
                    SIGNING_SECRET, command="/incident", text=text, channel_id=channel, users=users, count=REQUESTS
                )

            # One answer read in full: the bot must be doing the command, not answering an error fast.
            [(status, answer)] = await slack_acks.post_signed(running.bot.url, _first(requests()))
            is_right = status == 200 and _expected(text) in answer
            rounds = await slack_acks.measure(bare, running.bot, baseline_requests=requests, bot_requests=requests)
            say(f"/incident {text}, bot on {database}: {rounds.summary()}")
            row = _row(text, "—" if text == "help" else database, rounds, running, is_right, answer)
            rows.append(
                await slack_acks.explain(
                    row, workdir, bare, running.bot, baseline_requests=requests, bot_requests=requests
                )
            )
    return rows


def _row(text: str, database: str, rounds: Rounds, running: RunningBot, is_right: bool, answer: str) -> Row:
    p99 = merged(rounds.bot).measure.p99_ms
    errors = running.error_log_lines()
    notes = [f"the reply {_checked(text)}" if is_right else f"**wrong reply**: {answer[:200]!r}"]
    if errors:
        notes.append(f"bot logged {errors} error lines")
    notes.append(f"bot RSS {running.bot.rss_mib():.0f} MiB")
    return slack_acks.row(
        f"{NAME} (`/incident {text}`)",
        database,
        rounds,
        target=TARGET,
        goal=f"p99 < {P99_TARGET_MS:.0f} ms",
        goal_met=p99 < P99_TARGET_MS,
        checks_passed=is_right and not errors,
        notes=notes,
    )


def _expected(text: str) -> str:
    return f"Open incidents* ({len(INCIDENTS)})" if text == "list" else "/incident declare"


def _checked(text: str) -> str:
    return f"lists all {len(INCIDENTS)} open incidents" if text == "list" else "is the help text"


def _first(signed: Signed) -> Signed:
    return Signed(signed.bodies[:1], signed.headers[:1])
