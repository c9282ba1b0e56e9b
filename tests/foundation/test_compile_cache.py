"""The command line's persistent cache of compiled programs (``compile_cache``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from symworld.compile_cache import cache_folder


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SYMWORLD_COMPILE_CACHE", "off")
    assert cache_folder() is None
    monkeypatch.setenv("SYMWORLD_COMPILE_CACHE", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"
    monkeypatch.delenv("SYMWORLD_COMPILE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "symworld" / "jax"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "symworld" / "jax"


def test_compiled_programs_are_stored_and_reloaded(tmp_path):
    """A second process loads the first one's program from the folder (JAX logs a
    cache hit) and computes the same bits."""
    code = (
        "import logging, sys\n"
        "from symworld import compile_cache\n"
        "compile_cache.MIN_COMPILE_SECONDS = 0.0\n"
        "compile_cache.enable_compile_cache(sys.argv[1])\n"
        "import jax, jax.numpy as jnp\n"
        "logging.basicConfig(level=logging.DEBUG)\n"
        "f = jax.jit(lambda x: jnp.cumsum(jnp.sin(x) * 3.0) / 7.0)\n"
        "print(f(jnp.arange(64.0)).tobytes().hex())\n"
    )
    folder = tmp_path / "cache"
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(folder)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout
    assert any(folder.iterdir())
    assert "cache hit" in runs[1].stderr.lower()
