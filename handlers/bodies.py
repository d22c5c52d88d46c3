"""Reading a request body under a size limit and a time limit, whether the sender gave a
Content-Length or chunked it.

The time limit is for senders that trickle a body byte by byte: each would hold a connection, a
file descriptor and a task for as long as it likes, and enough of them starve the database pool.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.keys import settings_key
from handlers.auth import refuse


async def read_limited(request: web.Request, limit: int) -> bytes | web.Response:
    """The body, or the answer to give: 413 past `limit` bytes, 408 when it takes longer than HTTP_READ_TIMEOUT."""
    too_large = refuse(413, "too_large", f"the body is larger than {limit // 1024} KiB")
    if request.content_length is not None and request.content_length > limit:
        return too_large
    seconds = request.app[settings_key].http_read_timeout
    body = bytearray()
    try:
        async with asyncio.timeout(seconds):
            while chunk := await request.content.read(64 * 1024):
                body += chunk
                if len(body) > limit:
                    return too_large
    except TimeoutError:
        return refuse(408, "request_timeout", f"the body did not arrive within {seconds:g} s")
    return bytes(body)
