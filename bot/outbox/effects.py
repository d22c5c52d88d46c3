"""How each outbox effect is performed on Slack, reading the incident as it is now."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts import messaging as alert_messaging
from bot.errors import SlackRejected
from bot.home.views import HomeRenderer
from bot.incidents import messaging
from bot.incidents.channel_names import channel_name
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox.outbox import Effect
from bot.outbox.worker import remember_on_incident
from bot.postmortem.render import Format
from bot.postmortem.service import Postmortems
from bot.slack.gateway import SlackGateway
from bot.slack.texts import render as render_text
from bot.slo.digest import DigestRenderer
from storage.engine import Database
from storage.queries import alerts as alert_queries
from storage.queries import slos as slo_queries
from storage.tables import AlertGroup, AlertRollup, OutboxEntry, SloDigestRun
from storage.types import utcnow

log = logging.getLogger("oncall.outbox")

# A lost reply can only hide a channel created by an attempt at this entry, so never after it was stored.
_CLOCK_SKEW_SECONDS = 120
_MAX_NAME_ATTEMPTS = 50
# The metadata event type of every message the outbox posts: it names the entry that posted it.
OUTBOX_EVENT = "oncall_outbox_entry"
# Slack's clock and ours may differ a little; an upload is never older than the request that asked for it.
_UPLOAD_SKEW_SECONDS = 5

Updates = dict[str, Any]


@dataclass
class EffectRunner:
    """Performs outbox entries; returns the incident fields Slack told us (channel id, message ts)."""

    gateway: SlackGateway
    announce_channel: str
    clock: Callable[[], datetime] = utcnow

    database: Database | None = None  # alert effects read the alerts as they are when they run
    postmortems: Postmortems | None = None
    digests: DigestRenderer | None = None
    home: HomeRenderer | None = None

    async def perform(self, entry: OutboxEntry, incident: IncidentSnapshot | None) -> Updates:
        if entry.kind == Effect.SYNC_ALERT_GROUP:
            return await self._sync_alert_group(entry)
        if entry.kind == Effect.SYNC_ALERT_ROLLUP:
            return await self._sync_alert_rollup(entry)
        if entry.kind == Effect.MESSAGE:
            return await self._message(entry)
        if entry.kind == Effect.UPLOAD_SLO_CHART:
            return await self._upload_slo_chart(entry)
        if entry.kind == Effect.POST_SLO_DIGEST:
            return await self._post_slo_digest(entry)
        if entry.kind == Effect.PUBLISH_HOME:
            return await self._publish_home(entry)
        handler: Callable[[OutboxEntry, IncidentSnapshot], Awaitable[Updates]] = getattr(self, f"_{entry.kind}")
        if incident is None:
            raise SlackRejected(entry.kind, "the incident of this entry no longer exists")
        return await handler(entry, incident)

    async def remember(self, session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
        """Store what Slack answered where it belongs, in the transaction that marks the entry done."""
        if entry.kind == Effect.SYNC_ALERT_GROUP:
            group = await alert_queries.get_group_by_id(session, int(entry.payload["group_id"]))
            if group is not None:
                for name, value in updates.items():
                    setattr(group, name, value)
            return
        if entry.kind == Effect.SYNC_ALERT_ROLLUP:
            rollup = await alert_queries.get_rollup(session, int(entry.payload["rollup_id"]))
            if rollup is not None:
                for name, value in updates.items():
                    setattr(rollup, name, value)
            return
        if entry.kind in (Effect.UPLOAD_SLO_CHART, Effect.POST_SLO_DIGEST):
            run = await slo_queries.get_digest_run(session, int(entry.payload["run_id"]))
            for name, value in updates.items():
                setattr(run, name, value)
            return
        await remember_on_incident(session, entry, updates)

    def _reader(self) -> Database:
        if self.database is None:
            raise RuntimeError("this EffectRunner was built without a database; alert effects need one")
        return self.database

    async def _post_once(
        self,
        entry: OutboxEntry,
        channel: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post, unless an earlier attempt at this entry already did: its reply may have been lost, or the
        process may have died before recording it. Each post carries the entry id in its metadata."""
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"entry": entry.id}}
        if entry.attempts > 0:
            oldest = entry.created_at.timestamp() - _CLOCK_SKEW_SECONDS
            found = await self.gateway.find_message(channel, metadata=metadata, oldest=oldest, thread_ts=thread_ts)
            if found is not None:
                log.info("outbox.adopted kind=%s entry=%s ts=%s", entry.kind, entry.id, found)
                return found
        return await self.gateway.post_message(
            channel, text=text, blocks=blocks, thread_ts=thread_ts, metadata=metadata
        )

    @staticmethod
    def _channel(entry: OutboxEntry, incident: IncidentSnapshot) -> str:
        if incident.channel_id is None:
            raise SlackRejected(entry.kind, f"{incident.ref} has no channel: creating it failed")
        return incident.channel_id

    async def _create_channel(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.channel_id is not None:
            return {}
        bot_user = await self.gateway.bot_user_id()
        for attempt in range(1, _MAX_NAME_ATTEMPTS + 1):
            name = channel_name(incident.number, incident.title, attempt=attempt)
            try:
                channel_id = await self.gateway.create_channel(name, is_private=incident.is_private)
                return {"channel_id": channel_id, "channel_name": name}
            except SlackRejected as exc:
                if exc.error != "name_taken":
                    raise
            existing = await self.gateway.find_channel(name)
            if (
                existing is not None
                and existing.creator == bot_user
                and not existing.is_archived
                and existing.created >= entry.created_at.timestamp() - _CLOCK_SKEW_SECONDS
            ):
                # Our own earlier attempt created it and its reply was lost: adopt, don't duplicate.
                return {"channel_id": existing.id, "channel_name": name}
        raise SlackRejected("conversations.create", f"name_taken for {_MAX_NAME_ATTEMPTS} names")

    async def _set_topic(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self.gateway.set_topic(self._channel(entry, incident), messaging.topic(incident))
        return {}

    async def _set_purpose(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self.gateway.set_purpose(self._channel(entry, incident), messaging.purpose(incident))
        return {}

    async def _invite(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        bot_user = await self.gateway.bot_user_id()
        wanted = set(entry.payload.get("users") or [])
        if entry.payload.get("usergroup"):
            wanted.update(await self.gateway.usergroup_members(entry.payload["usergroup"]))
        users = sorted(user for user in wanted if user and user != bot_user)
        if not users:
            return {}
        try:
            await self.gateway.invite(self._channel(entry, incident), users)
        except SlackRejected as exc:
            if exc.error != "already_in_channel":
                raise
        return {}

    async def _post_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is not None:
            return {}
        ts = await self._post_once(
            entry,
            self._channel(entry, incident),
            text=messaging.summary_text(incident),
            blocks=messaging.summary_blocks(incident, now=self.clock()),
        )
        return {"summary_ts": ts}

    async def _pin_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is None:
            raise SlackRejected(entry.kind, f"{incident.ref} has no summary message to pin")
        try:
            await self.gateway.pin(self._channel(entry, incident), incident.summary_ts)
        except SlackRejected as exc:
            if exc.error != "already_pinned":
                raise
        return {}

    async def _update_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is None:  # not posted yet: it will be posted with the current state
            return {}
        await self.gateway.update_message(
            self._channel(entry, incident),
            incident.summary_ts,
            text=messaging.summary_text(incident),
            blocks=messaging.summary_blocks(incident, now=self.clock()),
        )
        return {}

    async def _announce(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.announcement_ts is not None:
            return {}
        channel = await self.gateway.resolve_channel(incident.announce_channel or self.announce_channel)
        ts = await self._post_once(
            entry,
            channel,
            text=messaging.announcement_text(incident),
            blocks=messaging.announcement_blocks(incident),
        )
        return {"announcement_channel_id": channel, "announcement_ts": ts}

    async def _update_announcement(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.announcement_ts is None or incident.announcement_channel_id is None:
            return {}
        await self.gateway.update_message(
            incident.announcement_channel_id,
            incident.announcement_ts,
            text=messaging.announcement_text(incident),
            blocks=messaging.announcement_blocks(incident),
        )
        return {}

    async def _post(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self._post_once(
            entry,
            self._channel(entry, incident),
            text=entry.payload["text"],
            blocks=entry.payload.get("blocks"),
            thread_ts=entry.payload.get("thread_ts"),
        )
        return {}

    async def _sync_alerts(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        """Post the incident's alert list, or redraw it with every alert as it is now."""
        async with self._reader().reading() as session:
            alerts = await alert_queries.list_incident_alerts(session, incident.number)
        text, blocks = alert_messaging.incident_alerts(incident.number, alerts)
        channel = self._channel(entry, incident)
        if incident.alerts_ts is not None:
            await self.gateway.update_message(channel, incident.alerts_ts, text=text, blocks=blocks)
            return {}
        return {"alerts_ts": await self._post_once(entry, channel, text=text, blocks=blocks)}

    async def _sync_alert_group(self, entry: OutboxEntry) -> Updates:
        """Post an alert group that opened no incident in its alerts channel, or redraw that post."""
        async with self._reader().reading() as session:
            group = await alert_queries.get_group_by_id(session, int(entry.payload["group_id"]))
            if group is None:
                raise SlackRejected(entry.kind, "the alert group of this entry no longer exists")
            alerts = await alert_queries.list_group_alerts(session, int(entry.payload["group_id"]))
        text, blocks = alert_messaging.group_message(alerts, incident_number=group.incident_id)
        return await self._post_or_redraw(entry, group, text=text, blocks=blocks)

    async def _sync_alert_rollup(self, entry: OutboxEntry) -> Updates:
        """Post a storm's rollup in its alerts channel, or redraw it with every group as it is now."""
        rollup_id = int(entry.payload["rollup_id"])
        async with self._reader().reading() as session:
            rollup = await alert_queries.get_rollup(session, rollup_id)
            if rollup is None:
                raise SlackRejected(entry.kind, "the alert rollup of this entry no longer exists")
            groups = await alert_queries.list_rollup_groups(session, rollup_id)
            alerts = await alert_queries.list_rollup_alerts(session, rollup_id)
            incident_ids = {group.incident_id for group in groups if group.incident_id is not None}
            incidents = await alert_queries.list_incidents(session, incident_ids)
        lines = alert_messaging.rolled_groups(groups, alerts, incidents)
        text, blocks = alert_messaging.rollup_message(lines, since=rollup.started_at)
        return await self._post_or_redraw(entry, rollup, text=text, blocks=blocks)

    async def _post_or_redraw(
        self, entry: OutboxEntry, shown: AlertGroup | AlertRollup, *, text: str, blocks: list[dict[str, Any]]
    ) -> Updates:
        """An alerts channel's message: redrawn once posted, else posted once and remembered."""
        if shown.message_ts is not None and shown.message_channel_id is not None:
            await self.gateway.update_message(shown.message_channel_id, shown.message_ts, text=text, blocks=blocks)
            return {}
        channel = await self.gateway.resolve_channel(shown.channel)
        ts = await self._post_once(entry, channel, text=text, blocks=blocks)
        return {"message_channel_id": channel, "message_ts": ts}

    async def _upload_postmortem(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        """Render from what is stored now, so a retry uploads the latest, and upload as a Markdown file."""
        if self.postmortems is None:
            raise RuntimeError("this EffectRunner was built without postmortems")
        channel, filename = self._channel(entry, incident), f"postmortem-{incident.ref.lower()}.md"
        # A file share carries no metadata: after a lost reply, a share of this file since the request counts.
        oldest = entry.created_at.timestamp() - _UPLOAD_SKEW_SECONDS
        if entry.attempts > 0 and await self.gateway.has_file_share(channel, filename=filename, oldest=oldest):
            log.info("outbox.adopted kind=%s entry=%s", entry.kind, entry.id)
            return {}
        content = await self.postmortems.render(incident.number, Format.MARKDOWN)
        requested_by = entry.payload.get("requested_by")
        comment = render_text("slack/postmortem_uploaded.txt.j2", incident=incident, by=requested_by)
        await self.gateway.upload_file(
            channel,
            filename=filename,
            content=content,
            title=f"Postmortem {incident.ref}: {incident.title}",
            comment=comment,
        )
        return {}

    async def _message(self, entry: OutboxEntry) -> Updates:
        to = str(entry.payload["to"])
        if re.fullmatch(r"[UW][A-Z0-9]+", to):
            # Reading a direct message's history would need im:history; a reminder twice is the lesser harm.
            await self.gateway.post_message(await self.gateway.open_dm(to), text=entry.payload["text"])
            return {}
        await self._post_once(entry, await self.gateway.resolve_channel(to), text=entry.payload["text"])
        return {}

    async def _digest_run(self, entry: OutboxEntry) -> tuple[DigestRenderer, SloDigestRun]:
        if self.digests is None:
            raise RuntimeError("this EffectRunner was built without SLO digests")
        run = await self.digests.run(int(entry.payload["run_id"]))
        if run is None:
            raise SlackRejected(entry.kind, "the digest run of this entry no longer exists")
        return self.digests, run

    async def _upload_slo_chart(self, entry: OutboxEntry) -> Updates:
        digests, run = await self._digest_run(entry)
        if run.chart_file_id is not None:
            return {}
        png = await digests.chart(run)
        day = run.end.date().isoformat()
        file_id = await self.gateway.upload_file(
            None, filename=f"slo-budget-{day}.png", content=png, title=f"Error budget remaining, {day}"
        )
        return {"chart_file_id": file_id}

    async def _post_slo_digest(self, entry: OutboxEntry) -> Updates:
        digests, run = await self._digest_run(entry)
        if run.message_ts is not None:
            return {}
        text, blocks = await digests.message(run)
        channel = await self.gateway.resolve_channel(run.channel)
        ts = await self._post_once(entry, channel, text=text, blocks=blocks)
        return {"message_channel_id": channel, "message_ts": ts}

    async def _publish_home(self, entry: OutboxEntry) -> Updates:
        """The Home tab as things stand when this runs, so a delayed publish is never stale."""
        if self.home is None:
            raise RuntimeError("this EffectRunner was built without the App Home")
        user = str(entry.payload["user"])
        await self.gateway.publish_home(user, await self.home.view(user, now=self.clock()))
        return {}

    async def _add_bookmark(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        channel = self._channel(entry, incident)
        link = entry.payload["link"]
        # A retry after a lost reply must not add the same bookmark twice.
        if link in await self.gateway.bookmark_links(channel):
            return {}
        try:
            await self.gateway.add_bookmark(channel, title=entry.payload["title"], link=link)
        except SlackRejected as exc:
            if exc.error != "invalid_link":
                raise
            log.warning("bookmark.skipped incident=%s link=%r error=%s", incident.number, link, exc.error)
        return {}


assert all(hasattr(EffectRunner, f"_{effect.value}") for effect in Effect), "an Effect without a performer"
