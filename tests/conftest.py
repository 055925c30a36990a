"""The suite's shared fixtures live in `tests/support/`; this loads them for every directory."""

pytest_plugins = ["tests.support.fixtures"]
