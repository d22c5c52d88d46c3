"""The baseline for Slack requests: bare slack-bolt that verifies the signature and acks at once.

`python -m bench.bare_bolt --port P --signing-secret S --api-url URL`. Served the way the bot serves
bolt (an aiohttp app, `POST /slack/events`, bolt's aiohttp adapter, `process_before_response=True`),
with the same token and Web API base URL, so bolt's one `auth.test` is answered by the same emulator.
No middleware of ours, no database, no logging, no access log: the bot's ratio to this is the price of
everything it does beyond bolt receiving and acking a signed request.
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

bolt_key = web.AppKey("bolt", AsyncApp)


async def ack_at_once(ack: AsyncAck) -> None:
    await ack()


async def dispatch(request: web.Request) -> web.Response:
    bolt_response = await request.app[bolt_key].async_dispatch(await to_bolt_request(request))
    return await to_aiohttp_response(bolt_response)


def build(*, signing_secret: str, bot_token: str, api_url: str) -> web.Application:
    bolt = AsyncApp(
        client=AsyncWebClient(token=bot_token, base_url=api_url),
        signing_secret=signing_secret,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    # The same listeners the bot registers for what the benchmarks send, each only acking.
    bolt.command("/incident")(ack_at_once)
    bolt.command("/slo")(ack_at_once)
    bolt.event("message")(ack_at_once)
    app = web.Application()
    app[bolt_key] = bolt
    app.router.add_post("/slack/events", dispatch)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--bot-token", required=True)
    parser.add_argument("--api-url", required=True, help="the Slack Web API base URL, ending in /")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = build(signing_secret=arguments.signing_secret, bot_token=arguments.bot_token, api_url=arguments.api_url)
    web.run_app(app, host="127.0.0.1", port=arguments.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
