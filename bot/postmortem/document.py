"""Everything a postmortem says, gathered from stored data into plain values for the templates.

Texts here are plain: Slack's markup (mentions, channel links, `&lt;` escapes) is turned into what a
reader would see, and each template escapes for its own format (Markdown or HTML).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot import texts
from bot.alerts.views import alert_from, facts
from bot.incidents.models import RoleName
from bot.incidents.snapshot import IncidentSnapshot
from storage.tables import Alert, Escalation, FollowUp, Page

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
# Every kind of Slack markup in one pass: user, channel, special mention, user group, date, link.
SLACK_MARKUP = re.compile(
    r"<(?:@(?P<user>[UW][A-Z0-9]+)(?:\|(?P<user_label>[^>]*))?"
    r"|#(?P<channel>[CG][A-Z0-9]+)(?:\|(?P<channel_label>[^>]*))?"
    r"|!(?P<special>channel|here|everyone)(?:\|[^>]*)?"
    r"|!subteam\^(?P<team>[A-Z0-9]+)(?:\|(?P<team_label>[^>]*))?"
    r"|!date\^[^|>]*\|(?P<date>[^>]*)"
    r"|(?P<url>(?:https?|mailto):[^|>]+)(?:\|(?P<url_label>[^>]*))?"
    r")>"
)


def plain_text(text: str, names: Mapping[str, str]) -> str:
    """What a person saw in Slack: `<@U1>` → `@Alice`, `<url|label>` → `label (url)`, entities decoded."""
    if "<" not in text and "&" not in text:  # most messages: nothing to translate
        return text

    def seen(match: re.Match[str]) -> str:
        part = match.groupdict()
        if part["user"]:
            return "@" + names.get(part["user"], part["user_label"] or part["user"])
        if part["channel"]:
            return "#" + (part["channel_label"] or part["channel"])
        if part["special"]:
            return "@" + part["special"]
        if part["team"]:
            return part["team_label"] or "@" + part["team"]
        if part["date"] is not None:
            return part["date"]
        return f"{part['url_label']} ({part['url']})" if part["url_label"] else part["url"]

    return html.unescape(SLACK_MARKUP.sub(seen, text))


@dataclass(slots=True)  # one per message: frozen dataclasses are slow to build by the ten thousand
class Event:
    at: datetime  # local time
    when: str  # `at` as the timeline prints it, with seconds and zone
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
    """One alert as the postmortem lists it: `facts` (bot.alerts.views) and its times, in local time."""

    name: str  # the rule that fired
    source: str  # "Alertmanager", "PagerDuty", …
    labels: list[tuple[str, str]]  # the identifying ones, most telling first
    summary: str  # as the source sent it (operators' templates show it); `facts.summary` drops repeats
    description: str
    severity: str | None
    status: str
    starts_at: datetime
    ends_at: datetime | None
    runbook_url: str | None
    source_url: str | None
    links: list[tuple[str, str]]  # (label, URL), the runbook first
    fired_count: int


@dataclass(frozen=True)
class FollowUpView:
    number: int
    text: str
    owner: str | None
    due: date | None
    done: bool


@dataclass(frozen=True)
class PageView:
    """Someone paged: when, by which step of which policy, and because of which target."""

    at: datetime
    who: str
    policy: str
    step: int  # 1-based, as people count
    round: int  # 1 for the first time the steps ran
    via: str


@dataclass(frozen=True)
class EscalationView:
    policy: str
    state: str  # acknowledged, resolved, exhausted, active
    stopped_by: str | None
    stopped_at: datetime | None


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
    pages: list[PageView]
    escalations: list[EscalationView]
    sections: dict[str, list[str]]
    message_count: int


class TimelineRow(Protocol):
    """What the document reads of a timeline entry (a stored row or a TimelineEntry)."""

    at: datetime
    kind: str
    author: str | None
    text: str
    slack_ts: str | None
    thread_ts: str | None
    is_edited: bool
    is_deleted: bool
    has_original: bool
    highlighted: bool


def user_ids(entries: Iterable[TimelineRow], incident: IncidentSnapshot, follow_ups: Iterable[FollowUp]) -> set[str]:
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


def _alert_view(alert: Alert, local: Callable[[datetime], datetime]) -> AlertView:
    shown = facts(alert)
    return AlertView(
        name=shown.name,
        source=shown.source,
        labels=list(shown.labels),
        summary=alert.summary,
        description=shown.description,
        severity=alert.severity,
        status=alert.status,
        starts_at=local(alert.starts_at),
        ends_at=local(alert.ends_at) if alert.ends_at else None,
        runbook_url=alert.runbook_url,
        source_url=alert.generator_url,
        links=[(link.label, link.url) for link in shown.links],
        fired_count=alert.fired_count,
    )


def build(
    *,
    incident: IncidentSnapshot,
    detected_at: datetime | None,
    entries: Sequence[TimelineRow],
    alerts: Sequence[Alert],
    follow_ups: Sequence[FollowUp],
    names: Mapping[str, str],
    zone: ZoneInfo,
    now: datetime,
    bot_users: frozenset[str] = frozenset(),
    pages: Sequence[Page] = (),
    escalations: Sequence[Escalation] = (),
) -> Postmortem:
    def local(at: datetime) -> datetime:
        return at.astimezone(zone)

    def name(user: str | None) -> str | None:
        if user is None:
            return None
        return names.get(user, user)

    def event(entry: TimelineRow) -> Event:
        at = entry.at.astimezone(zone)
        kind = entry.kind
        return Event(
            at=at,
            when=f"{at.year:04d}-{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}:{at.second:02d} "
            + (at.tzname() or ""),
            kind=kind,
            label=None if kind == "message" else KIND_LABELS.get(kind, kind),
            author=None if entry.author is None else names.get(entry.author, entry.author),
            text=plain_text(entry.text, names),
            edited=entry.is_edited,
            highlighted=entry.highlighted,
        )

    # One pass over a timeline that can hold tens of thousands of entries. Left out: what people
    # deleted, and the bot's own posts (their substance is recorded as status, role and alert entries).
    parents: dict[str, Event] = {}
    timeline: list[Event] = []
    key_events: list[Event] = []
    status_history: list[Event] = []
    sections: dict[str, list[str]] = {section: [] for section in SECTION_PREFIXES}
    message_authors: dict[str, int] = {}
    for entry in entries:
        kind, author = entry.kind, entry.author
        if entry.is_deleted or not entry.has_original or (kind == "message" and author in bot_users):
            continue
        item = event(entry)
        if entry.highlighted or kind in KEY_KINDS:
            key_events.append(item)
        if kind in STATUS_KINDS:
            status_history.append(item)
        if kind == "message" and author:
            message_authors[author] = message_authors.get(author, 0) + 1
        if kind in ("note", "message") and (found := _section_of(item.text)):
            sections[found[0]].append(found[1])
        thread = entry.thread_ts
        parent = parents.get(thread) if thread and thread != entry.slack_ts else None
        if parent is not None:
            parent.replies.append(item)
            continue
        if entry.slack_ts:
            parents[entry.slack_ts] = item
        timeline.append(item)

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
        declared_by=alert_from(incident.origin)
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
        alerts=[_alert_view(alert, local) for alert in alerts],
        follow_ups=[
            FollowUpView(
                number=item.number, text=item.text, owner=name(item.owner), due=item.due, done=item.state == "done"
            )
            for item in follow_ups
        ],
        pages=[_page_view(page, escalations, name, local) for page in pages],
        escalations=[
            EscalationView(e.policy, str(e.state), name(e.stopped_by), local(e.stopped_at) if e.stopped_at else None)
            for e in escalations
        ],
        sections=sections,
        message_count=sum(message_authors.values()),
    )


def _page_view(
    page: Page,
    escalations: Sequence[Escalation],
    name: Callable[[str | None], str | None],
    local: Callable[[datetime], datetime],
) -> PageView:
    policy = next((e.policy for e in escalations if e.id == page.escalation_id), "")
    who = (name(page.target) or page.target) if page.kind == "user" else texts.paging.paged(page.kind, page.target)
    return PageView(local(page.at), who, policy, page.step + 1, page.round + 1, page.via)
