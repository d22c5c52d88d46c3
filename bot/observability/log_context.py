"""Fields that every log line of one piece of work carries: the request, the incident, the outbox entry.

They live in a context variable, so each aiohttp request and each asyncio task sees its own, and the
log formatter adds them without every log call repeating them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_fields: ContextVar[dict[str, str]] = ContextVar("log_fields", default={})  # noqa: B039 (never mutated)


def current() -> dict[str, str]:
    return _fields.get()


@contextlib.contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Add fields to every log line written inside the block."""
    token = _fields.set({**_fields.get(), **{key: str(value) for key, value in fields.items() if value is not None}})
    try:
        yield
    finally:
        _fields.reset(token)
