"""How a requested postmortem is uploaded to the incident's channel from the outbox."""

from __future__ import annotations

import logging

from bot.incidents.effects import channel_of, on_incident
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.postmortem.render import Format
from bot.postmortem.service import Postmortems
from bot.slack.gateway import SlackGateway
from bot.slack.texts import render as render_text
from storage.engine import Database
from storage.tables import OutboxEntry

log = logging.getLogger("oncall.outbox")

# Slack's clock and ours may differ a little; an upload is never older than the request that asked for it.
_UPLOAD_SKEW_SECONDS = 5


class PostmortemEffects:
    def __init__(self, gateway: SlackGateway, database: Database, postmortems: Postmortems) -> None:
        self._gateway = gateway
        self._database = database
        self._postmortems = postmortems

    def performers(self) -> dict[Effect, Performer]:
        return {Effect.UPLOAD_POSTMORTEM: on_incident(self._database, self.upload_postmortem)}

    async def upload_postmortem(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        """Render from what is stored now, so a retry uploads the latest, and upload as a Markdown file."""
        channel, filename = channel_of(entry, incident), f"postmortem-{incident.ref.lower()}.md"
        # A file share carries no metadata: after a lost reply, a share of this file since the request counts.
        oldest = entry.created_at.timestamp() - _UPLOAD_SKEW_SECONDS
        if entry.attempts > 0 and await self._gateway.has_file_share(channel, filename=filename, oldest=oldest):
            log.info("outbox.adopted kind=%s entry=%s", entry.kind, entry.id)
            return {}
        content = await self._postmortems.render(incident.number, Format.MARKDOWN)
        requested_by = entry.payload.get("requested_by")
        comment = render_text("slack/postmortem_uploaded.txt.j2", incident=incident, by=requested_by)
        await self._gateway.upload_file(
            channel,
            filename=filename,
            content=content,
            title=f"Postmortem {incident.ref}: {incident.title}",
            comment=comment,
        )
        return {}
