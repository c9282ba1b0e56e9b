"""A Crafter-OO world model whose occupant map always follows the positions.

The Crafter-OO state stores who stands where twice: ``objects.pos`` (and
``player.pos``) and the ``occupant`` map, which the game derives from them
(:func:`symworld.envs.crafter_oo.state.occupancy`). A law model samples every
site independently given the state: when a cow moves, the sites of its position
and the map cells it leaves and enters are separate draws from their own
marginals. Each step is predicted well (a true cow step scores about -2 nats per
site), but the imagined map drifts from the positions within a few steps: a cow
that stays put in ``objects.pos`` may leave its cell on the map, and a cell it might
have entered may claim it, so the map fills with ghosts that block the player
(the walking law reads the map) while the cow the player chases (by its position)
is missing from the map, where the hitting law looks for it. In imagination the
player then rarely hits a cow or a zombie, and long programs stall against
ghosts: with a law model fitted by ``examples/fit_crafter_laws.py`` the imagined
success of collecting stone, making a stone pickaxe, eating a cow and defeating a
zombie was 0.00-0.50 where the true game reaches 0.50-1.00 (``docs/planning.md``,
"Imagined occupancy").

:class:`DerivedOccupancy` wraps any model of Crafter-OO states and, after each
imagined step, recomputes the occupant map from the sampled positions, as the
game does. Scoring (``log_prob``) is the wrapped model's own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax

from symworld.envs.crafter_oo.state import CrafterState, occupancy
from symworld.worldmodel import WorldModel

PyTree = Any


class DerivedOccupancy(WorldModel):
    """``model`` with the occupant map of each sampled state rederived from the
    player's and the living objects' positions.

    **Arguments:**

    - ``model``: a world model over :class:`CrafterState` (for instance a fitted
      :class:`~symworld.programs.model.LawModel`).
    """

    model: WorldModel

    def sample(self, key: jax.Array, state: CrafterState, action) -> CrafterState:
        following = self.model.sample(key, state, action)
        derived = occupancy(following.player.pos, following.objects)
        return dataclasses.replace(
            following, occupant=derived.astype(following.occupant.dtype)
        )

    def log_prob(self, state: PyTree, action, next_state: PyTree) -> jax.Array:
        return self.model.log_prob(state, action, next_state)
