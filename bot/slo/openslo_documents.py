"""The objects of one OpenSLO file: a `---` stream of documents, each an object or a list of objects.

Problems are collected, not raised, so a file reports all of them (bot/slo/openslo.py resolves the objects).
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.slo.openslo_alerts import KINDS as ALERT_KINDS
from bot.slo.openslo_fields import Document, Invalid, mapping, string

API_VERSION = "openslo/v1"
IGNORED_KINDS = ("Service",)
KINDS = ("SLO", "SLI", "DataSource", *IGNORED_KINDS, *ALERT_KINDS)


def read_documents(text: str, origin: str) -> tuple[list[Document], list[str]]:
    """The objects of one file (a `---` stream, each document an object or a list of them), and its problems."""
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        return [], [f"{origin}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})"]
    listed = [(index, data) for index, data in enumerate(loaded, start=1) if data is not None]  # trailing `---`
    documents: list[Document] = []
    problems: list[str] = []
    for index, data in listed:
        items = enumerate(data, start=1) if isinstance(data, list) else [(0, data)]
        for position, item in items:
            where = f"document {index}" if position == 0 else f"item {position}"
            if position and len(listed) > 1:
                where = f"document {index} item {position}"
            try:
                document = _document(item, origin, where)
            except Invalid as exc:
                problems.append(f"{origin}: {where}: {exc}")
                continue
            if document is not None:
                documents.append(document)
    return documents, problems


def duplicates(documents: list[Document]) -> list[str]:
    first: dict[tuple[str, str], Document] = {}
    problems = []
    for document in documents:
        key = (document.kind, document.name)
        if key not in first:
            first[key] = document
            continue
        other = first[key]
        where = other.where if other.origin == document.origin else f"{other.where} of {other.origin}"
        problems.append(
            f"{document.origin}: {document.label}: metadata.name is also used by {where}"
            f" (each {document.kind} needs its own name)"
        )
    return problems


def _document(data: Any, origin: str, where: str) -> Document | None:
    """The object, or None for the kinds that are ignored."""
    if not isinstance(data, dict):
        raise Invalid("", "must be a mapping with apiVersion, kind, metadata and spec")
    version = data.get("apiVersion")
    if version != API_VERSION:
        raise Invalid("apiVersion", f"must be {API_VERSION}, got {version!r}")
    kind = data.get("kind")
    if kind in IGNORED_KINDS:
        return None
    if kind not in KINDS:
        raise Invalid("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    metadata = mapping(data.get("metadata"), "metadata")
    name = string(metadata.get("name"), "metadata.name")
    return Document(kind, name, metadata, mapping(data.get("spec"), "spec"), origin, where)
