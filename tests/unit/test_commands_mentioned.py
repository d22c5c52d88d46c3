"""Every slash command the bot or its docs tell people to type is one the bot understands.

Mentions are collected from what people read: code spans (`` `/incident assign commander @you` ``)
in the Slack and postmortem templates, in every string of bot/ and handlers/ (replies, help, usage),
and in README.md and docs/*.md, plus the lines of the docs' code blocks. Each one goes through the
parser the running bot uses for that command; the role, status and severity it names through the
parsers the sub-command uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.errors import UsageError
from bot.incidents.models import RoleName, Severity, Status
from handlers.slack import alert_command, oncall_command, report_command, retro_command, slo_command
from handlers.slack.parsing import parse as parse_incident

ROOT = Path(__file__).parents[2]
READ_BY_PEOPLE = [
    *sorted((ROOT / "bot" / "templates").rglob("*.j2")),
    *sorted((ROOT / "bot").rglob("*.py")),
    *sorted((ROOT / "handlers").rglob("*.py")),
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
CODE_SPAN = re.compile(r"`([^`\n]+)`")
CODE_BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
COMMAND = re.compile(r"(?<![\w/.-])/(?:incident|retro|slo|alert|report)(?![\w/-])")
# Where one command ends and the next thing starts: ` · ` between commands, aligned columns in a block.
COMMAND_END = re.compile(r" · |\s{2,}")
# A template's or f-string's incident number (`INC-{{ incident.id }}`, `INC-{number}`) stands for a real one.
NUMBER_PLACEHOLDER = re.compile(r"INC-\{+[^}]*\}+")
# `/incident …`, `/incident <what>`, `/incident {text}`: no particular sub-command is meant.
PLACEHOLDER_START = ("…", "<", "[", "{")
SUBCOMMAND_PARSERS: dict[str, Callable[[str], object]] = {
    "/incident": parse_incident,
    "/retro": retro_command.parse,
    "/slo": slo_command.parse,
    "/oncall": oncall_command.parse,
    "/alert": alert_command.parse,
    "/report": report_command.parse,
}
STATUSES = {status.value for status in Status if status is not Status.CLOSED}
# The sub-commands whose first word is one of a fixed set, and how that word is checked.
CHOICES: dict[str, Callable[[str], bool]] = {
    "assign": lambda word: RoleName.parse(word) is not None,
    "status": lambda word: word.lower() in STATUSES,
    "severity": lambda word: Severity.parse(word) is not None,
}


def mentions(text: str) -> Iterator[str]:
    """Each slash command written in `text`'s code spans and code blocks, as a person would type it."""
    pieces = CODE_SPAN.findall(text) + [line for block in CODE_BLOCK.findall(text) for line in block.splitlines()]
    for piece in pieces:
        starts = [match.start() for match in COMMAND.finditer(piece)]
        for start, end in zip(starts, [*starts[1:], len(piece)][: len(starts)], strict=True):
            yield COMMAND_END.split(piece[start:end].strip())[0]


def refusal(mention: str) -> str | None:
    """Why the bot would refuse the command this mention names, or None if it understands it."""
    command, _, text = mention.partition(" ")
    words = NUMBER_PLACEHOLDER.sub("INC-1", text).split()
    at = 1 if words and words[0].upper().startswith("INC-") else 0
    if len(words) > at and words[at].startswith(PLACEHOLDER_START):
        return None
    if len(words) > at and "|" in words[at]:  # `/retro schedule|list|cancel`: each one is meant
        each = [[*words[:at], choice, *words[at + 1 :]] for choice in words[at].split("|")]
        return next(filter(None, (refusal(" ".join([command, *choice])) for choice in each)), None)
    text = " ".join(words)
    try:
        parsed = SUBCOMMAND_PARSERS[command](text)
    except UsageError as exc:
        return str(exc).splitlines()[0]
    name = getattr(parsed, "name", None)
    rest = getattr(parsed, "rest", "").split()
    if name in CHOICES and rest and not rest[0].startswith(PLACEHOLDER_START) and ".." not in rest[0]:
        wrong = [word for word in rest[0].split("|") if not CHOICES[name](word)]
        if wrong:
            return f"{wrong[0]!r} is not a choice of {command} {name}"
    return None


def every_mention() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), mention)
        for path in READ_BY_PEOPLE
        for mention in mentions(path.read_text(encoding="utf-8"))
    ]


def test_every_command_people_are_told_to_type_is_understood() -> None:
    found = every_mention()
    refused = [f"{path}: {mention!r}: {why}" for path, mention in found if (why := refusal(mention))]

    assert refused == []
    # The collection itself works: it sees the commands the help and the first messages teach.
    said = {mention for _, mention in found}
    assert {"/incident assign commander @you", "/incident help", "/retro list", "/slo show <name>"} <= said
    assert len(found) > 50


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            "It was opened by a alertmanager alert; take it with `/incident role commander @you`.",
            "`role` is not an /incident command. Try `/incident help`.",
        ),
        ("Try `/retro plan`.", "`plan` is not a /retro command."),
        ("`/retro schedule|plan|cancel`", "`plan` is not a /retro command."),
        ("Try `/slo burn checkout`.", "`burn` is not a /slo command."),
        ("Use `/incident assign captain @you`.", "'captain' is not a choice of /incident assign"),
        ("Use `/incident INC-4 status fixed`.", "'fixed' is not a choice of /incident status"),
        (
            "```\n/incident note <text>     /incident sev sev1\n```",
            "`sev` is not an /incident command. Try `/incident help`.",
        ),
    ],
)
def test_a_command_the_bot_does_not_know_is_caught(text: str, why: str) -> None:
    assert [refusal(mention) for mention in mentions(text) if refusal(mention)] == [why]


def test_placeholders_stand_for_any_command_and_number() -> None:
    text = "`/incident …` · `/incident {text}` · `/incident followup INC-{{ incident.id }} done 2` · `/incident`"

    assert [refusal(mention) for mention in mentions(text)] == [None, None, None, None]
