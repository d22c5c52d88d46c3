"""Property-based tests of slash-command parsing: any text is understood or refused with a reply that pings no one.

Slack delivers what people type with mentions and links already escaped to `<@U…>`, `<#C…|name>` and
`<!channel>`. A refusal quotes the person's words back, so it must escape them: a reply that echoed
`<!channel>` unescaped would ping everyone in the channel.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings

from bot.errors import IncidentNotFound, UsageError, UserError
from bot.incidents.models import IncidentRef
from bot.texts.common import quoted
from bot.texts.incidents import USAGE
from handlers.slack import parsing
from handlers.slack.retro_command import _schedule_arguments
from tests.fuzz.strategies import FUZZ, slash_texts

# Markup that pings someone or links something: none of it may reach a reply through the person's own words.
PINGS = re.compile(r"<[!@#]")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")


def assert_pings_no_one(error: UserError) -> None:
    message = str(error)
    assert message, "a refusal must say something"
    assert not PINGS.search(message), f"the reply would ping or link: {message!r}"


@settings(FUZZ, max_examples=1500)
@given(text=slash_texts)
def test_any_incident_command_text_is_parsed_or_refused_without_echoing_markup(text: str) -> None:
    try:
        parsed = parsing.parse(text)
    except UserError as exc:
        assert_pings_no_one(exc)
        return
    assert parsed.name in USAGE
    assert parsed.rest == parsed.rest.strip()
    assert parsed.ref is None or 0 <= parsed.ref.number <= parsing.LARGEST_INCIDENT_NUMBER


@settings(FUZZ, max_examples=800)
@given(text=slash_texts)
def test_any_follow_up_text_is_split_or_refused_without_echoing_markup(text: str) -> None:
    try:
        wanted = parsing.follow_up_text(text)
    except UserError as exc:
        assert_pings_no_one(exc)
        return
    assert wanted.owner is None or _USER_ID.fullmatch(wanted.owner)
    assert wanted.text == " ".join(wanted.text.split())


@settings(FUZZ, max_examples=500)
@given(text=slash_texts)
def test_any_retro_schedule_text_is_split_or_refused_without_echoing_markup(text: str) -> None:
    try:
        channel, start, cadence, count = _schedule_arguments(text)
    except UserError as exc:
        assert_pings_no_one(exc)
        return
    assert re.fullmatch(r"[CG][A-Z0-9]+", channel)
    assert start and cadence
    assert count is None or count >= 1


@settings(FUZZ, max_examples=500)
@given(text=slash_texts)
def test_quoted_words_can_never_become_markup(text: str) -> None:
    shown = quoted(text)
    assert "<" not in shown and ">" not in shown


# Regressions: the smallest failing examples the fuzzing found, fixed in handlers/slack/parsing.py.


def test_incident_number_with_more_digits_than_python_converts_is_no_incident() -> None:
    # Was ValueError ("Exceeds the limit (4300 digits)") out of IncidentRef.parse: bolt answered 500.
    with pytest.raises(IncidentNotFound, match="There is no incident `INC-9999"):
        parsing.parse("INC-" + "9" * 5000 + " status monitoring")


@pytest.mark.parametrize("text", ["INC-2147483648 note hello", "note INC-99999999999999999999 hello"])
def test_incident_number_beyond_what_the_database_holds_is_no_incident(text: str) -> None:
    # PostgreSQL's integer id overflowed in the query (DataError): bolt answered 500.
    with pytest.raises(IncidentNotFound):
        parsing.parse(text)


def test_the_largest_incident_number_is_still_an_incident() -> None:
    assert parsing.parse("INC-2147483647 status monitoring").ref == IncidentRef(2147483647)


def test_command_text_holding_nul_is_refused_before_postgresql_refuses_it() -> None:
    # `/incident INC-1 note a<NUL>b` reached an INSERT that PostgreSQL refuses (DataError): bolt answered 500.
    with pytest.raises(UsageError, match="NUL character"):
        parsing.parse("INC-1 note a\x00b")


def test_a_follow_up_full_of_half_mentions_is_split_quickly() -> None:
    # The owner pattern backtracked over every `<@U1|` to the end of the text: 40,000 characters took 2 s,
    # most of Slack's 3-second window. It now stops at the next `<`.
    started = time.perf_counter()
    wanted = parsing.follow_up_text(" <@U1|" * 7000 + " <@U2|bob>")
    assert time.perf_counter() - started < 1.0
    assert wanted.owner == "U2"
