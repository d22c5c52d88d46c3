"""What a failed database call says about storage, in words for the person or sender who was refused."""

from __future__ import annotations

from storage.errors import describe


def describe_failure(exc: BaseException) -> str:
    """Read-only, full, unreachable or otherwise failing: the difference tells an operator where to look."""
    return describe(exc)
