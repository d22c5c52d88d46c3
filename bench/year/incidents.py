"""A year's incidents with their roles, timelines and follow-ups, as rows the bot itself would store.

Rows are dicts keyed by column name with every value given (writer.py fills nothing in), ids included,
so that the tables refer to each other without reading anything back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench.year.shape import SERVICES, TEAMS, Year, person
from storage.enums import OPEN_STATUSES, RoleName, Severity, Status

Row = dict[str, Any]
SEVERITIES = (Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4)
SEVERITY_SHARES = (0.05, 0.2, 0.45, 0.3)
# A heavier incident is talked about more: relative timeline length per severity.
SEVERITY_WEIGHT = {Severity.SEV1: 8.0, Severity.SEV2: 3.0, Severity.SEV3: 1.0, Severity.SEV4: 0.5}
OPEN_SHARE = 0.01  # the newest 1 % are still open, as a team a week into its incidents has them
PRIVATE_SHARE = 0.05
ALERT_ORIGIN_SHARE = 0.3  # opened by an alert (origin alertmanager), the others declared in Slack


@dataclass(frozen=True)
class Seeded:
    """What later parts need to know about one incident."""

    id: int
    severity: Severity
    status: Status
    declared_at: datetime
    ends_at: datetime  # resolved, or the year's end for an open one
    channel_id: str
    from_alert: bool
    entries: int


def plan(year: Year) -> list[Seeded]:
    rng = year.random("incidents")
    count = year.incidents
    moments = sorted(year.start + timedelta(seconds=rng.uniform(0, 365 * 86400 - 7200)) for _ in range(count))
    severities = rng.choices(SEVERITIES, weights=SEVERITY_SHARES, k=count)
    severities[year.big_incident - 1] = Severity.SEV1
    weights = [SEVERITY_WEIGHT[severity] * rng.lognormvariate(0, 1) for severity in severities]
    weights[year.big_incident - 1] = 0.0
    # Three entries at least (declared, commander, the last status): the rest shared by weight.
    spare = year.timeline_entries - year.big_entries - 3 * (count - 1)
    total = sum(weights)
    entries = [3 + math.floor(spare * weight / total) for weight in weights]
    entries[year.big_incident - 1] = year.big_entries
    entries[-2] += year.timeline_entries - sum(entries)  # rounding lands on one incident
    first_open = count - max(1, round(count * OPEN_SHARE))
    seeded = []
    for index, (declared_at, severity) in enumerate(zip(moments, severities, strict=True)):
        number = index + 1
        is_open = index >= first_open and number != year.big_incident
        hours = rng.uniform(2, 30) if number == year.big_incident else rng.lognormvariate(1, 0.8)
        ends_at = year.end if is_open else min(declared_at + timedelta(hours=hours), year.end)
        status = rng.choice(OPEN_STATUSES) if is_open else (Status.CLOSED if rng.random() < 0.6 else Status.RESOLVED)
        seeded.append(
            Seeded(
                id=number,
                severity=severity,
                status=status,
                declared_at=declared_at,
                ends_at=ends_at,
                channel_id=f"C0INC{number:06d}",
                from_alert=rng.random() < ALERT_ORIGIN_SHARE,
                entries=entries[index],
            )
        )
    return seeded


def incident_rows(year: Year, seeded: list[Seeded]) -> Iterator[Row]:
    rng = year.random("incident-rows")
    for incident in seeded:
        service = rng.choice(SERVICES)
        declared = incident.declared_at
        done = not incident.status.is_open
        length = incident.ends_at - declared
        yield {
            "id": incident.id,
            "title": f"{service.capitalize()} {rng.choice(PROBLEMS)} #{incident.id}",
            "severity": incident.severity,
            "status": incident.status,
            "summary": f"{service} {rng.choice(PROBLEMS)}; rolled back the last deploy" if done else "",
            "impact": f"{rng.randint(1, 40)} % of {service} requests failed" if done else "",
            "channel_id": incident.channel_id,
            "channel_name": f"inc-{declared:%Y%m%d}-{service}-{incident.id}",
            "summary_ts": _ts(declared + timedelta(seconds=5)),
            "announcement_channel_id": "C0ANNOUNCE",
            "announcement_ts": _ts(declared + timedelta(seconds=4)),
            "announce_channel": None,
            "origin": "alertmanager" if incident.from_alert else "slack",
            "team": rng.choice(TEAMS),
            "service": service,
            "is_storm": False,
            "is_private": rng.random() < PRIVATE_SHARE and incident.id != year.big_incident,
            "alerts_ts": _ts(declared + timedelta(seconds=6)) if incident.from_alert else None,
            "declared_by": person(rng.randrange(200)),
            "declared_at": declared,
            "detected_at": declared - timedelta(minutes=rng.randint(0, 20)),
            "acknowledged_at": declared + timedelta(minutes=rng.randint(1, 10)),
            "acknowledged_by": person(rng.randrange(200)),
            "mitigated_at": declared + length * 0.6 if done else None,
            "resolved_at": incident.ends_at if done else None,
            "closed_at": incident.ends_at + timedelta(days=3) if incident.status is Status.CLOSED else None,
            "postmortem_drafted_at": incident.ends_at + timedelta(days=1)
            if done and _has_postmortem(incident)
            else None,
            "updated_at": incident.ends_at,
        }


def role_rows(year: Year, seeded: list[Seeded]) -> Iterator[Row]:
    rng = year.random("roles")
    for incident in seeded:
        names = [RoleName.COMMANDER]
        if incident.severity in (Severity.SEV1, Severity.SEV2):
            names += [RoleName.COMMS, RoleName.SCRIBE]
        for name in names:
            yield {
                "incident_id": incident.id,
                "role": name,
                "user_id": person(rng.randrange(200)),
                "assigned_by": person(rng.randrange(200)),
                "assigned_at": incident.declared_at + timedelta(seconds=1),
            }


def timeline_rows(year: Year, seeded: list[Seeded]) -> Iterator[Row]:
    """Per incident: declared, its commander, messages (threads, edits, pins), status changes, the end."""
    rng = year.random("timeline")
    entry_id = 0
    for incident in seeded:
        span = (incident.ends_at - incident.declared_at).total_seconds()
        people = [person(rng.randrange(200)) for _ in range(rng.randint(3, 12))]
        middle = incident.entries - 3
        for position in range(incident.entries):
            entry_id += 1
            if position == 0:
                yield _event(
                    entry_id, incident, incident.declared_at, "declared", people[0], f"Declared {incident.severity}"
                )
            elif position == 1:
                at = incident.declared_at + timedelta(seconds=1)
                yield _event(entry_id, incident, at, "role", people[0], f"Commander: <@{people[0]}>")
            elif position == incident.entries - 1:
                change = (
                    "investigating → resolved" if not incident.status.is_open else f"investigating → {incident.status}"
                )
                yield _event(entry_id, incident, incident.ends_at, "status", people[0], change)
            else:
                # Spread evenly with a jitter, so that `at` keeps the order of the ids, as when captured live.
                at = incident.declared_at + timedelta(seconds=1 + 0.999 * span * (position - 2 + rng.random()) / middle)
                if position % 50 == 0:
                    yield _event(entry_id, incident, at, "status", people[0], rng.choice(STATUS_CHANGES))
                else:
                    yield _message(entry_id, incident, at, position, people, rng.random())


def follow_up_rows(year: Year, seeded: list[Seeded]) -> Iterator[Row]:
    rng = year.random("follow-ups")
    follow_up_id = 0
    for incident in seeded:
        if incident.status.is_open or not _has_postmortem(incident):
            continue
        for number in range(1, rng.randint(2, 5)):
            follow_up_id += 1
            done = rng.random() < 0.7
            created = incident.ends_at + timedelta(hours=rng.uniform(1, 48))
            yield {
                "id": follow_up_id,
                "incident_id": incident.id,
                "number": number,
                "text": rng.choice(FOLLOW_UPS),
                "owner": person(rng.randrange(200)),
                "due": (created + timedelta(days=rng.randint(7, 30))).date(),
                "state": "done" if done else "open",
                "created_by": person(rng.randrange(200)),
                "created_at": created,
                "done_at": created + timedelta(days=rng.randint(1, 20)) if done else None,
                "done_by": person(rng.randrange(200)) if done else None,
                "source_ts": None,
            }


def _has_postmortem(incident: Seeded) -> bool:
    return incident.severity in (Severity.SEV1, Severity.SEV2)


def _event(entry_id: int, incident: Seeded, at: datetime, kind: str, author: str, text: str) -> Row:
    return {
        "id": entry_id, "incident_id": incident.id, "at": at, "kind": kind, "author": author, "text": text,
        "channel_id": None, "slack_ts": None, "thread_ts": None, "is_edited": False, "is_deleted": False,
        "has_original": True, "is_pinned": False, "highlight_reactions": 0, "highlighted": False,
    }  # fmt: skip


def _message(entry_id: int, incident: Seeded, at: datetime, position: int, people: list[str], chance: float) -> Row:
    # Unique per channel as Slack's are: the entry's own id in the microseconds keeps two at one second apart.
    ts = f"{int(at.timestamp())}.{entry_id % 1_000_000:06d}"
    author, other = people[position % len(people)], people[(position + 1) % len(people)]
    return {
        "id": entry_id, "incident_id": incident.id, "at": at, "kind": "message", "author": author,
        "text": f"<@{other}> error rate on pod-{position % 40} is {position % 97}% — see "
        f"<https://grafana.example/d/{entry_id}|dashboard>",
        "channel_id": incident.channel_id, "slack_ts": ts,
        "thread_ts": None,
        "is_edited": chance < 0.05, "is_deleted": chance > 0.99, "has_original": True,
        "is_pinned": position % 400 == 0, "highlight_reactions": 1 if position % 250 == 0 else 0,
        "highlighted": position % 250 == 0,
    }  # fmt: skip


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


PROBLEMS = ("is down", "returns 5xx", "is slow", "drops requests", "times out", "serves stale data")
STATUS_CHANGES = ("investigating → identified", "identified → monitoring", "monitoring → identified")
FOLLOW_UPS = (
    "Alert on the error budget, not the error rate",
    "Add a canary stage to the deploy",
    "Write the runbook for failing over the database",
    "Load-test the new cache before the sale",
    "Page the owning team, not the platform rota",
)


def reminder_rows(year: Year, seeded: list[Seeded], follow_ups: list[Row]) -> Iterator[Row]:
    """The reminders a year of ticks left behind: every nag already sent today, so a bot started on the
    year has no backlog to catch up on (it would post thousands at once, which no running bot does)."""
    sent, tomorrow = year.end - timedelta(hours=1), year.end + timedelta(hours=23)
    reminder_id = 0
    for incident in seeded:
        if incident.status is Status.RESOLVED and not _has_postmortem(incident):
            reminder_id += 1
            days = max(1, (year.end - incident.ends_at).days)
            yield _reminder(reminder_id, "postmortem_due", incident.id, sent, days, tomorrow)
    for follow_up in follow_ups:
        if follow_up["state"] == "open" and follow_up["due"] <= year.end.date():
            reminder_id += 1
            days = max(1, (year.end.date() - follow_up["due"]).days)
            yield _reminder(reminder_id, "follow_up", follow_up["id"], sent, days, tomorrow)


def _reminder(reminder_id: int, kind: str, subject: int, sent: datetime, count: int, next_run: datetime) -> Row:
    return {
        "id": reminder_id, "kind": kind, "subject_id": subject,
        "last_sent_at": sent, "sent_count": count, "next_run_at": next_run,
    }  # fmt: skip
