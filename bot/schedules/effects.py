"""How a schedule's user group follows who is on call, from the outbox.

A workspace whose plan has no user groups says `plan_upgrade_required`: the schedule's channel topic
names who is on call instead, and the channel is told once (the flag is kept with the schedule's state).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import SlackRejected
from bot.outbox.outbox import Effect, Outbox
from bot.outbox.registry import Performer, Updates
from bot.slack.gateway import SlackGateway
from storage.queries import oncall as queries
from storage.tables import OutboxEntry


class ScheduleEffects:
    def __init__(self, gateway: SlackGateway) -> None:
        self._gateway = gateway

    def performers(self) -> dict[Effect, Performer]:
        return {Effect.SET_USERGROUP: Performer(self.set_usergroup, self.remember)}

    async def set_usergroup(self, entry: OutboxEntry) -> Updates:
        handle, users = str(entry.payload["handle"]), [str(user) for user in entry.payload["users"]]
        channel = entry.payload.get("channel")
        try:
            group = await self._gateway.usergroup_id(handle)
            if group is None:  # nothing to update; the operator fixes the handle (doctor names it)
                raise SlackRejected("usergroups.list", f"no user group with the handle @{handle}")
            if users:  # Slack keeps at least one member: with nobody on call the group keeps the last people
                await self._gateway.set_usergroup_users(group, users)
            return {}
        except SlackRejected as exc:
            if exc.error != "plan_upgrade_required" or not channel:
                raise
        # Setting the topic twice to the same text is harmless, so a retried entry needs no check.
        schedule = str(entry.payload["schedule"])
        await self._gateway.set_topic(
            await self._gateway.resolve_channel(str(channel)), texts.oncall.topic(schedule, users), join=True
        )
        return {"usergroups_unavailable": True}

    async def remember(self, session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
        if not updates.get("usergroups_unavailable"):
            return
        schedule, channel = str(entry.payload["schedule"]), str(entry.payload["channel"])
        state = await queries.schedule_state(session, schedule)
        if state is None or state.usergroups_unavailable:
            return
        state.usergroups_unavailable = True
        outbox = Outbox(session)  # the notice is stored with the flag: told once, and surely
        outbox.message(channel, texts.oncall.usergroups_unavailable(schedule, str(entry.payload["handle"])))
        await outbox.flush()
