"""Trajectories of chaotic flows, integrated with diffrax.

:func:`integrate` is the plain array API: clean states sampled every ``dt`` time
units after a transient. :func:`simulate` adds what a data source needs: initial
conditions drawn around the published one, Gaussian observation noise and optional
z-scoring, all driven by one PRNG key. :func:`trajectory` returns the same data as a
:class:`symworld.trajectory.Trajectory` with one state column per variable and a
``time`` column.

Integration runs in float64 with the adaptive 5th-order Tsitouras solver
(``diffrax.Tsit5``) and a PID step-size controller; samples come from the solver's
dense output at exactly ``t = transient + k * dt``. One compiled solver is cached per
(system, number of samples), so repeated calls with new initial conditions,
parameters, ``dt`` or tolerances do not recompile.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import NamedTuple

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.chaos.systems import FlowSystem, get_system
from symworld.trajectory import Trajectory

logger = logging.getLogger(__name__)

DEFAULT_TRANSIENT_PERIODS = 10.0  # transient discarded by default, in periods
MAX_SOLVER_STEPS = 4_000_000  # hard cap on adaptive steps per trajectory


class FlowData(NamedTuple):
    """Samples of a flow, ``E`` episodes of ``T`` samples over ``D`` variables.

    - ``times``: float64 ``(T,)``, time since the end of the transient: ``k * dt``.
    - ``states``: float64 ``(E, T, D)``, the observations (noisy and z-scored when
      asked).
    - ``clean``: float64 ``(E, T, D)``, the noise-free states in the system's own
      units.
    - ``initial_conditions``: float64 ``(E, D)``, where each integration started
      (before the transient).
    - ``mean``, ``std``: float64 ``(D,)``, the z-scoring applied
      (``states = (noisy - mean) / std``); zeros and ones without z-scoring.
    - ``noise_std``: float64 ``(D,)``, the standard deviation of the observation
      noise added to each variable, in the system's units.
    - ``variables``: the variable names; ``dt``: the sampling interval.
    """

    times: np.ndarray
    states: np.ndarray
    clean: np.ndarray
    initial_conditions: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    noise_std: np.ndarray
    variables: tuple[str, ...]
    dt: float


@functools.lru_cache(maxsize=64)
def _solver(system: FlowSystem, num_samples: int):
    """A jitted ``(y0 (E, D), params (P,), dt, transient, rtol, atol) -> (E, T, D)``."""

    def field(t, y, params):
        return system.vector_field(y, params)

    term = diffrax.ODETerm(field)
    solver = diffrax.Tsit5()

    def one(y0, params, dt, transient, rtol, atol):
        times = transient + dt * jnp.arange(num_samples, dtype=y0.dtype)
        solution = diffrax.diffeqsolve(
            term,
            solver,
            t0=jnp.zeros((), y0.dtype),
            t1=times[-1],
            dt0=dt / 10,
            y0=y0,
            args=params,
            saveat=diffrax.SaveAt(ts=times),
            stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
            max_steps=MAX_SOLVER_STEPS,
            throw=False,
        )
        return solution.ys, solution.result == diffrax.RESULTS.successful

    return jax.jit(jax.vmap(one, in_axes=(0, None, None, None, None, None)))


def integrate(
    system: str | FlowSystem,
    initial_conditions: np.ndarray | None = None,
    *,
    num_steps: int,
    dt: float | None = None,
    transient: float = 0.0,
    parameters: Mapping[str, float] | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate a flow and sample it every ``dt``.

    **Arguments:**

    - ``system``: a name from :data:`~symworld.envs.chaos.systems.SYSTEMS` or a
      :class:`FlowSystem`.
    - ``initial_conditions``: ``(D,)`` or ``(E, D)`` starting points; the published
      initial condition when ``None``.
    - ``num_steps``: the number of samples ``T`` per trajectory (at least 2).
    - ``dt``: the sampling interval in time units (``system.default_dt`` if None).
    - ``transient``: time integrated and discarded before the first sample.
    - ``parameters``: overrides of the published parameter values.
    - ``rtol``, ``atol``: tolerances of the adaptive step-size controller.

    **Returns:** ``(times, states)``: float64 ``(T,)`` times since the end of the
    transient and float64 states ``(T, D)`` (or ``(E, T, D)`` for a batch of
    initial conditions).

    Raises ``ValueError`` for bad sizes and ``FloatingPointError`` when the
    integration fails (blows up or needs more than ``MAX_SOLVER_STEPS`` steps).
    """
    system = get_system(system)
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}")
    dt = system.default_dt if dt is None else float(dt)
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if transient < 0:
        raise ValueError(f"transient must be >= 0, got {transient}")
    if initial_conditions is None:
        initial_conditions = np.asarray(system.initial_condition)
    y0 = np.asarray(initial_conditions, dtype=np.float64)
    single = y0.ndim == 1
    y0 = np.atleast_2d(y0)
    if y0.ndim != 2 or y0.shape[1] != system.dimension:
        raise ValueError(
            f"{system.name} has {system.dimension} variables {system.variables}; "
            f"initial conditions of shape {np.shape(initial_conditions)} do not fit"
        )
    params = system.parameter_vector(parameters)

    with jax.enable_x64(True):
        states, ok = _solver(system, int(num_steps))(
            jnp.asarray(y0),
            jnp.asarray(params),
            jnp.float64(dt),
            jnp.float64(transient),
            jnp.float64(rtol),
            jnp.float64(atol),
        )
        states = np.asarray(states, dtype=np.float64)
        ok = np.asarray(ok)
    bad = np.flatnonzero(~ok | ~np.all(np.isfinite(states), axis=(1, 2)))
    if bad.size:
        raise FloatingPointError(
            f"{system.name}: integration failed for initial condition(s) "
            f"{bad.tolist()[:5]} (diverged or exceeded {MAX_SOLVER_STEPS} steps)"
        )
    times = dt * np.arange(num_steps, dtype=np.float64)
    return times, states[0] if single else states


def simulate(
    system: str | FlowSystem,
    *,
    key: jax.Array,
    num_steps: int,
    dt: float | None = None,
    num_episodes: int = 1,
    transient: float | None = None,
    noise: float = 0.0,
    standardize: bool = False,
    initial_conditions: np.ndarray | None = None,
    spread: float = 0.1,
    parameters: Mapping[str, float] | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> FlowData:
    """Sample noisy observations of a flow, deterministically for a ``key``.

    **Arguments:**

    - ``system``: a system name or :class:`FlowSystem`.
    - ``key``: PRNG key; it draws the initial conditions and the noise.
    - ``num_steps``: samples per episode ``T``; ``dt``: sampling interval
      (``system.default_dt`` = period / 100 if None).
    - ``num_episodes``: the number ``E`` of independent trajectories.
    - ``transient``: time discarded before sampling (default: 10 periods).
    - ``noise``: observation-noise level relative to each variable's spread: the
      noise added to variable ``i`` has standard deviation
      ``noise * std_i`` with ``std_i`` the standard deviation of the clean samples
      of variable ``i`` (over all episodes), so ``noise=0.01`` is "1% noise".
    - ``standardize``: z-score every variable with the mean and standard deviation
      of the noisy observations (recorded in the result).
    - ``initial_conditions``: ``(E, D)`` (or ``(D,)`` for all) explicit starting
      points; otherwise each episode starts at the published initial condition plus
      Gaussian offsets of ``spread * scale`` (``scale`` = attractor standard
      deviations).
    - ``parameters``: overrides of the published parameters; ``rtol``, ``atol``:
      solver tolerances.

    **Returns:** a :class:`FlowData`.
    """
    system = get_system(system)
    if num_episodes < 1:
        raise ValueError(f"num_episodes must be at least 1, got {num_episodes}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    dt = system.default_dt if dt is None else float(dt)
    transient = (
        DEFAULT_TRANSIENT_PERIODS * system.period if transient is None else transient
    )
    start_key, noise_key = jax.random.split(key)

    if initial_conditions is None:
        with jax.enable_x64(True):
            offsets = np.asarray(
                jax.random.normal(
                    start_key, (num_episodes, system.dimension), dtype=jnp.float64
                )
            )
        starts = np.asarray(system.initial_condition) + spread * offsets * np.asarray(
            system.scale
        )
    else:
        starts = np.asarray(initial_conditions, dtype=np.float64)
        if starts.ndim == 1:
            starts = np.broadcast_to(starts, (num_episodes, starts.shape[0]))
        if starts.shape != (num_episodes, system.dimension):
            raise ValueError(
                f"initial_conditions must have shape ({num_episodes}, "
                f"{system.dimension}), got {starts.shape}"
            )

    _, clean = integrate(
        system,
        starts,
        num_steps=num_steps,
        dt=dt,
        transient=transient,
        parameters=parameters,
        rtol=rtol,
        atol=atol,
    )
    noise_std = noise * clean.reshape(-1, system.dimension).std(axis=0)
    with jax.enable_x64(True):
        draws = np.asarray(jax.random.normal(noise_key, clean.shape, dtype=jnp.float64))
    observed = clean + draws * noise_std

    mean = np.zeros(system.dimension)
    std = np.ones(system.dimension)
    if standardize:
        flat = observed.reshape(-1, system.dimension)
        mean, std = flat.mean(axis=0), flat.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        observed = (observed - mean) / std
    logger.debug(
        "%s: %d episode(s) x %d samples, dt=%g, transient=%g, noise=%g",
        system.name,
        num_episodes,
        num_steps,
        dt,
        transient,
        noise,
    )
    return FlowData(
        times=dt * np.arange(num_steps, dtype=np.float64),
        states=observed,
        clean=clean,
        initial_conditions=np.array(starts),
        mean=mean,
        std=std,
        noise_std=noise_std,
        variables=system.variables,
        dt=dt,
    )


def to_trajectory(
    data: FlowData, *, system: str | FlowSystem | None = None
) -> Trajectory:
    """A :class:`Trajectory` of ``E`` episodes of ``T`` rows from :class:`FlowData`.

    State columns are named by the variables; ``time`` is the sample time; there are
    no actions; rewards are 0; the last transition of each episode is marked
    ``truncated`` (the recording stopped, the flow did not end).
    """
    episodes, steps, dimension = data.states.shape
    rows = episodes * steps
    truncated = np.zeros((episodes, steps), dtype=bool)
    if steps >= 2:
        truncated[:, -2] = True
    metadata: dict = {
        "source": "symworld.envs.chaos",
        "dt": data.dt,
        "variables": list(data.variables),
        "noise_std": data.noise_std.tolist(),
        "standardize_mean": data.mean.tolist(),
        "standardize_std": data.std.tolist(),
    }
    if system is not None:
        system = get_system(system)
        metadata["system"] = system.name
        metadata["parameters"] = dict(system.parameters)
    return Trajectory(
        episode=np.repeat(np.arange(episodes, dtype=np.int64), steps),
        step=np.tile(np.arange(steps, dtype=np.int64), episodes),
        state={
            name: data.states[:, :, i].reshape(rows)
            for i, name in enumerate(data.variables)
        },
        action={},
        reward=np.zeros(rows),
        terminated=np.zeros(rows, dtype=bool),
        truncated=truncated.reshape(rows),
        time=np.tile(data.times, episodes),
        metadata=metadata,
    )


def trajectory(
    system: str | FlowSystem,
    *,
    key: jax.Array,
    num_steps: int,
    **options,
) -> Trajectory:
    """:func:`simulate` returned as a :class:`Trajectory` (see :func:`to_trajectory`).

    ``options`` are :func:`simulate`'s keyword arguments (``dt``, ``num_episodes``,
    ``transient``, ``noise``, ``standardize``, ``initial_conditions``, ``spread``,
    ``parameters``, ``rtol``, ``atol``). The parameters used are recorded in the
    metadata (with overrides applied).
    """
    system = get_system(system)
    data = simulate(system, key=key, num_steps=num_steps, **options)
    result = to_trajectory(data, system=system)
    overrides = options.get("parameters")
    if overrides:
        result.metadata["parameters"] = dict(
            zip(
                system.parameter_names,
                system.parameter_vector(overrides).tolist(),
                strict=True,
            )
        )
    result.metadata.update(
        {
            "noise": float(options.get("noise", 0.0)),
            "standardized": bool(options.get("standardize", False)),
        }
    )
    return result
