"""Hypothesis strategies shared by the fuzz tests: JSON values, hostile strings, mutated recorded payloads."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures" / "webhooks"
# Each source and the recorded payloads its near-valid bodies are mutated from.
RECORDED = {
    "alertmanager": ("alertmanager_firing", "alertmanager_resolved"),
    "grafana": ("grafana_firing",),
    "pagerduty": ("pagerduty_triggered", "pagerduty_resolved"),
    "generic": ("generic",),
}

# Reproducible in CI: the same examples on every run, and no example database written into the work tree.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@cache
def _recorded_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def recorded(name: str) -> Any:
    """A fresh copy of a recorded payload, free to mutate."""
    return json.loads(_recorded_text(name))


# Values that sources could plausibly send and that have broken parsers elsewhere: Go's zero time with an
# offset, the last representable instant, NUL, a lone surrogate (valid JSON, not encodable UTF-8), big numbers.
TRICKY_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "firing",
    "resolved",
    "incident.triggered",
    "incident.resolved",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:30:00+05:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999999Z",
    "2024-05-14T09:12:41.123456789Z",
    "2024-05-14T09:12:41.Z",
    "2024-05-14",
    "2024-05-14T09:12:41+25:00",
    "<!channel>",
    "<@U0123ABCD>",
    "x" * 5000,
)
TRICKY_NUMBERS = (0, -1, 1.5, 2**31, 2**63, -(2**63) - 1, 10**40, 1e308, float("inf"), float("nan"), True, False)

# Every code point, lone surrogates included: json.loads accepts "\ud800", so a sender can deliver one.
any_character = st.characters(codec=None, categories=None)
text = st.text(any_character, max_size=40)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
    | st.sampled_from(TRICKY_STRINGS)
    | st.sampled_from(TRICKY_NUMBERS)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(text, children, max_size=5),
    max_leaves=25,
)


def paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path into a JSON value, the root `()` included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def _mutate(body: Any, path: tuple[str | int, ...], action: str, replacement: Any) -> Any:
    if not path:
        return replacement
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    else:
        parent[last] = replacement
    return body


@st.composite
def mutated(draw: st.DrawFn, body: Any, *, max_mutations: int = 3) -> Any:
    """`body` with one to a few fields, chosen at random paths, deleted or replaced by any JSON value."""
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(paths(body)))
        action = draw(st.sampled_from(["replace", "retype", "delete"])) if path else "replace"
        replacement = draw(st.sampled_from(TRICKY_STRINGS + TRICKY_NUMBERS) if action == "retype" else json_values)
        body = _mutate(body, path, action, replacement)
    return body


def near_valid(source: str) -> st.SearchStrategy[Any]:
    """A recorded payload of `source`, mutated at random paths."""
    return st.sampled_from(RECORDED[source]).flatmap(lambda name: mutated(recorded(name)))


def bodies(source: str) -> st.SearchStrategy[Any]:
    """What a sender could POST as JSON: anything at all, or something close to what the source sends."""
    return (
        json_values | near_valid(source) | st.dictionaries(st.sampled_from(["alerts", "event", "title"]), json_values)
    )


# Slash-command text: Slack markup (mentions, channel links, crowd pings), the commands' own words, incident
# references from tiny to absurd, unicode and whitespace; Slack sends UTF-8, so no lone surrogates here.
SLACK_MARKUP = (
    "<@U0123ABCD>",
    "<@W0ABC|bob>",
    "<#C0123ABCD|general>",
    "<#C1|x>",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0PAYMENTS|@payments>",
    "<https://evil.example|click>",
    "&lt;!channel&gt;",
    "@channel",
)
COMMAND_WORDS = (
    "declare",
    "status",
    "severity",
    "assign",
    "note",
    "summary",
    "impact",
    "service",
    "resolve",
    "postmortem",
    "close",
    "followup",
    "list",
    "timeline",
    "help",
    "add",
    "done",
    "schedule",
    "cancel",
    "show",
    "digest",
    "investigating",
    "monitoring",
    "resolved",
    "commander",
    "comms",
    "sev1",
    "sev-4",
    "sev5",
)
ODD_WORDS = (
    "INC-1",
    "inc1",
    "INC-0",
    "INC-2147483647",
    "INC-2147483648",
    "INC-99999999999999999999",
    "INC-" + "9" * 5000,
    "INC-٣",
    "#1",
    "#99999999999999999999",
    "²",
    "٣",
    "1" * 5000,
    "due:2026-12-01",
    "due:2026-02-30",
    "due:<!here>",
    "start=2026-12-01T10:00",
    "start=0001-01-01T00:00+05:00",
    "start=9999-12-31T23:59-01:00",
    "cadence=2w",
    "cadence=0s",
    "cadence=99999999999w",
    "count=3",
    "count=0",
    "count=²",
    "count=99999999999999999999",
    "a=b",
    "\x00",
    "&",
    "`",
    "*bold*",
    "\u200b",
    "\U0001f525",
)
LONGEST_TEXT = 5_000  # far longer than anyone types, short enough to keep the suite fast
slack_text = st.text(st.characters(codec="utf-8"), max_size=30)
# One branch each, so markup and odd words turn up as often as free text does.
slash_words = st.sampled_from(SLACK_MARKUP) | st.sampled_from(ODD_WORDS) | st.sampled_from(COMMAND_WORDS) | slack_text
slash_texts = (
    st.lists(slash_words, max_size=8).flatmap(
        lambda words: st.lists(st.sampled_from([" ", "  ", "\n", "\t"]), min_size=len(words), max_size=len(words)).map(
            lambda gaps: "".join(gap + word for gap, word in zip(gaps, words, strict=True))
        )
    )
    | slack_text
    | st.tuples(slash_words, st.integers(100, 2000)).map(lambda pair: (pair[0] * pair[1])[:LONGEST_TEXT])
)

ACTIONS = {
    "/incident": tuple(COMMAND_WORDS[:15]),
    "/retro": ("schedule", "list", "cancel", "help"),
    "/slo": ("list", "show", "digest", "help"),
    "/oncall": (
        "who",
        "who payments",
        "shifts",
        "schedule payments",
        "override payments",
        "override remove",
        "cover payments",
        "help",
    ),
    "/alert": (
        "silence 1h alertname=DiskFull",
        "silence 2h",
        "silence 0s job=~api.* -- deploy",
        "silences",
        "expire 1",
        "expire #99999999999999999999",
        "help",
    ),
    "/report": ("", "30d", "90d payments", "2w", "help", "7d a b"),
}
retro_schedules = st.builds(
    "schedule {} start={} cadence={} {}".format,
    st.sampled_from(SLACK_MARKUP) | slack_text,
    st.sampled_from(["2026-12-01T10:00", "2020-01-01T10:00", "0001-01-01T00:00+05:00", "9999-12-31T23:59-01:00"])
    | slack_text,
    st.sampled_from(["2w", "1d", "0s", "1h30m", "99999999999w", "9" * 30 + "s", "<!channel>"]) | slack_text,
    st.sampled_from(["", "count=3", "count=0", "count=²", "count=99999999999999999999"]) | slack_text,
)


def command_texts(command: str) -> st.SearchStrategy[str]:
    """What people type after `command`: mostly its own actions with odd arguments (INC-1 exists), or anything."""
    actions = st.sampled_from(ACTIONS[command])
    if command == "/incident":
        refs = st.sampled_from(["", "INC-1 ", "inc-1 ", "INC-2 ", "INC-99999999999 "])
        actions = st.builds("{}{}".format, refs, actions)
    acted = st.builds("{} {}".format, actions, slash_texts)
    if command == "/retro":
        acted = acted | retro_schedules
    # Three in four start with an action: free text seldom gets past the first word.
    return st.integers(0, 3).flatmap(lambda branch: acted if branch else slash_texts)
