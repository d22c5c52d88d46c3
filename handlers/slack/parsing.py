"""Turning `/incident …` text into a sub-command, an optional incident, and its arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot import texts
from bot.errors import IncidentNotFound, UsageError
from bot.incidents.models import LARGEST_NUMBER, IncidentRef
from bot.texts.common import quoted
from bot.texts.incidents import USAGE

LARGEST_INCIDENT_NUMBER = LARGEST_NUMBER
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    ref: IncidentRef | None
    rest: str


def small_number(text: str) -> int | None:
    """A plain decimal number (no `²`, no sign) that fits the database's integer columns, else None."""
    if not (text.isascii() and text.isdecimal()) or len(text) > 10 or int(text) > LARGEST_INCIDENT_NUMBER:
        return None
    return int(text)


def usage_error(name: str, problem: str) -> UsageError:
    return UsageError(texts.incidents.usage(name, problem))


def explicit_ref(word: str) -> IncidentRef | None:
    """`INC-12` as an incident; a number no incident can have is refused before any query."""
    try:
        ref = IncidentRef.parse_explicit(word)
    except ValueError:  # more digits than int() converts
        ref = IncidentRef(LARGEST_INCIDENT_NUMBER + 1)
    if ref is not None and ref.number > LARGEST_INCIDENT_NUMBER:
        raise IncidentNotFound(texts.incidents.no_such_incident(quoted(word)))
    return ref


def sub_command(text: str, *, command: str, known: tuple[str, ...], usage: str) -> tuple[str, str]:
    """`/retro list …`, `/slo show …` as (action, rest): no action is help, one not `known` is refused."""
    action, _, rest = text.strip().partition(" ")
    action = action.lower() or "help"
    if action not in known:
        raise UsageError(texts.common.not_a_command(action, command=command, usage=usage))
    return action, rest.strip()


def parse(text: str) -> ParsedCommand:
    """Accepts `status INC-12 monitoring …` and `INC-12 status monitoring …` alike."""
    if "\x00" in text:  # PostgreSQL cannot store it in any text column: refuse it before a write fails
        raise UsageError(texts.common.NUL_CHARACTER)
    words = text.strip().split(maxsplit=1)
    ref = explicit_ref(words[0]) if words else None
    if ref is not None:
        words = words[1].split(maxsplit=1) if len(words) > 1 else []
    if not words:
        return ParsedCommand("help", ref, "")
    name, rest = words[0].lower(), words[1] if len(words) > 1 else ""
    if name not in USAGE:
        raise UsageError(texts.incidents.not_an_incident_command(name))
    if ref is None and name not in ("declare", "list", "help"):
        head, _, tail = rest.partition(" ")
        ref = explicit_ref(head)
        if ref is not None:
            rest = tail
    return ParsedCommand(name, ref, rest.strip())


_DUE = re.compile(r"(?:^|\s)due:(\S+)(?=\s|$)", re.IGNORECASE)
_OWNER = re.compile(r"(?:^|\s)(<@[UW][A-Z0-9]+(?:\|[^<>]*)?>)(?=\s|$)")


@dataclass(frozen=True)
class FollowUpText:
    text: str
    owner: str | None
    due: date | None


def follow_up_text(rest: str) -> FollowUpText:
    """`<text> [@owner] [due:YYYY-MM-DD]`, the owner and due date anywhere in the text."""
    due: date | None = None
    due_match = _DUE.search(rest)
    if due_match:
        try:
            due = date.fromisoformat(due_match.group(1))
        except ValueError:
            raise usage_error("followup", texts.followups.not_a_date(due_match.group(1))) from None
        rest = rest[: due_match.start()] + rest[due_match.end() :]
    owner: str | None = None
    owner_match = _OWNER.search(rest)
    if owner_match:
        owner = user_mention(owner_match.group(1))
        rest = rest[: owner_match.start()] + rest[owner_match.end() :]
    return FollowUpText(" ".join(rest.split()), owner, due)


def first_word(rest: str) -> tuple[str, str]:
    head, _, tail = rest.strip().partition(" ")
    return head, tail.strip()


def user_mention(text: str) -> str | None:
    """The user id in a mention as Slack escapes it (`<@U123|name>`); manifest sets should_escape."""
    match = _USER_MENTION.fullmatch(text.strip())
    return match.group(1) if match else None


# Schedule names are letters, digits, - and _: a title saying "(oncall:docs)" keeps its words.
_ONCALL = re.compile(r"(?:^|\s)oncall:([A-Za-z0-9_-]*)(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Declaration:
    words: str  # the title, maybe ending in a severity
    private: bool
    oncall: str | None  # a schedule whose on-call people are invited
    page: str | None = None  # an escalation policy (or schedule, or @person) paged once it is declared


def declare_options(text: str) -> Declaration:
    """`--private`, `--page <policy>` and `oncall:<schedule>` anywhere in a declaration; the rest is title
    and severity."""
    schedules = _ONCALL.findall(text)
    if len(schedules) > 1 or schedules[:1] == [""]:
        raise usage_error("declare", texts.incidents.ONE_ONCALL_SCHEDULE)
    words = _ONCALL.sub(" ", text).split()
    private = "--private" in words
    words = [word for word in words if word != "--private"]
    page = None
    if "--page" in words:
        at = words.index("--page")
        if at + 1 >= len(words) or words[at + 1].startswith("--") or words.count("--page") > 1:
            raise usage_error("declare", texts.paging.NAME_THE_POLICY)
        page = words[at + 1]
        del words[at : at + 2]
    return Declaration(" ".join(words), private, schedules[0] if schedules else None, page)
