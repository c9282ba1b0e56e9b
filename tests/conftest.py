"""Shared test configuration: JAX on CPU, deterministic hypothesis profile."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# The command line caches compiled programs in the user's cache folder; tests that
# run it in-process must not write there (tests/crafter_oo has its own cache).
os.environ.setdefault("SYMWORLD_COMPILE_CACHE", "off")
# Most tests are bound by XLA's compile (each builds a new program and runs it on a
# few transitions), and skipping XLA's expensive optimisation passes takes about a
# third off the whole run. The same programs with the same results, only less
# optimised; tests bound by what the programs run (the symbolic-regression search,
# marked below) compile with every optimisation. The variable also reaches the
# command lines that tests start in subprocesses.
_UNOPTIMISED = "JAX_DISABLE_MOST_OPTIMIZATIONS"
os.environ.setdefault(_UNOPTIMISED, "1")
_unoptimised = os.environ[_UNOPTIMISED] == "1"
# Test packages and markers that compile with every optimisation.
OPTIMISED_PACKAGES = {"equations"}

import gc  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

import jax  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("ci")


_package = {"name": None}


def pytest_runtest_setup(item):
    """Free every compiled program when the run enters another test package
    (tests/laws, tests/planning, ...): one process compiles thousands of XLA
    programs, and from 2026-12-05 the full run crashed natively late in the
    suite (inside XLA's compile, at a test that passes on its own), which is what
    exhausting the process's memory mappings looks like."""
    parts = item.nodeid.split("/")
    name = parts[1] if len(parts) > 2 else parts[0]
    if _package["name"] not in (None, name):
        jax.clear_caches()
        gc.collect()
    _package["name"] = name
    optimise = name in OPTIMISED_PACKAGES or item.get_closest_marker("optimised")
    _compile_unoptimised(_unoptimised and not optimise)


def _compile_unoptimised(flag: bool) -> None:
    """Switch XLA's optimisation passes off (``True``) or on, for the programs this
    process compiles next and the subprocesses it starts."""
    jax.config.update("jax_disable_most_optimizations", flag)
    os.environ[_UNOPTIMISED] = "1" if flag else "0"


@pytest.fixture
def lock_folder():
    """``lock_folder(folder)``: make a folder (created if missing) one no file
    can be created in: read-only (chmod 555), and immutable (chattr +i) when
    running as root, whom permissions do not stop; skips the test where neither
    works. Undone at teardown."""
    chattr = shutil.which("chattr")
    locked = []

    def lock(folder):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o555)
        locked.append(folder)
        if os.access(folder, os.W_OK):  # root
            done = chattr and subprocess.run(
                [chattr, "+i", str(folder)], capture_output=True
            )
            if not done or done.returncode != 0:
                pytest.skip("running as root, and chattr +i is not available")
        return folder

    yield lock
    for folder in locked:
        if chattr:
            subprocess.run([chattr, "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)
