"""The fixture of tests/blocking.py: the bot's code blocking the event loop fails a test; a thread does not."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from blockbuster import BlockingError

from bot.postmortem.render import Format, operator_template


async def test_a_file_looked_at_on_the_loop_from_the_bots_code_fails_the_test(tmp_path: Path) -> None:
    with pytest.raises(BlockingError, match=r"os\.stat"):
        operator_template(Format.MARKDOWN, tmp_path)  # a stat(): how the postmortem upload once blocked


async def test_the_same_call_in_a_thread_is_fine(tmp_path: Path) -> None:
    (tmp_path / Format.MARKDOWN.template).write_text("{{ incident.title }}")
    assert await asyncio.to_thread(operator_template, Format.MARKDOWN, tmp_path) == tmp_path


def test_outside_the_loop_nothing_is_checked(tmp_path: Path) -> None:
    assert operator_template(Format.MARKDOWN, tmp_path) is None
