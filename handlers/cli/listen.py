"""The listening socket of `serve`, bound before anything else starts.

Binding first means a taken port is found before migrations run or Slack sessions open, and is
reported as what it is, naming the setting that moves it.
"""

from __future__ import annotations

import errno
import resource
import socket

from bot.errors import SettingsError

_FIX = "set PORT or pass --port"


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or one line saying why there cannot be one."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise SettingsError(f"HOST {host!r} is not an address of this machine: set HOST or pass --host") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As aiohttp does: a restarted bot can take its port back while old connections linger in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise SettingsError(_reason(exc, host, port)) from None
    sock.setblocking(False)
    return sock


def _reason(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use: {_FIX}"
    if exc.errno == errno.EACCES:
        return f"port {port} on {host} needs more privileges than this process has: {_FIX} (1024 or above)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"HOST {host} is not an address of this machine: set HOST or pass --host"
    return f"cannot listen on {host}:{port} ({exc.strerror}): {_FIX}"


def raise_open_file_limit() -> None:
    """Lift the soft limit on open files to the hard one: many idle clients must not leave the
    database pool without a file descriptor to connect with (the default soft limit is often 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
