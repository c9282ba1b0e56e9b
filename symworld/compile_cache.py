"""A persistent cache of compiled JAX programs for the ``symworld`` command.

Compiling a law model's sampler, scorer or planner takes from seconds (switches) to
minutes (the Crafter-OO library on two cores); each ``symworld`` run is a new
process, so without a cache every run pays it again. :func:`enable_compile_cache`
points JAX's persistent compilation cache at a folder: programs that took at least
:data:`MIN_COMPILE_SECONDS` to compile are stored there, keyed by JAX on the program
and the JAX version and backend, and later runs load them instead of compiling.
Loaded programs are the same executables, so results are bit-for-bit the same.

The folder is ``$SYMWORLD_COMPILE_CACHE`` if set, else ``$XDG_CACHE_HOME/symworld/
jax`` (``~/.cache/symworld/jax``). ``SYMWORLD_COMPILE_CACHE=off`` switches the cache
off. The library never enables it by itself: only the command line does, and a
script can call :func:`enable_compile_cache`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

ENVIRONMENT = "SYMWORLD_COMPILE_CACHE"
MIN_COMPILE_SECONDS = 1.0
OFF = ("off", "0", "false", "no", "none")


def cache_folder() -> Path | None:
    """The cache folder the environment asks for, or ``None`` when it is off."""
    chosen = os.environ.get(ENVIRONMENT, "").strip()
    if chosen.lower() in OFF:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".cache"
    return root / "symworld" / "jax"


def enable_compile_cache(folder: Path | None = None) -> Path | None:
    """Store and reuse compiled programs in ``folder`` (default
    :func:`cache_folder`); returns the folder, or ``None`` when the cache is off
    or the folder cannot be created (then JAX compiles as usual)."""
    folder = cache_folder() if folder is None else Path(folder)
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        logger.warning("compile cache off: cannot create %s (%s)", folder, error)
        return None
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    logger.info("compiled programs are cached in %s", folder)
    return folder
