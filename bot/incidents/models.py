"""Domain words of an incident: severity, status, roles, and how people name an incident."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


_REF = re.compile(r"(?:inc-?)?(\d+)", re.IGNORECASE)
# Incident numbers are 32-bit in the database: a bigger one names no incident, rather than failing a query.
LARGEST_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class IncidentRef:
    """How a person names an incident: `INC-12` or `12`."""

    number: int

    @classmethod
    def parse(cls, text: str) -> IncidentRef | None:
        match = _REF.fullmatch(text.strip())
        return cls(int(match.group(1))) if match else None

    @classmethod
    def parse_explicit(cls, text: str) -> IncidentRef | None:
        """Only the `INC-12` form: a bare number inside a command is more likely something else."""
        return cls.parse(text) if text.lower().startswith("inc") else None

    def __str__(self) -> str:
        return f"INC-{self.number}"


def reference(number: int | None) -> str:
    return f"INC-{number}"
