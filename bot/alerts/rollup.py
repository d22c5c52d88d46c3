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


class Placer:
    """Places groups in their channels during one transaction of ingestion.

    Each channel's count of group messages and its open rollup are read once, then kept up to date
    here: a storm's thousands of new groups cost a few statements, not a few each. Ingestion holds
    its lock, so nothing else places groups meanwhile.
    """

    def __init__(self, session: AsyncSession, *, limit: int, since: datetime, now: datetime) -> None:
        self._session = session
        self._limit = limit
        self._since = since
        self._now = now
        self._posted: dict[str, int] = {}
        self._rollups: dict[str, AlertRollup] = {}

    async def place(self, group: AlertGroup) -> None:
        """Give a group its own message in its channel, or, past `limit` messages there since `since`, a rollup line."""
        channel = group.channel
        if channel not in self._posted:
            self._posted[channel] = await queries.count_groups_posted(self._session, channel, self._since)
        if self._posted[channel] < self._limit:
            group.posted_at = self._now
            self._posted[channel] += 1
            return
        rollup = self._rollups.get(channel) or await queries.get_open_rollup(
            self._session, channel, self._now - ROLLUP_IDLE
        )
        if rollup is None:
            rollup = AlertRollup(channel=channel, started_at=self._now, last_joined_at=self._now)
            await queries.insert(self._session, rollup)  # flushed: its id is the group's rollup_id
        self._rollups[channel] = rollup
        rollup.last_joined_at = self._now
        group.rollup_id = rollup.id
