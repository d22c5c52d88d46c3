"""Everything a postmortem says, gathered from stored data into plain values for the templates.

Texts here are plain: Slack's markup (mentions, channel links, `&lt;` escapes) is turned into what a
reader would see, and each template escapes for its own format (Markdown or HTML).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.incidents.models import RoleName
from bot.incidents.snapshot import IncidentSnapshot
from storage.tables import Alert, FollowUp, TimelineEntry

# Kinds the bot records itself; "message" and "join" come from people in the channel.
STATUS_KINDS = frozenset({"declared", "status", "severity"})
KEY_KINDS = frozenset({"declared", "status", "severity", "note", "role"})
SECTION_PREFIXES = {
    "root_cause": ("root cause:",),
    "contributing_factors": ("contributing factor:", "contributing factors:"),
    "went_well": ("went well:", "what went well:"),
    "went_wrong": ("went wrong:", "what went wrong:"),
}

# How the full timeline labels what is not a plain message.
KIND_LABELS = {
    "declared": "declared",
    "status": "status",
    "severity": "severity",
    "role": "role",
    "note": "note",
    "summary": "summary",
    "impact": "impact",
    "join": "joined",
    "alert_fired": "alert",
    "alert_resolved": "alert",
    "follow_up": "follow-up",
    "postmortem": "postmortem",
}

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")


def plain_text(text: str, names: Mapping[str, str]) -> str:
    """What a person saw in Slack: `<@U1>` → `@Alice`, `<url|label>` → `label (url)`, entities decoded."""
    text = _USER.sub(lambda match: "@" + names.get(match.group(1), match.group(2) or match.group(1)), text)
    text = _CHANNEL.sub(lambda match: "#" + (match.group(2) or match.group(1)), text)
    text = _SPECIAL.sub(lambda match: "@" + match.group(1), text)
    text = _SUBTEAM.sub(lambda match: match.group(2) or "@" + match.group(1), text)
    text = _DATE.sub(lambda match: match.group(1), text)
    text = _LINK.sub(lambda match: f"{match.group(2)} ({match.group(1)})" if match.group(2) else match.group(1), text)
    return html.unescape(text)


@dataclass(frozen=True)
class Event:
    at: datetime  # local time
    kind: str
    label: str | None  # None for what people said
    author: str | None
    text: str
    edited: bool = False
    highlighted: bool = False
    replies: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Metric:
    name: str
    value: timedelta | None
    meaning: str


@dataclass(frozen=True)
class AlertView:
    summary: str
    severity: str | None
    status: str
    starts_at: datetime
    ends_at: datetime | None
    runbook_url: str | None
    source_url: str | None
    fired_count: int


@dataclass(frozen=True)
class FollowUpView:
    number: int
    text: str
    owner: str | None
    due: date | None
    done: bool


@dataclass(frozen=True)
class Participant:
    name: str
    messages: int
    roles: list[str]


@dataclass(frozen=True)
class Postmortem:
    incident: IncidentSnapshot
    timezone: str
    generated_at: datetime
    declared_at: datetime
    resolved_at: datetime | None
    declared_by: str
    roles: list[tuple[str, str]]
    customer_facing: timedelta | None
    metrics: list[Metric]
    status_history: list[Event]
    key_events: list[Event]
    timeline: list[Event]
    participants: list[Participant]
    alerts: list[AlertView]
    follow_ups: list[FollowUpView]
    sections: dict[str, list[str]]
    message_count: int


def user_ids(entries: Iterable[TimelineEntry], incident: IncidentSnapshot, follow_ups: Iterable[FollowUp]) -> set[str]:
    """Everyone the document names, so their display names can be looked up in one go."""
    found = {user for user in incident.roles.values()}
    found.add(incident.declared_by)
    for entry in entries:
        if entry.author:
            found.add(entry.author)
        found.update(match.group(1) for match in _USER.finditer(entry.text))
    for follow_up in follow_ups:
        found.update(user for user in (follow_up.owner, follow_up.created_by) if user)
    return {user for user in found if re.fullmatch(r"[UW][A-Z0-9]+", user)}


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    return end - start if start is not None and end is not None and end >= start else None


def _section_of(text: str) -> tuple[str, str] | None:
    lowered = text.lstrip().lower()
    for section, prefixes in SECTION_PREFIXES.items():
        for prefix in prefixes:
            if lowered.startswith(prefix):
                return section, text.lstrip()[len(prefix) :].strip()
    return None


def build(
    *,
    incident: IncidentSnapshot,
    detected_at: datetime | None,
    entries: Sequence[TimelineEntry],
    alerts: Sequence[Alert],
    follow_ups: Sequence[FollowUp],
    names: Mapping[str, str],
    zone: ZoneInfo,
    now: datetime,
    bot_users: frozenset[str] = frozenset(),
) -> Postmortem:
    def local(at: datetime) -> datetime:
        return at.astimezone(zone)

    def name(user: str | None) -> str | None:
        if user is None:
            return None
        return names.get(user, user)

    def event(entry: TimelineEntry) -> Event:
        return Event(
            at=local(entry.at),
            kind=entry.kind,
            label=None if entry.kind == "message" else KIND_LABELS.get(entry.kind, entry.kind),
            author=name(entry.author),
            text=plain_text(entry.text, names),
            edited=entry.is_edited,
            highlighted=entry.highlighted,
        )

    # What people said, minus what they deleted and the bot's own posts (their substance is already
    # recorded as status, severity, role and alert entries).
    visible = [
        entry
        for entry in entries
        if not entry.is_deleted and entry.has_original and not (entry.kind == "message" and entry.author in bot_users)
    ]
    parents: dict[str, Event] = {}
    timeline: list[Event] = []
    for entry in visible:
        item = event(entry)
        parent = parents.get(entry.thread_ts or "") if entry.thread_ts and entry.thread_ts != entry.slack_ts else None
        if parent is not None:
            parent.replies.append(item)
            continue
        if entry.slack_ts:
            parents[entry.slack_ts] = item
        timeline.append(item)

    key_events = [event(entry) for entry in visible if entry.highlighted or entry.kind in KEY_KINDS]
    status_history = [event(entry) for entry in visible if entry.kind in STATUS_KINDS]
    sections: dict[str, list[str]] = {section: [] for section in SECTION_PREFIXES}
    for entry in visible:
        if entry.kind in ("note", "message") and (found := _section_of(plain_text(entry.text, names))):
            sections[found[0]].append(found[1])

    first_alert = min((alert.starts_at for alert in alerts), default=None)
    started = first_alert or detected_at or incident.declared_at
    declared = incident.declared_at
    impact_end = incident.mitigated_at or incident.resolved_at
    metrics = [
        Metric("Time to detect", _between(first_alert, declared), "first alert started → incident declared"),
        Metric("Time to acknowledge", _between(declared, incident.acknowledged_at), "declared → commander took it"),
        Metric("Time to mitigate", _between(declared, incident.mitigated_at), "declared → impact mitigated"),
        Metric("Time to resolve", _between(declared, incident.resolved_at), "declared → resolved"),
    ]

    message_authors: dict[str, int] = {}
    for entry in visible:
        if entry.kind == "message" and entry.author:
            message_authors[entry.author] = message_authors.get(entry.author, 0) + 1
    roles_by_user: dict[str, list[str]] = {}
    for role, user in incident.roles.items():
        roles_by_user.setdefault(user, []).append(role.title)
    participants = [
        Participant(name=name(user) or user, messages=message_authors.get(user, 0), roles=roles_by_user.get(user, []))
        for user in sorted(set(message_authors) | set(roles_by_user), key=lambda user: (name(user) or user).lower())
    ]

    return Postmortem(
        incident=incident,
        timezone=zone.key,
        generated_at=local(now),
        declared_at=local(declared),
        resolved_at=local(incident.resolved_at) if incident.resolved_at else None,
        declared_by=f"{incident.origin} alert"
        if incident.opened_by_alert
        else (name(incident.declared_by) or incident.declared_by),
        roles=[
            (role.title, name(incident.roles[role]) or incident.roles[role])
            for role in RoleName
            if role in incident.roles
        ],
        customer_facing=_between(started, impact_end),
        metrics=metrics,
        status_history=status_history,
        key_events=key_events,
        timeline=timeline,
        participants=participants,
        alerts=[
            AlertView(
                summary=alert.summary,
                severity=alert.severity,
                status=alert.status,
                starts_at=local(alert.starts_at),
                ends_at=local(alert.ends_at) if alert.ends_at else None,
                runbook_url=alert.runbook_url,
                source_url=alert.generator_url,
                fired_count=alert.fired_count,
            )
            for alert in alerts
        ],
        follow_ups=[
            FollowUpView(
                number=item.number, text=item.text, owner=name(item.owner), due=item.due, done=item.state == "done"
            )
            for item in follow_ups
        ],
        sections=sections,
        message_count=sum(message_authors.values()),
    )
