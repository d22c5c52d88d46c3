"""`/alert heartbeats [pause|resume <name>]`: what the sub-command answers (handlers/slack parses and calls this)."""

from __future__ import annotations

from datetime import datetime

from bot.errors import UsageError
from bot.heartbeats.service import Heartbeats
from bot.texts import heartbeats as texts
from bot.unit_of_work import Begin
from bot.values.durations import format_duration


def _when(at: datetime | None) -> str:
    return (
        texts.NEVER
        if at is None
        else f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M} UTC>"
    )


async def listing(heartbeats: Heartbeats, begin: Begin) -> str:
    """One line per configured heartbeat: beating, paused or raised, and its last beat."""
    states = await heartbeats.states(begin)
    if not states:
        return texts.none_configured()
    lines = []
    for heartbeat, row in states:
        if row is None:
            state, last = texts.NOT_SEEN, texts.NEVER
        else:
            state = texts.RAISED if row.raised else texts.PAUSED if row.paused else texts.BEATING
            last = _when(row.last_beat_at)
        lines.append(texts.state_line(heartbeat.name, format_duration(heartbeat.timeout), state, last))
    return "\n".join(lines)


async def heartbeats_command(heartbeats: Heartbeats, begin: Begin, args: str, *, user: str, now: datetime) -> str:
    """The reply to `/alert heartbeats <args>`; a UserError (UsageError) for words it cannot take."""
    words = args.split()
    if not words:
        return await listing(heartbeats, begin)
    verb = words[0].lower()
    if verb not in ("pause", "resume"):
        raise UsageError(texts.not_a_verb(words[0]))
    if len(words) != 2:
        raise UsageError(texts.name_needed(verb))
    if verb == "pause":
        return await heartbeats.pause(begin, words[1], by=user, now=now)
    return await heartbeats.resume(begin, words[1], by=user, now=now)
