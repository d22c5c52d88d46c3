"""Incident channel names are valid Slack names however odd the title."""

from __future__ import annotations

import re

import pytest

from bot.incidents.channel_names import MAX_LENGTH, channel_name

VALID = re.compile(r"^[a-z0-9_-]{1,80}$")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Checkout is down", "inc-7-checkout-is-down"),
        ("Café crème: paiement refusé!", "inc-7-cafe-creme-paiement-refuse"),
        ("🔥🔥 DB on fire 🔥", "inc-7-db-on-fire"),
        ("数据库宕机", "inc-7"),
        ("  --__--  ", "inc-7"),
        ("API 5xx > 50% <!channel>", "inc-7-api-5xx-50-channel"),
        ("UPPER_case and_underscores", "inc-7-upper-case-and-underscores"),
    ],
)
def test_title_becomes_a_readable_valid_channel_name(title: str, expected: str) -> None:
    name = channel_name(7, title)
    assert name == expected
    assert VALID.match(name)


def test_a_200_character_title_is_cut_to_slacks_80_characters_without_a_trailing_hyphen() -> None:
    title = "word " * 40
    name = channel_name(12345, title)
    assert len(name) <= MAX_LENGTH
    assert VALID.match(name)
    assert not name.endswith("-")
    assert name.startswith("inc-12345-word-word")


def test_taken_names_get_a_numbered_suffix_that_still_fits() -> None:
    title = "x" * 200
    first, second, tenth = (channel_name(3, title, attempt=n) for n in (1, 2, 10))
    assert first != second
    assert second.endswith("-2") and tenth.endswith("-10")
    assert all(len(name) <= MAX_LENGTH and VALID.match(name) for name in (first, second, tenth))
