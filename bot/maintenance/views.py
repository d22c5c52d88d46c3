"""`/alert maintenance list` and the replies of start and end (handlers/slack parses and calls these)."""

from __future__ import annotations

from datetime import datetime

from bot.maintenance.service import Maintenance
from bot.texts import maintenance as texts
from bot.unit_of_work import Begin


async def listing(maintenance: Maintenance, begin: Begin, *, now: datetime) -> str:
    """One line per active window: its number, what it matches, until when, and how many alerts it holds."""
    windows = await maintenance.active(begin, now=now)
    if not windows:
        return texts.NONE_ACTIVE
    return "\n".join(
        texts.list_line(window.id, window.name, window.matchers, window.ends_at, held) for window, held in windows
    )
