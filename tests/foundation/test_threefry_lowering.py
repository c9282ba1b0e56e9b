"""Threefry on the CPU: written-out rounds, the same bits as JAX's rolled loop."""

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import symworld  # noqa: F401  (registers the lowering)
from symworld._threefry import OPT_OUT

DRAW = """
import json, jax, jax.numpy as jnp, symworld
keys = jax.random.split(jax.random.key(7), 3)
bits = jax.jit(jax.vmap(lambda k: jax.random.bits(k, (4, 5))))(keys)
gumbel = jax.jit(lambda k: jax.random.gumbel(k, (6,)))(jax.random.key(11))
text = jax.jit(lambda k: jax.random.uniform(k, (3,))).lower(keys[0]).as_text()
print(json.dumps({"bits": bits.tolist(), "gumbel": gumbel.tolist(),
                  "loop": "while" in text}))
"""


def _draw(environment: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", DRAW],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_threefry_has_no_rolled_loop_on_the_cpu_and_draws_the_same_bits():
    if jax.default_backend() != "cpu":
        pytest.skip("other backends have the written-out rounds already")
    unrolled = _draw({OPT_OUT: ""})
    rolled = _draw({OPT_OUT: "1"})
    assert unrolled["loop"] is False
    assert rolled["loop"] is True  # JAX's own CPU lowering, kept when opted out
    np.testing.assert_array_equal(
        np.asarray(unrolled["bits"], np.uint32), np.asarray(rolled["bits"], np.uint32)
    )
    assert unrolled["gumbel"] == rolled["gumbel"]
    # And in this process, which imported symworld without the opt-out.
    text = jax.jit(lambda k: jax.random.uniform(k, (3,))).lower(jax.random.key(0))
    assert "while" not in text.as_text()
