"""What storage raises in place of the driver's errors, so nothing above it needs to know SQLAlchemy.

A failure of the database itself (unreachable, read-only, full, or failing otherwise) leaves storage as
`StoreUnavailable`, which says it in words; a schema the code cannot use, as one of the two below.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError


class StoreUnavailable(Exception):
    """The database cannot take the request now; `str()` is the reason, for the person or sender refused.

    `unreachable`: the server could not be reached (down, restarting, cut off), so waiting may be enough.
    `cause` names the driver's error (what /readyz shows); `detail` is its first line (what the command line shows).
    """

    def __init__(self, reason: str, *, unreachable: bool, cause: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable
        self.cause = cause
        self.detail = detail


class DatabaseNewerThanCode(Exception):
    """The database was migrated by a newer version of the bot."""


class DatabaseNotReady(Exception):
    """A command that only reads found no oncall-bot database, or one with migrations pending."""


def is_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached (down, restarting, cut off), not that a query failed.

    Refused and reset connections surface as OSError (TimeoutError is one); a connection lost in use as
    a DBAPIError that invalidated it; a server shutting down or still starting as an OperationalError.
    """
    if isinstance(exc, StoreUnavailable):
        return exc.unreachable
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return False


def describe(exc: BaseException) -> str:
    """Read-only, full, unreachable or otherwise failing: the difference tells an operator where to look."""
    if isinstance(exc, StoreUnavailable):
        return exc.reason
    detail = str(getattr(exc, "orig", None) or exc).lower()
    if "read-only" in detail or "readonly" in detail:
        return "the database refuses writes (it is read-only)"
    if "disk is full" in detail or "no space left" in detail or "could not extend" in detail:
        return "the database's disk is full"
    if is_unreachable(exc):
        return "the database is unreachable"
    return f"storage is failing ({type(exc).__name__})"


def unavailable(exc: BaseException) -> StoreUnavailable:
    """`exc`, a driver's or the network's error, as storage tells it."""
    if isinstance(exc, StoreUnavailable):
        return exc
    original = getattr(exc, "orig", None) or exc
    lines = str(original).splitlines()
    return StoreUnavailable(
        describe(exc),
        unreachable=is_unreachable(exc),
        cause=type(exc).__name__,
        detail=lines[0] if lines and str(exc) else type(exc).__name__,
    )


@contextmanager
def translated() -> Iterator[None]:
    """Inside it, a failure of the database or of the way to it becomes StoreUnavailable."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise unavailable(exc) from exc
