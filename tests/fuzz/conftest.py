"""The e2e fixtures (`slack`, `start_bot`), so the HTTP fuzz tests drive the same bot the e2e tests do."""

from tests.e2e.conftest import slack, start_bot  # noqa: F401  (fixtures, found by name)
