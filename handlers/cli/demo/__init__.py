"""`oncall-bot demo`: a whole incident's story against the bundled Slack emulator, on a simulated clock.

`story` is the script, `stage` plays it through the bot's real interfaces, `channels` and `markup`
draw what each channel then shows, `run` starts and stops everything on loopback.
"""

from handlers.cli.demo.run import DEMO_DATABASE, prepare_database, run_demo

__all__ = ["DEMO_DATABASE", "prepare_database", "run_demo"]
