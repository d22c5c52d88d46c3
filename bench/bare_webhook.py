"""The baseline: the least an Alertmanager receiver can do. Read the body, parse it, answer how many alerts.

`python -m bench.bare_webhook --port P`. No auth, storage, logging or access log: the bot's ratio to
this is the price of everything it does beyond receiving JSON over aiohttp.
"""

from __future__ import annotations

import argparse
import json

from aiohttp import web


async def accept(request: web.Request) -> web.Response:
    payload = json.loads(await request.read())
    return web.json_response({"accepted": len(payload["alerts"])})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    app = web.Application()
    app.router.add_post("/webhooks/alertmanager", accept)
    web.run_app(app, host="127.0.0.1", port=arguments.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
