"""Threefry random bits on the CPU without a rolled loop.

JAX's default random-bit generator, Threefry-2x32, hashes each counter in five
groups of four rounds. For the CPU, JAX lowers those groups as a ``fori_loop`` (a
smaller program, so a shorter compile); everywhere else it writes the rounds out.
Each loop turn is a handful of tiny XLA operations plus copies of the loop state,
and a law model's imagined step draws random numbers some hundred times (per
attribute: the persistence default, each chunk of active pairs, the Gumbel noise of
pooled conflicts), so on the CPU the loops took about 29 % of a planning step
(9,794 vs 13,880 steps/s, `docs/benchmarks.md`, 2026-12-06).

:func:`unroll_threefry_on_cpu` registers JAX's own unrolled lowering for the CPU as
well. The hash is the same, so every key gives the same bits as before; only the
compiled program differs. It reads JAX internals (``jax._src.random``); where they
are not found (another JAX version), nothing changes and a debug message says so.
Set the environment variable ``SYMWORLD_ROLLED_THREEFRY=1`` before importing
symworld to keep JAX's rolled loop.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)

OPT_OUT = "SYMWORLD_ROLLED_THREEFRY"


def unroll_threefry_on_cpu() -> bool:
    """Lower ``threefry2x32`` for the CPU with the rounds written out; returns
    whether it did (False when opted out or when JAX's internals differ)."""
    if os.environ.get(OPT_OUT, "") not in ("", "0"):
        logger.debug("%s is set: JAX's rolled Threefry loop is kept", OPT_OUT)
        return False
    try:
        from jax._src.random import threefry2x32 as threefry
        from jax.interpreters import mlir

        primitive = threefry.threefry2x32_p
        unrolled = threefry._threefry2x32_lowering_rule
    except (ImportError, AttributeError) as error:
        logger.debug("Threefry lowering left as JAX has it: %s", error)
        return False
    mlir.register_lowering(primitive, unrolled, platform="cpu")
    return True
