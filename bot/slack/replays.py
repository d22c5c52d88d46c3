"""A signed request replayed within Slack's five-minute window must not act twice.

The signature proves who sent a request, not that it is the first time: anyone who captured one
(a proxy log, a shared HAR file) can send it again for five minutes. Slack gives every slash command
and interaction its own `trigger_id`, and never retries either, so a second sight of one is a replay.
Claims live in `processed_events` beside Slack's event ids, so every replica sees them.
"""

from __future__ import annotations

from bot.unit_of_work import Begin
from storage.queries import timeline as queries


async def first_sight(begin: Begin, trigger_id: str) -> bool:
    """Claim a trigger id; False when a request with it was already handled."""
    async with begin() as (session, _):
        return await queries.claim_event(session, f"trigger:{trigger_id}")
