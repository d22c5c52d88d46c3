"""What the year-sized benchmark asks of a bot: Slack requests signed as Slack signs them, and web page paths.

Each kind is asked of the bot on the fresh database (the baseline) and of the bot on the year-sized
one; only the incident named differs: the fresh database's first, or the year's 10,000-entry one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.bot_process import SIGNING_SECRET, Workspace
from bench.slack_requests import Signed, app_home_opens, slash_commands
from bench.year.shape import SLOS, person

REQUESTS = 256
WEB_TOKEN = "bench-web-token-0123456789abcdef"
SLACK_P99_MS, WEB_P99_MS = 100.0, 300.0
# The bots' ONCALL_CONFIG: the year's SLOs (their counts pushed, so nothing is polled meanwhile) and
# one weekly rota of seeded people for /oncall who.
CONFIG = (
    "slos:\n"
    + "".join(
        f"  - name: {name}\n    service: {service}\n    objective: 99.9%\n    window: 28d\n"
        "    source: {type: events}\n"
        for name, service in SLOS
    )
    + "schedules:\n  - name: platform\n    timezone: Europe/Madrid\n    layers:\n      - name: primary\n"
    + f"        users: [{', '.join(person(number) for number in range(8))}]\n"
    + "        start: 2025-12-01T09:00\n        rotation: 1w\n"
)


@dataclass(frozen=True)
class Kind:
    name: str  # as in the results table
    p99_ms: float
    expected: str  # in the first answer, read in full: the bot did the work, not answered an error fast
    slack: Callable[[Workspace, int], Signed] | None = None  # (workspace, incident number) → requests
    path: Callable[[int, bool], str] | None = None  # (incident number, is the year's) → GET path, for pages


def _command(command: str, text: Callable[[int], str]) -> Callable[[Workspace, int], Signed]:
    def requests(workspace: Workspace, number: int) -> Signed:
        users = [workspace.users[name] for name in ("alice", "bob", "carol")]
        channel = workspace.channels["incidents"]
        return slash_commands(
            SIGNING_SECRET, command=command, text=text(number), channel_id=channel, users=users, count=REQUESTS
        )

    return requests


def _home(workspace: Workspace, _number: int) -> Signed:
    users = [workspace.users[name] for name in ("alice", "bob", "carol")]
    return app_home_opens(SIGNING_SECRET, users=users, bot_user_id=workspace.bot_user_id, count=REQUESTS)


KINDS = (
    Kind("`/incident list`", SLACK_P99_MS, "Open incidents", slack=_command("/incident", lambda _: "list")),
    Kind(
        "`/incident timeline`",
        SLACK_P99_MS,
        "timeline*",
        slack=_command("/incident", lambda number: f"timeline INC-{number}"),
    ),
    Kind("`/oncall who`", SLACK_P99_MS, "platform", slack=_command("/oncall", lambda _: "who")),
    Kind("App Home opened", SLACK_P99_MS, "", slack=_home),
    # The fresh database's 3 incidents fit on one page; the year's is 100 pages deep, half-way through.
    Kind("web: incident list, page 100", WEB_P99_MS, "INC-", path=lambda _, year: "/?page=100" if year else "/"),
    Kind("web: incident page", WEB_P99_MS, "INC-", path=lambda number, _: f"/incidents/INC-{number}"),
    Kind("web: SLO page", WEB_P99_MS, SLOS[0][0], path=lambda *_: f"/slos/{SLOS[0][0]}"),
)
