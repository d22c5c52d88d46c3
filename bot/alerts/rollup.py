"""Storm rollups: past a few group messages a minute, an alerts channel gets one message for the rest.

Slack takes about one message per second in a channel (https://api.slack.com/apis/rate-limits), and a
storm's warning groups would each post and redraw their own, burying the channel. The first
`storm.max_alert_posts_per_minute` groups of a minute keep their own messages; the further ones become
lines of one rollup message, redrawn every few seconds at most. Groups that had their own message
before the storm keep it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries import alerts as queries
from storage.tables import AlertGroup, AlertRollup

# A rollup lists many groups: one redraw per wait covers every change within it.
ROLLUP_SYNC_DELAY_SECONDS = 5.0
# After this long with no group joining, the storm is over: the next one starts a new message, at the
# bottom of the channel where people will see it.
ROLLUP_IDLE = timedelta(minutes=10)


def is_placed(group: AlertGroup) -> bool:
    """Whether the group already shows in its channel, with its own message or as a rollup's line."""
    return group.posted_at is not None or group.message_ts is not None or group.rollup_id is not None


async def place(*, session: AsyncSession, group: AlertGroup, limit: int, since: datetime, now: datetime) -> None:
    """Give a group its own message in its channel, or, past `limit` messages there since `since`, a rollup line."""
    # Ingestion holds autoflush off; groups placed earlier in this delivery must be counted too.
    await session.flush()
    if await queries.count_groups_posted(session, group.channel, since) < limit:
        group.posted_at = now
        return
    rollup = await queries.get_open_rollup(session, group.channel, now - ROLLUP_IDLE)
    if rollup is None:
        rollup = AlertRollup(channel=group.channel, started_at=now, last_joined_at=now)
        await queries.insert(session, rollup)  # flushed: its id is the group's rollup_id
    rollup.last_joined_at = now
    group.rollup_id = rollup.id
