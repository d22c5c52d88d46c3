"""The emulated Web API, one module per method family; slack_emulator.web_api maps method names to them."""
