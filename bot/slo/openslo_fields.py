"""What every OpenSLO object is read with: the object, one wrong field as an exception, and the field checks.

Shared by bot/slo/openslo.py (SLOs, SLIs, DataSources) and bot/slo/openslo_alerts.py (alert policies),
so a problem is worded alike wherever it is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Invalid(Exception):
    """One field is wrong; the caller prefixes the origin and the object."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} {reason}" if path else reason)


@dataclass(frozen=True)
class Document:
    kind: str
    name: str
    metadata: dict[str, Any]
    spec: dict[str, Any]
    origin: str = ""  # the file it is in
    where: str = ""  # its place in that file: `document 3`, `item 2`

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


def unknown(kind: str, name: str, documents: dict[str, Document], scope: str | None = None) -> str:
    """The reason a reference to `name` fails, naming what could have been meant."""
    if scope is None:  # "this file" when every object of that kind came from one
        scope = "this file" if len({document.origin for document in documents.values()}) <= 1 else "these files"
    plural = f"{kind[:-1]}ies" if kind.endswith("y") else f"{kind}s"
    known = f"{plural} here: {', '.join(sorted(documents))}" if documents else f"there is no {kind} here"
    return f"names {kind} {name!r}, which is not defined in {scope} ({known})"


def mapping(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        raise Invalid(path, "is required")
    if not isinstance(value, dict):
        raise Invalid(path, f"must be a mapping, got {value!r}")
    return value


def string(value: Any, path: str) -> str:
    if value is None:
        raise Invalid(path, "is required")
    if not isinstance(value, str) or not value.strip():
        raise Invalid(path, f"must be a non-empty string, got {value!r}")
    return value.strip()


def known(fields: dict[str, Any], allowed: set[str], path: str, what: str) -> None:
    for key in fields:
        if key not in allowed:
            raise Invalid(f"{path}.{key}", f"is not a field of {what} in OpenSLO v1 (see docs/slo.md)")
