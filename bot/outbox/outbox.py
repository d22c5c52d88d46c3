"""The Outbox that services write side effects into, inside their own transaction."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries import outbox as queries
from storage.tables import OutboxEntry
from storage.types import utcnow


class Effect(StrEnum):
    """Every side effect the worker knows how to perform."""

    CREATE_CHANNEL = "create_channel"
    SET_TOPIC = "set_topic"
    SET_PURPOSE = "set_purpose"
    INVITE = "invite"
    POST_SUMMARY = "post_summary"
    PIN_SUMMARY = "pin_summary"
    UPDATE_SUMMARY = "update_summary"
    ANNOUNCE = "announce"
    UPDATE_ANNOUNCEMENT = "update_announcement"
    POST = "post"
    SYNC_ALERTS = "sync_alerts"
    SYNC_ALERT_GROUP = "sync_alert_group"
    SYNC_ALERT_ROLLUP = "sync_alert_rollup"  # an alerts channel's one message for the groups of a storm
    ADD_BOOKMARK = "add_bookmark"
    UPLOAD_POSTMORTEM = "upload_postmortem"
    MESSAGE = "message"  # to a named channel or, by user id, a direct message: not about one incident
    UPLOAD_SLO_CHART = "upload_slo_chart"
    POST_SLO_DIGEST = "post_slo_digest"
    UPLOAD_REPORT_CHART = "upload_report_chart"
    POST_REPORT = "post_report"
    PUBLISH_HOME = "publish_home"  # a person's App Home tab
    SET_USERGROUP = "set_usergroup"  # a schedule's user group made equal to who is on call
    CREATE_SILENCE = "create_silence"  # in Alertmanager, found again by its comment if the answer was lost
    EXPIRE_SILENCE = "expire_silence"
    PAGERDUTY_EVENT = "pagerduty_event"  # trigger, acknowledge or resolve an incident's PagerDuty alert
    WEBHOOK_EVENT = "webhook_event"  # the same, as a signed POST to a policy's webhook
    SYNC_MAINTENANCE = "sync_maintenance"  # a maintenance window's one message listing the alerts it holds


def incident_lane(incident_id: int) -> str:
    return f"incident:{incident_id}"


def alert_group_lane(group_id: int) -> str:
    return f"alert_group:{group_id}"


def alert_rollup_lane(rollup_id: int) -> str:
    return f"alert_rollup:{rollup_id}"


def maintenance_lane(window_id: int) -> str:
    return f"maintenance:{window_id}"


def silence_lane(silence_id: int) -> str:
    """A silence's creation and expiry, in that order."""
    return f"silence:{silence_id}"


class Outbox:
    """Side effects gathered during one unit of work; written by `flush` in its session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[OutboxEntry] = []
        self._kinds_in_lanes: set[tuple[str, str | None]] = set()
        # Syncs added in this unit of work, dropped at flush if the table already has one waiting.
        self._syncs: dict[tuple[str, str], OutboxEntry] = {}
        self.written = 0

    def add(self, effect: Effect, *, incident_id: int | None, lane: str | None = None, **payload: Any) -> None:
        """An effect in its lane: an incident's effects run one at a time, in the order they were added."""
        if lane is None and incident_id is not None:
            lane = incident_lane(incident_id)
        self._pending.append(OutboxEntry(incident_id=incident_id, lane=lane, kind=effect.value, payload=payload))
        self._kinds_in_lanes.add((effect.value, lane))

    async def sync(self, effect: Effect, *, incident_id: int | None, lane: str, delay: float, **payload: Any) -> None:
        """Bring a message up to date soon, once for any number of changes made within `delay` seconds.

        A waiting entry (not yet due, so not yet started) reads the state when it runs, so it covers
        this change too: an alert storm becomes one update every `delay` seconds, not one per alert.
        """
        if (effect.value, lane) in self._kinds_in_lanes:
            return
        entry = OutboxEntry(
            incident_id=incident_id,
            lane=lane,
            kind=effect.value,
            payload=payload,
            not_before=utcnow() + timedelta(seconds=delay),
        )
        self._pending.append(entry)
        self._kinds_in_lanes.add((effect.value, lane))
        self._syncs[(effect.value, lane)] = entry

    def post(
        self, incident_id: int, text: str, *, thread_ts: str | None = None, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Post a message in the incident's channel."""
        self.add(Effect.POST, incident_id=incident_id, text=text, thread_ts=thread_ts, blocks=blocks)

    def message(
        self, to: str, text: str, *, lane: str | None = None, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Post to a channel (name or id) or to a person's direct messages (user id)."""
        if blocks is None:  # entries written before blocks existed have none: both read the same
            self.add(Effect.MESSAGE, incident_id=None, lane=lane, to=to, text=text)
        else:
            self.add(Effect.MESSAGE, incident_id=None, lane=lane, to=to, text=text, blocks=blocks)

    def refresh(self, incident_id: int, *, topic: bool = False) -> None:
        """Bring the pinned summary and the announcement (and the topic) up to date."""
        self.add(Effect.UPDATE_SUMMARY, incident_id=incident_id)
        self.add(Effect.UPDATE_ANNOUNCEMENT, incident_id=incident_id)
        if topic:
            self.add(Effect.SET_TOPIC, incident_id=incident_id)

    async def flush(self) -> None:
        if self._syncs:
            # One query for every sync of the unit of work: an ingested storm touches thousands of lanes.
            waiting = await queries.waiting(self._session, self._syncs, now=utcnow())
            covered = {id(self._syncs[key]) for key in waiting}
            self._pending = [entry for entry in self._pending if id(entry) not in covered]
            self._syncs = {}
        if self._pending:
            await queries.insert_entries(self._session, self._pending)
            self.written += len(self._pending)
            self._pending = []
            self._kinds_in_lanes = set()
