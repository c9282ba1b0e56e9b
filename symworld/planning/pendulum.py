"""Pendulum-v1 swing-up: gymnasium's dynamics in JAX, the task, and state mapping.

The model state is ``float32[2]`` = (theta, theta_dot): the angle in radians
(0 upright, unwrapped) and the angular velocity in rad/s. gymnasium's observation
``(cos theta, sin theta, theta_dot)`` maps to it with :func:`state_from_observation`.

:class:`PendulumDynamics` restates gymnasium 1.x ``PendulumEnv.step`` as a
functional env (``g = 10``, ``m = l = 1``, ``dt = 0.05``, torque clipped to
``[-2, 2]``, speed clipped to ``[-8, 8]``, semi-implicit Euler): the true dynamics,
the baseline planners are compared against. :class:`SwingUp` is gymnasium's reward,
``-(angle_normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 u^2)``, where the angle is
the state's *before* the step, exactly as gymnasium scores it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from symworld.planning.spaces import BoxActions
from symworld.planning.task import Task

GRAVITY = 10.0  # m/s^2, gymnasium's default g
MASS = 1.0  # kg
LENGTH = 1.0  # m
DT = 0.05  # s per step
MAX_SPEED = 8.0  # rad/s
MAX_TORQUE = 2.0  # N m
ACTIONS = BoxActions((-MAX_TORQUE,), (MAX_TORQUE,))
STATE_NAMES = ("theta", "theta_dot")
ACTION_NAMES = ("u",)


def angle_normalize(theta: jax.Array) -> jax.Array:
    """``theta`` wrapped into ``[-pi, pi)``."""
    return ((theta + jnp.pi) % (2 * jnp.pi)) - jnp.pi


def state_from_observation(observation) -> jax.Array:
    """``(cos, sin, theta_dot)`` -> float32 ``(theta, theta_dot)``."""
    observation = np.asarray(observation, np.float64)
    theta = np.arctan2(observation[1], observation[0])
    return jnp.asarray([theta, observation[2]], jnp.float32)


class PendulumDynamics:
    """gymnasium's Pendulum-v1 step as a functional env over ``(theta, theta_dot)``.

    ``reset`` draws theta and theta_dot uniformly from ``[-pi, pi]`` and ``[-1, 1]``
    as gymnasium does (with a JAX key, so not the same numbers). ``info["reward"]``
    is gymnasium's reward; episodes never terminate and truncate at 200 steps, which
    this env leaves to the caller (``truncated`` is always False).
    """

    num_actions = None
    default_params = None

    def reset(self, key, params=None):
        return jax.random.uniform(
            key, (2,), jnp.float32, jnp.array([-jnp.pi, -1.0]), jnp.array([jnp.pi, 1.0])
        )

    def step(self, state, action, key, params=None):
        theta, speed = state[0], state[1]
        torque = jnp.clip(jnp.reshape(action, (-1,))[0], -MAX_TORQUE, MAX_TORQUE)
        cost = angle_normalize(theta) ** 2 + 0.1 * speed**2 + 0.001 * torque**2
        speed = (
            speed
            + (
                3 * GRAVITY / (2 * LENGTH) * jnp.sin(theta)
                + 3.0 / (MASS * LENGTH**2) * torque
            )
            * DT
        )
        speed = jnp.clip(speed, -MAX_SPEED, MAX_SPEED)
        theta = theta + speed * DT
        info = {
            "reward": (-cost).astype(jnp.float32),
            "terminated": jnp.bool_(False),
            "truncated": jnp.bool_(False),
        }
        return jnp.stack([theta, speed]).astype(jnp.float32), info

    def observation(self, state, params=None):
        return jnp.stack([jnp.cos(state[0]), jnp.sin(state[0]), state[1]])


class SwingUp(Task):
    """gymnasium's Pendulum-v1 reward over ``(theta, theta_dot)`` states
    (see the module docstring); the goal is never "reached"."""

    def reward(self, state, action, next_state):
        torque = jnp.clip(jnp.reshape(action, (-1,))[0], -MAX_TORQUE, MAX_TORQUE)
        cost = angle_normalize(state[0]) ** 2 + 0.1 * state[1] ** 2
        return -(cost + 0.001 * torque**2).astype(jnp.float32)


def angle_trajectory(trajectory):
    """A Pendulum-v1 observation trajectory with state ``(theta, theta_dot)``.

    ``theta = atan2(sin_theta, cos_theta)`` unwrapped within each episode (so that
    ``theta[t+1] - theta[t]`` is the true increment, never a jump of 2 pi);
    ``theta_dot`` is copied. Actions, rewards and flags are unchanged.
    """
    import dataclasses

    missing = {"cos_theta", "sin_theta", "theta_dot"} - set(trajectory.state)
    if missing:
        raise ValueError(
            f"not a Pendulum-v1 observation trajectory: no column(s) {sorted(missing)}"
        )
    theta = np.zeros(trajectory.num_rows)
    for episode in np.unique(trajectory.episode):
        rows = trajectory.episode == episode
        theta[rows] = np.unwrap(
            np.arctan2(
                np.asarray(trajectory.state["sin_theta"][rows], np.float64),
                np.asarray(trajectory.state["cos_theta"][rows], np.float64),
            )
        )
    state = {
        "theta": theta,
        "theta_dot": np.asarray(trajectory.state["theta_dot"], np.float64),
    }
    return dataclasses.replace(trajectory, state=state)


def learn_equations(
    steps: int = 2000, *, seed: int = 0, engine: str = "sparse", **options
):
    """Collect ``steps`` random-policy Pendulum-v1 transitions and extract the
    next-step equations of ``(theta, theta_dot)`` from the action.

    Transitions whose next speed was clipped at 8 rad/s are dropped (see
    :func:`symworld.equations.extract.extract`). Returns the
    :class:`~symworld.equations.extract.Extraction`; its ``model`` is the
    :class:`~symworld.equations.model.EquationModel` to plan with.
    """
    from symworld.equations.extract import extract
    from symworld.rollouts import collect

    trajectory = angle_trajectory(collect("Pendulum-v1", steps=steps, seed=seed))
    return extract(
        trajectory,
        target="next",
        state=list(STATE_NAMES),
        engine=engine,
        seed=seed,
        clip={"theta_dot": MAX_SPEED},
        **options,
    )


def default_planner():
    """MPPI tuned for the swing-up: horizon 25, 256 sequences, 2 iterations."""
    from symworld.planning.mppi import MPPI

    return MPPI(
        ACTIONS,
        horizon=25,
        num_sequences=256,
        temperature=1.0,
        noise_std=0.3,
        iterations=2,
    )


def swing_up_returns(
    model, *, episodes: int = 10, seed: int = 0, planner=None
) -> list[float]:
    """Returns of ``episodes`` Pendulum-v1 episodes in gymnasium's own env.

    Episode ``i`` starts from ``env.reset(seed=seed + i)``; the agent replans with
    ``planner`` (default :func:`default_planner`) in ``model`` at every step.
    """
    import gymnasium

    from symworld.planning.receding import PlannerAgent, run_gym_episode

    planner = default_planner() if planner is None else planner
    task = SwingUp()
    agent = PlannerAgent(planner, model, task, seed=seed)
    env = gymnasium.make("Pendulum-v1")
    try:
        return [
            run_gym_episode(
                env, agent, task, seed=seed + index, to_state=state_from_observation
            ).total_reward
            for index in range(episodes)
        ]
    finally:
        env.close()
