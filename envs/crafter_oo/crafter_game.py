"""The original game (``crafter==1.8.3``) as a step function over Crafter-OO states.

:class:`CrafterGame` plays one transition of crafter itself from any Crafter-OO state:
the state is written into a ``crafter.Env``
(:func:`~symworld.envs.crafter_oo.bridge.to_crafter`), crafter steps it with its own
rules and random generator, and the result is read back with every object in its slot
(:meth:`~symworld.envs.crafter_oo.crafter_recording.SlotTracker.resume`). It has the
environment's ``step(state, action, key, params)`` signature, so a scenario suite can
take its true next states from the original game instead of from Crafter-OO:
``symworld evaluate DIR --truth crafter``.

It runs Python, not XLA: ``jittable`` is ``False`` and it steps one unbatched state at
a time (a few milliseconds a step).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.bridge import to_crafter
from symworld.envs.crafter_oo.crafter_recording import SlotTracker
from symworld.envs.crafter_oo.crafter_snapshot import new_crafter_env
from symworld.envs.crafter_oo.state import CrafterState

__all__ = ["CrafterGame"]


class CrafterGame:
    """Crafter's own dynamics for Crafter-OO states (see the module docstring).

    **Arguments:**

    - ``capacity``: object-table rows of the states it reads and returns.

    Crafter must be installed (``pip install crafter==1.8.3``); the constructor says so
    when it is not.
    """

    jittable = False
    default_params = None

    def __init__(self, *, capacity: int = rules.OBJECT_CAPACITY):
        try:
            self._env = new_crafter_env()
        except ImportError as error:
            raise ImportError(
                "true next states from the original game need crafter: "
                "pip install crafter==1.8.3"
            ) from error
        self._tracker = SlotTracker(capacity)

    def step(
        self, state: CrafterState, action: Any, key: jax.Array, params: Any = None
    ) -> tuple[CrafterState, dict[str, Any]]:
        """One crafter transition from ``state`` (unbatched).

        **Arguments:**

        - ``state``: the situation; ``action``: an int in ``0..16``.
        - ``key``: seeds crafter's random generator for this step (same key, same
          next state).
        - ``params``: ignored (crafter's episode length is not part of one step).

        **Returns:** ``(next_state, info)`` with ``info = {"reward": float,
        "done": bool}`` as crafter reports them.
        """
        seed = int(jax.random.randint(key, (), 0, np.iinfo(np.int32).max))
        state = jax.device_get(state)
        to_crafter(state, self._env, seed=seed)
        self._tracker.resume(state, self._env)
        _, reward, done, _ = self._env.step(int(action))
        return self._tracker.read(self._env), {"reward": reward, "done": bool(done)}
