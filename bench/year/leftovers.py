"""What a year leaves behind that only retention clears: processed Slack ids, done outbox entries, pushed SLO counts.

Counted from the rest of the seeded year, as the bot would have stored them:

- `processed_events` (what the bot claims, bot/timeline/service.py and bot/slack/replays.py): one Slack event id
  per timeline edit, delete, pin and 📌 reaction (a plain message post is not claimed); one `trigger:` id per slash
  command or click behind each of the bot's own timeline entries (declare, roles, status changes); COMMANDS_A_DAY
  commands and clicks outside incidents per person and weekday (`/oncall who`, `/incident list`, follow-ups
  done); one `slo-push:` Idempotency-Key per pushed SLO count.
- `outbox`, all `done`, one per Slack call: OPENING_CALLS per incident as it is declared (channel, topic,
  purpose, invite, summary posted and pinned, announcement, bookmark), the summary and the announcement
  redrawn for each of the bot's own entries after that, an incident's alert list drawn ALERT_SYNCS times when an
  alert opened it, the postmortem uploaded for SEV1 and SEV2; GROUP_SYNCS per alert group posted in `#alerts`
  (posted, redrawn as it fired, as it resolved); one message per reminder sent (the reminders' `sent_count`);
  App Home published HOME_OPENS_A_DAY per person and weekday; each SLO's weekly digest and its chart.
- `slo_events`: each events-sourced SLO's counts pushed every PUSH_EVERY all year, with an Idempotency-Key.

The people's and the pushes' rates are scaled with the year (`--scale`), as the other counts are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from bench.year.incidents import Seeded
from bench.year.shape import PEOPLE, SLOS, Year, person
from storage.enums import Severity

Row = dict[str, Any]
COMMANDS_A_DAY = 2
HOME_OPENS_A_DAY = 1
OPENING_CALLS = (
    "create_channel", "set_topic", "set_purpose", "invite", "post_summary", "pin_summary", "announce", "add_bookmark",
)  # fmt: skip
ALERT_SYNCS = 2
GROUP_SYNCS = 3
PUSH_EVERY = timedelta(minutes=5)  # as often as the bot evaluates an SLO (`slos.evaluate_every`)
# Entries of the timeline that are the bot's own actions, each asked for by a command or a click.
BOT_KINDS = frozenset({"declared", "role", "status"})


class Taps:
    """What the timeline and reminders rows imply, noted as the seeder writes them (they are not read back)."""

    def __init__(self) -> None:
        self.slack_events: list[datetime] = []  # edits, deletes, pins, reactions: claimed by event id
        self.bot_actions: list[tuple[int, datetime]] = []  # (incident, at) of each command's timeline entry
        self.reminders_sent: list[tuple[datetime, int]] = []  # (last sent, how many times)

    def timeline(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            if row["kind"] in BOT_KINDS:
                self.bot_actions.append((row["incident_id"], row["at"]))
            elif row["is_edited"] or row["is_deleted"] or row["is_pinned"] or row["highlight_reactions"]:
                self.slack_events.append(row["at"])
            yield row

    def reminders(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            self.reminders_sent.append((row["last_sent_at"], row["sent_count"]))
            yield row


def _weekdays(year: Year) -> Iterator[datetime]:
    day = year.start.replace(hour=9)
    while day < year.end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _per_day(year: Year, each: int) -> int:
    # A scaled year is a smaller organisation: fewer people asking, fewer services pushing.
    return max(1, round(PEOPLE * each * year.scale))


def _pushes(year: Year) -> Iterator[tuple[str, int, datetime]]:
    step = PUSH_EVERY / year.scale
    for name, _service in SLOS:
        at, number = year.start + step, 0
        while at <= year.end:
            number += 1
            yield name, number, at
            at += step


def processed_event_rows(year: Year, taps: Taps) -> Iterator[Row]:
    rng = year.random("processed-events")
    for number, at in enumerate(taps.slack_events):
        yield {"event_id": f"Ev0YEAR{number:09d}", "received_at": at + timedelta(seconds=rng.uniform(0.1, 2))}
    for number, (_incident, at) in enumerate(taps.bot_actions):
        yield {"event_id": f"trigger:year.{number:09d}", "received_at": at}
    number = 0
    for day in _weekdays(year):
        for _ in range(_per_day(year, COMMANDS_A_DAY)):
            number += 1
            at = day + timedelta(seconds=rng.uniform(0, 9 * 3600))
            yield {"event_id": f"trigger:day.{number:09d}", "received_at": at}
    for name, number, at in _pushes(year):
        yield {"event_id": f"slo-push:{name}:push-{number}", "received_at": at + timedelta(seconds=1)}


def slo_event_rows(year: Year) -> Iterator[Row]:
    rng = year.random("slo-events")
    for event_id, (name, _number, at) in enumerate(_pushes(year), start=1):
        total = rng.randint(20_000, 30_000)
        yield {"id": event_id, "slo": name, "at": at, "good": total - rng.randint(0, 25), "total": total,
               "received_at": at + timedelta(seconds=1)}  # fmt: skip


def outbox_rows(
    year: Year, seeded: list[Seeded], taps: Taps, groups: list[tuple[int, Any, int | None]]
) -> Iterator[Row]:
    """Every Slack call of the year as a done entry, in the order the bot would have written them."""
    rng = year.random("outbox")
    calls: list[tuple[datetime, str, str, int | None]] = []  # (created, kind, lane, incident)
    openers = {incident.id: incident for incident in seeded}
    for incident in seeded:
        lane = f"incident:{incident.id}"
        calls += [(incident.declared_at, kind, lane, incident.id) for kind in OPENING_CALLS]
        if incident.from_alert:
            calls += [(incident.declared_at, "sync_alerts", lane, incident.id)] * ALERT_SYNCS
        if not incident.status.is_open and incident.severity in (Severity.SEV1, Severity.SEV2):
            calls.append((incident.ends_at + timedelta(days=1), "upload_postmortem", lane, incident.id))
    for incident_id, at in taps.bot_actions:
        if at > openers[incident_id].declared_at:
            lane = f"incident:{incident_id}"
            calls += [(at, "update_summary", lane, incident_id), (at, "update_announcement", lane, incident_id)]
    for group_id, created, owner in groups:
        if owner is None:  # an incident's group is drawn in the incident's alert list
            lane = f"alert_group:{group_id}"
            calls += [
                (created + timedelta(minutes=5 * sync), "sync_alert_group", lane, None) for sync in range(GROUP_SYNCS)
            ]
    for last_sent, count in taps.reminders_sent:
        calls += [(last_sent - timedelta(days=day), "message", "reminders", None) for day in range(count)]
    for day in _weekdays(year):
        for number in range(_per_day(year, HOME_OPENS_A_DAY)):
            user = person(number)
            calls.append((day + timedelta(seconds=rng.uniform(0, 9 * 3600)), "publish_home", f"home:{user}", None))
    for week in range(1, 53):
        at = year.start + timedelta(weeks=week)
        calls += [(at, "post_slo_digest", "slo_digest", None), (at, "upload_slo_chart", "slo_digest", None)]
    calls.sort(key=lambda call: call[0])
    for entry_id, (at, kind, lane, subject) in enumerate(calls, start=1):
        created = min(at, year.end - timedelta(seconds=5))
        done = created + timedelta(seconds=rng.uniform(0.2, 3))
        yield {
            "id": entry_id, "incident_id": subject, "lane": lane, "kind": kind, "payload": {},
            "state": "done", "attempts": 1, "not_before": created, "last_error": None,
            "lease_owner": None, "lease_until": None, "created_at": created, "done_at": done,
        }  # fmt: skip
