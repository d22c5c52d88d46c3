"""How `/incident …` text is understood, and the usage shown when it is not."""

from __future__ import annotations

import re

import pytest

from bot.errors import UsageError
from bot.incidents.models import IncidentRef, Severity
from handlers.slack.parsing import Declaration, declare_options, parse, user_mention


def test_subcommand_and_arguments_are_split() -> None:
    parsed = parse("status monitoring rolled back the deploy")
    assert (parsed.name, parsed.ref, parsed.rest) == ("status", None, "monitoring rolled back the deploy")


@pytest.mark.parametrize("text", ["status INC-12 monitoring", "INC-12 status monitoring", "inc-12 STATUS monitoring"])
def test_incident_can_be_named_before_or_after_the_subcommand(text: str) -> None:
    parsed = parse(text)
    assert (parsed.name, parsed.ref, parsed.rest) == ("status", IncidentRef(12), "monitoring")


def test_a_bare_number_in_a_note_is_not_taken_as_an_incident() -> None:
    parsed = parse("note 500 errors since 10:02")
    assert parsed.ref is None and parsed.rest == "500 errors since 10:02"


def test_empty_text_means_help() -> None:
    assert parse("   ").name == "help"


def test_unknown_subcommand_is_refused_with_a_pointer_to_help() -> None:
    with pytest.raises(UsageError, match=re.escape("`frobnicate` is not an /incident command. Try `/incident help`.")):
        parse("frobnicate now")


@pytest.mark.parametrize(("text", "user"), [("<@U123ABC>", "U123ABC"), ("<@W99|bob>", "W99"), ("@bob", None)])
def test_mentions_are_read_as_slack_escapes_them(text: str, user: str | None) -> None:
    assert user_mention(text) == user


@pytest.mark.parametrize(("text", "severity"), [("sev1", Severity.SEV1), ("SEV-2", Severity.SEV2), ("sev5", None)])
def test_severity_words(text: str, severity: Severity | None) -> None:
    assert Severity.parse(text) is severity


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        ("Refunds fail sev2", Declaration("Refunds fail sev2", private=False, oncall=None)),
        ("Refunds fail sev2 oncall:payments", Declaration("Refunds fail sev2", private=False, oncall="payments")),
        ("OnCall:payments --private Refunds fail", Declaration("Refunds fail", private=True, oncall="payments")),
        ("Refunds fail (see oncall:docs)", Declaration("Refunds fail (see oncall:docs)", private=False, oncall=None)),
    ],
)
def test_a_declaration_s_options_are_found_anywhere(text: str, declared: Declaration) -> None:
    assert declare_options(text) == declared


@pytest.mark.parametrize("text", ["Refunds fail oncall:", "oncall:payments Refunds oncall:web"])
def test_a_declaration_names_one_schedule(text: str) -> None:
    with pytest.raises(UsageError, match=re.escape("Name one schedule after `oncall:`, like `oncall:payments`.")):
        declare_options(text)
