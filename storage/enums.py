"""The closed sets of words stored in columns, as StrEnums: the column types of storage/tables.

Stored as their text (storage/types.py's `EnumText`), read back as members, so code that reads a row
gets `Status.RESOLVED`, never a bare string that merely looks like one.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @classmethod
    def parse(cls, text: str) -> Severity | None:
        match = re.fullmatch(r"sev-?([1-4])", text.strip().lower())
        return cls(f"SEV{match.group(1)}") if match else None


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


OPEN_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)


class RoleName(StrEnum):
    COMMANDER = "commander"
    COMMS = "comms"
    SCRIBE = "scribe"

    @property
    def title(self) -> str:  # type: ignore[override]
        return {"commander": "Commander", "comms": "Communications", "scribe": "Scribe"}[self.value]

    @classmethod
    def parse(cls, text: str) -> RoleName | None:
        aliases = {"ic": "commander", "communications": "comms", "communication": "comms"}
        word = aliases.get(text.lower(), text.lower())
        return cls(word) if word in cls._value2member_map_ else None


class EscalationState(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"


class CoverState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


class MaintenanceState(StrEnum):
    ACTIVE = "active"  # holding matching alerts until ends_at
    ENDED = "ended"  # ended by time or `/alert maintenance end`; its held alerts were re-run through ingestion


class SilenceState(StrEnum):
    PENDING = "pending"  # stored; the outbox has not made it in Alertmanager yet
    ACTIVE = "active"  # made in Alertmanager (am_silence_id is set)
    EXPIRED = "expired"  # expired from Slack (the outbox expires it in Alertmanager) or refused there
