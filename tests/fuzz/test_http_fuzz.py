"""Property-based tests through the real app over HTTP, on SQLite and PostgreSQL: any request gets a 2xx or a
clean 4xx, never a 500 or a traceback, and a refused request changes no stored row.

How hypothesis meets the async fixtures: hypothesis calls a `@given` test synchronously, once per example,
and a function-scoped fixture (the bot, its database) would be shared by all examples anyway, which its
health check refuses. So each test starts the bot once through the e2e fixtures and runs a plain `@given`
property in a worker thread (`asyncio.to_thread`); every example is sent to the test's own event loop with
`asyncio.run_coroutine_threadsafe(...).result()` and checked there. Hypothesis keeps all its powers this
way: a failing example is shrunk by sending smaller requests, and reported as the falsifying example.
The examples are the same on every run (`derandomize=True`), and no example database is written.

The outbox worker is stopped and reminders are pushed an hour away, so the fuzzed requests are the only
writers and a before/after snapshot of every table's row count shows exactly what one request stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.errors import UserError
from bot.keys import outbox_worker_key
from handlers.slack import parsing
from handlers.slack.retro_command import _schedule_arguments
from handlers.webhooks.http import PARSERS
from tests.e2e.conftest import StartBot, Workspace
from tests.fuzz.strategies import FUZZ, bodies, command_texts

T = TypeVar("T")
PAGERDUTY_SECRET = "fuzz-pagerduty-secret"
CONFIG = f"""
webhooks:
  pagerduty:
    secrets: [{PAGERDUTY_SECRET}]
reminders:
  check_every: 1h
schedules:
  - name: payments
    channel: "#payments-oncall"
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        start: 2026-12-07T09:00
        rotation: 1w
"""
SOURCES = sorted(PARSERS)
COMMANDS = ("/incident", "/retro", "/slo", "/oncall", "/alert", "/report")
WEBHOOK_EXAMPLES = 300
COMMAND_EXAMPLES = 300
# Mentions that ping a crowd; a reply may mention one person on purpose, but never these.
CROWD_PINGS = ("<!channel", "<!here", "<!everyone", "<!subteam")


async def run_property(strategy: st.SearchStrategy[T], check: Callable[[T], Awaitable[None]], examples: int) -> None:
    """Run `check` on `examples` drawn inputs, on this event loop, with hypothesis shrinking any failure."""
    loop = asyncio.get_running_loop()

    @settings(FUZZ, max_examples=examples)
    @given(strategy)
    def property_holds(example: T) -> None:
        asyncio.run_coroutine_threadsafe(asyncio.wait_for(check(example), timeout=30), loop).result()

    await asyncio.to_thread(property_holds)


async def start_quiet_bot(start_bot: StartBot) -> Workspace:
    workspace = await start_bot(CONFIG)
    await workspace.server.app[outbox_worker_key].stop()  # idempotent: the app's cleanup stops it again
    return workspace


# Bookkeeping, not what a request changed: every signed command's trigger_id is remembered so that a
# replay of it does nothing (bot/slack/replays.py), whether the command was refused or not.
BOOKKEEPING = {"processed_events"}


async def row_counts(workspace: Workspace) -> dict[str, int]:
    """How many rows every table holds, in one query (bookkeeping tables aside)."""
    tables = [table for table in SQLModel.metadata.sorted_tables if table.name not in BOOKKEEPING]
    query = select(*[select(func.count()).select_from(table).scalar_subquery() for table in tables])
    async with workspace.database.transaction() as session:
        # A plain SQLAlchemy select of many columns: run on the connection, which takes any statement.
        counts = (await (await session.connection()).execute(query)).one()
    return {table.name: count for table, count in zip(tables, counts, strict=True)}


def assert_clean_answer(status: int, text: str, what: str) -> None:
    assert 200 <= status < 300 or 400 <= status < 500, f"{what} answered {status}: {text[:500]}"
    assert "Traceback" not in text, f"{what} answered with a traceback: {text[:2000]}"


# Webhooks


def encodings(source: str) -> st.SearchStrategy[bytes]:
    """A body as bytes: JSON (escaped or raw UTF-8, lone surrogates and all), or any bytes at all."""
    return (
        bodies(source).map(lambda body: json.dumps(body).encode())
        | bodies(source).map(lambda body: json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        | st.binary(max_size=300)
        | st.integers(1, 20_000).map(lambda depth: b"[" * depth + b"]" * depth)  # deep, valid JSON
    )


deliveries = st.sampled_from(SOURCES).flatmap(lambda source: st.tuples(st.just(source), encodings(source)))


async def deliver(workspace: Workspace, source: str, body: bytes) -> tuple[int, str]:
    """POST as the source would, with credentials that pass: the bearer token, or PagerDuty's signature."""
    if source == "pagerduty":
        signature = "v1=" + hmac.new(PAGERDUTY_SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = await workspace.webhook(source, body, token=None, headers={"X-PagerDuty-Signature": signature})
    else:
        response = await workspace.webhook(source, body)
    return response.status, await response.text()


async def test_any_webhook_body_gets_2xx_or_a_clean_4xx_and_a_refusal_stores_nothing(start_bot: StartBot) -> None:
    workspace = await start_quiet_bot(start_bot)

    async def check(delivery: tuple[str, bytes]) -> None:
        source, body = delivery
        before = await row_counts(workspace)
        status, text = await deliver(workspace, source, body)
        what = f"POST /webhooks/{source} {body[:300]!r}"
        assert_clean_answer(status, text, what)
        answer = json.loads(text)
        if status >= 400:
            assert status in (400, 413, 422), what  # the credentials were right, the source exists
            assert answer["error"] and answer["message"], text
            if status == 422:
                assert answer["message"].startswith(answer["field"]), text
            assert await row_counts(workspace) == before, f"{what} was refused with {status} but stored rows"
        else:
            assert answer["accepted"] == len(PARSERS[source](json.loads(body))), text
            stored = (await row_counts(workspace))["alerts"] - before["alerts"]
            assert 0 <= stored <= answer["accepted"], f"{what} stored {stored} alerts for {text}"

    await run_property(deliveries, check, WEBHOOK_EXAMPLES)


@pytest.mark.parametrize(
    ("source", "body", "field"),
    [
        ("alertmanager", {"alerts": [{"labels": {"alertname": "Disk\x00Full"}}]}, "alerts[0].labels.alertname"),
        ("generic", {"title": "Disk full", "fingerprint": "disk", "description": "\ud800"}, "description"),
    ],
)
async def test_text_no_database_can_store_gets_422_not_503(
    start_bot: StartBot, source: str, body: dict[str, object], field: str
) -> None:
    # Regression: on PostgreSQL the INSERT failed (no NUL in text; a lone surrogate is not UTF-8) and the
    # webhook answered 503 "database unreachable", which senders retry forever; on SQLite the surrogate was a 500.
    workspace = await start_quiet_bot(start_bot)
    before = await row_counts(workspace)
    status, text = await deliver(workspace, source, json.dumps(body).encode())
    assert (status, json.loads(text)["field"]) == (422, field)
    assert await row_counts(workspace) == before


# Slash commands

commands = st.sampled_from(COMMANDS).flatmap(lambda command: st.tuples(st.just(command), command_texts(command)))


def is_refused_before_any_write(command: str, text: str) -> bool:
    """Whether this command is refused, or only reads, as the parsers alone can tell: it must store nothing."""
    action, _, rest = text.strip().partition(" ")
    action = action.lower()
    try:
        if command == "/incident":
            return parsing.parse(text).name in ("help", "list", "timeline")
        if command == "/retro":
            if action == "schedule":
                _schedule_arguments(rest.strip())
                return False
            return action != "cancel"
        return action != "digest"  # /slo: list and show only read
    except UserError:
        return True


async def test_any_slash_command_text_gets_a_reply_that_pings_no_crowd_and_a_refusal_stores_nothing(
    start_bot: StartBot,
) -> None:
    workspace = await start_quiet_bot(start_bot)
    await workspace.command("declare Checkout is down sev2")  # INC-1, so `INC-1 …` commands reach real work

    async def check(sent: tuple[str, str]) -> None:
        command, text = sent
        before = await row_counts(workspace)
        delivery = await workspace.slack.slash_command(
            user=workspace.people.alice, channel=workspace.general, text=text, command=command
        )
        what = f"{command} {text[:300]!r}"
        assert_clean_answer(delivery.status, delivery.text, what)
        reply = (delivery.json() or {}).get("text") or ""
        assert not any(ping in reply for ping in CROWD_PINGS), f"{what} replied {reply[:500]!r}"
        if is_refused_before_any_write(command, text):
            assert await row_counts(workspace) == before, f"{what} was refused or read-only but stored rows"

    await run_property(commands, check, COMMAND_EXAMPLES)


# Bugs these properties found once, each kept as its minimal input.


async def test_deeply_nested_json_body_gets_a_clean_400(start_bot: StartBot) -> None:
    workspace = await start_quiet_bot(start_bot)
    status, text = await deliver(workspace, "alertmanager", b"[" * 5000 + b"]" * 5000)
    assert status == 400, text


HUGE = "99999999999999999999"  # past PostgreSQL's integer and SQLite's 64-bit one alike
FOUND_COMMANDS = [
    pytest.param(
        "/retro",
        "schedule <#C1|x> start=0001-01-01T00:00+05:00 cadence=2w",
        id="retro-start-before-year-one-in-utc",
    ),
    pytest.param(
        "/retro",
        "schedule <#C1|x> start=2026-12-01T10:00 cadence=99999999999w",
        id="retro-cadence-beyond-timedelta",
    ),
    pytest.param(
        "/retro",
        "schedule <#C1|x> start=2026-12-01T10:00 cadence=2w count=²",
        id="retro-count-superscript",
    ),
    pytest.param(
        "/retro",
        f"schedule <#C1|x> start=2026-12-01T10:00 cadence=2w count={HUGE}",
        id="retro-count-beyond-integer",
    ),
    pytest.param(
        "/retro",
        "cancel ²",
        id="retro-cancel-superscript",
    ),
    pytest.param(
        "/retro",
        f"cancel {HUGE}",
        id="retro-cancel-beyond-integer",
    ),
    pytest.param(
        "/incident",
        "INC-1 followup done ²",
        id="followup-done-superscript",
    ),
    pytest.param(
        "/incident",
        f"INC-1 followup done {HUGE}",
        id="followup-done-beyond-integer",
    ),
    pytest.param(
        "/slo",
        "show <!channel>",
        id="slo-show-pings-channel",
    ),
    pytest.param(
        "/retro",
        "schedule <#C1|x> start=<!here> cadence=2w",
        id="retro-start-pings-here",
    ),
    pytest.param(
        "/retro",
        "schedule <#C1|x> start=2026-12-01T10:00 cadence=<!channel>",
        id="retro-cadence-pings-channel",
    ),
]


@pytest.mark.parametrize(("command", "text"), FOUND_COMMANDS)
async def test_once_broken_command_gets_a_clean_reply_that_pings_no_crowd(
    start_bot: StartBot, command: str, text: str
) -> None:
    workspace = await start_quiet_bot(start_bot)
    await workspace.command("declare Checkout is down sev2")
    delivery = await workspace.slack.slash_command(
        user=workspace.people.alice, channel=workspace.general, text=text, command=command
    )
    assert_clean_answer(delivery.status, delivery.text, f"{command} {text}")
    reply = (delivery.json() or {}).get("text") or ""
    assert not any(ping in reply for ping in CROWD_PINGS), reply
