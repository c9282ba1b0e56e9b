"""Shared test configuration: JAX on CPU, deterministic hypothesis profile."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# The command line caches compiled programs in the user's cache folder; tests that
# run it in-process must not write there (tests/crafter_oo has its own cache).
os.environ.setdefault("SYMWORLD_COMPILE_CACHE", "off")

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("ci")
