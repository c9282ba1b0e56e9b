"""Planning over any :class:`~symworld.worldmodel.WorldModel`.

Planners imagine many futures at once (``vmap`` over candidate action sequences and
particles, ``lax.scan`` over time) inside one compiled function that takes the model
and the task as arguments, so replanning never recompiles.

- :mod:`~symworld.planning.task`: tasks (rewards and goals over model states).
- :mod:`~symworld.planning.shooting`: random shooting.
- :mod:`~symworld.planning.cem`: the cross-entropy method (discrete, continuous).
- :mod:`~symworld.planning.mppi`: MPPI (continuous).
- :mod:`~symworld.planning.options`: options and option-level search.
- :mod:`~symworld.planning.receding`: agents and episodes in real environments.
- :mod:`~symworld.planning.pendulum`: Pendulum-v1 swing-up.
- :mod:`~symworld.planning.crafter`: Crafter-OO tasks, options and strategies.
- :mod:`~symworld.planning.ranking`: strategy ranking (simulated vs real success).
"""

from symworld.planning.cem import ContinuousCEM, DiscreteCEM
from symworld.planning.mppi import MPPI
from symworld.planning.options import (
    OptionLibrary,
    OptionSearch,
    all_programs,
    evaluate_programs,
    run_program,
    search_options,
)
from symworld.planning.planner import Planner, PlanResult, plan
from symworld.planning.receding import (
    Episode,
    OptionAgent,
    PlannerAgent,
    ProgramAgent,
    RandomAgent,
    run_functional_episode,
    run_gym_episode,
)
from symworld.planning.shooting import RandomShooting
from symworld.planning.simulate import Outcome, evaluate_sequences, imagine
from symworld.planning.spaces import BoxActions, DiscreteActions, box, from_gymnasium
from symworld.planning.task import FunctionTask, PotentialTask, Task

__all__ = [
    "MPPI",
    "BoxActions",
    "ContinuousCEM",
    "DiscreteActions",
    "DiscreteCEM",
    "Episode",
    "FunctionTask",
    "OptionAgent",
    "OptionLibrary",
    "OptionSearch",
    "Outcome",
    "PlanResult",
    "Planner",
    "PlannerAgent",
    "PotentialTask",
    "ProgramAgent",
    "RandomAgent",
    "RandomShooting",
    "Task",
    "all_programs",
    "box",
    "evaluate_programs",
    "evaluate_sequences",
    "from_gymnasium",
    "imagine",
    "plan",
    "run_functional_episode",
    "run_gym_episode",
    "run_program",
    "search_options",
]
