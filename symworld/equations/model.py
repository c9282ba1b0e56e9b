"""EquationModel: symbolic equations as a world model with Gaussian noise.

The equations are sympy expressions in the state and action variables, compiled to
JAX with ``sympy.lambdify``. What they predict depends on ``kind``:

- ``"derivative"``: ``dx/dt = f(x, u)``; one step integrates ``f`` over ``dt`` with
  ``substeps`` classical Runge-Kutta (RK4) steps, the action held constant;
- ``"delta"``: ``x_{t+1} = x_t + f(x_t, u_t)``;
- ``"next"``: ``x_{t+1} = f(x_t, u_t)``.

The next state is Gaussian around that prediction with one standard deviation per
variable, fitted from the one-step residuals of the training transitions
(:meth:`EquationModel.fit_noise`). States are float vectors ``(S,)`` in the order of
``state_names`` and actions float vectors ``(A,)`` in the order of ``action_names``
(``(0,)`` for an autonomous flow).

Models are saved as two readable files (:func:`save_model`): ``equations.txt`` (one
line per variable, for people) and ``model.json`` (the equations as sympy text plus
names, kind, dt and noise, for :func:`load_model`). Both are written atomically;
nothing is pickled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import sympy

from symworld.atomic import write_atomic
from symworld.equations.frontier import parse_equation
from symworld.worldmodel import WorldModel

KINDS = ("derivative", "delta", "next")
FORMAT_VERSION = 1
MIN_NOISE_STD = 1e-8  # floor on the fitted noise, so log_prob stays finite


def _compile(expressions: Sequence[sympy.Expr], names: Sequence[str]):
    symbols = [sympy.Symbol(name, real=True) for name in names]
    function = sympy.lambdify(symbols, list(expressions), modules="jax")

    def evaluate(inputs: jax.Array) -> jax.Array:
        values = function(*[inputs[i] for i in range(len(names))])
        return jnp.stack([jnp.asarray(v, inputs.dtype) for v in values])

    return evaluate


def _check_names(state_names: Sequence[str], action_names: Sequence[str]) -> None:
    for label, names in (("state_names", state_names), ("action_names", action_names)):
        repeated = sorted({n for n in names if list(names).count(n) > 1})
        if repeated:
            raise ValueError(f"{label} repeats {repeated}")
    shared = sorted(set(state_names) & set(action_names))
    if shared:
        raise ValueError(f"{shared} are both state_names and action_names")


def _check_shape(label: str, value: jax.Array, size: int) -> None:
    if value.shape != (size,):
        raise ValueError(
            f"{label} must have shape ({size},), one value per state variable, got "
            f"shape {value.shape}; vmap over a batch"
        )


def _noise_std(noise_std: Sequence[float] | jax.Array | None, size: int) -> jax.Array:
    """``(size,)`` noise from ``None`` (the floor) or ``size`` finite values >= 0."""
    if noise_std is None:
        return jnp.full(size, MIN_NOISE_STD)
    values = np.asarray(noise_std, dtype=float)
    if values.shape != (size,):
        raise ValueError(
            f"noise_std must have shape ({size},), one per state variable; "
            f"got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"noise_std must be finite and >= 0, got {values.tolist()}")
    return jnp.maximum(jnp.asarray(values), MIN_NOISE_STD)


class EquationModel(WorldModel):
    """Symbolic equations with Gaussian noise as a :class:`WorldModel`.

    **Arguments:**

    - ``equations``: ``{state name: sympy expression or text}``, one per state
      variable, in terms of state and action names.
    - ``state_names``, ``action_names``: the variables, in vector order.
    - ``kind``: ``"derivative"``, ``"delta"`` or ``"next"`` (module docstring).
    - ``dt``: the time step of one transition (time units; derivative models).
    - ``noise_std``: ``(S,)`` standard deviations of the next-state noise (default
      :data:`MIN_NOISE_STD`).
    - ``substeps``: RK4 steps per transition (derivative models).
    """

    expressions: tuple[str, ...] = eqx.field(static=True)
    state_names: tuple[str, ...] = eqx.field(static=True)
    action_names: tuple[str, ...] = eqx.field(static=True)
    kind: str = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    substeps: int = eqx.field(static=True)
    noise_std: jax.Array
    _function: object = eqx.field(static=True)

    def __init__(
        self,
        equations: Mapping[str, sympy.Expr | str],
        state_names: Sequence[str],
        action_names: Sequence[str] = (),
        *,
        kind: str = "derivative",
        dt: float = 1.0,
        noise_std: Sequence[float] | jax.Array | None = None,
        substeps: int = 1,
    ):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        names = list(state_names) + list(action_names)
        _check_names(state_names, action_names)
        missing = [name for name in state_names if name not in equations]
        if missing:
            raise ValueError(f"no equation for state variable(s) {missing}")
        extra = [name for name in equations if name not in state_names]
        if extra:
            raise ValueError(f"equations for unknown state variable(s) {extra}")
        parsed = []
        allowed = {sympy.Symbol(n, real=True) for n in names}
        for name in state_names:
            expression = equations[name]
            if isinstance(expression, str):
                expression = parse_equation(expression, names)
            else:
                expression = sympy.sympify(expression)
                expression = expression.xreplace(
                    {
                        s: sympy.Symbol(s.name, real=True)
                        for s in expression.free_symbols
                    }
                )
            unknown = sorted(s.name for s in expression.free_symbols - allowed)
            if unknown:
                raise ValueError(
                    f"the equation of {name!r} uses {unknown}, which are neither "
                    f"state nor action variables {names}"
                )
            parsed.append(expression)
        if not (math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be finite and positive, got {dt}")
        if isinstance(substeps, bool) or int(substeps) != substeps or substeps < 1:
            raise ValueError(f"substeps must be an integer >= 1, got {substeps}")
        self.expressions = tuple(sympy.sstr(e) for e in parsed)
        self.state_names = tuple(state_names)
        self.action_names = tuple(action_names)
        self.kind = kind
        self.dt = float(dt)
        self.substeps = int(substeps)
        self.noise_std = _noise_std(noise_std, len(state_names))
        self._function = _compile(parsed, names)

    # -- equations -------------------------------------------------------------

    def sympy(self) -> dict[str, sympy.Expr]:
        """The equations as ``{state name: sympy expression}``."""
        names = list(self.state_names) + list(self.action_names)
        return {
            name: parse_equation(text, names)
            for name, text in zip(self.state_names, self.expressions, strict=True)
        }

    def describe(self) -> list[str]:
        """One readable line per variable, e.g. ``d x/dt = 10.0*y - 10.0*x``."""
        lines = []
        for name, text in zip(self.state_names, self.expressions, strict=True):
            left = {
                "derivative": f"d{name}/dt",
                "delta": f"{name}[t+1] - {name}[t]",
                "next": f"{name}[t+1]",
            }[self.kind]
            lines.append(f"{left} = {text}")
        return lines

    # -- dynamics --------------------------------------------------------------

    def rhs(self, state: jax.Array, action: jax.Array) -> jax.Array:
        """The equations' value ``f(x, u)``: ``(S,)``.

        ``action`` holds one value per action name (``(A,)``, or a scalar when
        ``A == 1``); any other size raises ``ValueError``."""
        action = jnp.reshape(jnp.asarray(action, state.dtype), (-1,))
        if action.shape[0] != len(self.action_names):
            raise ValueError(
                f"action has {action.shape[0]} value(s) but the model has "
                f"{len(self.action_names)} action(s) {list(self.action_names)}"
            )
        return self._function(jnp.concatenate([state, action]))

    def mean(self, state: jax.Array, action: jax.Array) -> jax.Array:
        """The predicted next state ``(S,)`` (no noise) of one ``(S,)`` state; use
        ``jax.vmap`` or :func:`~symworld.worldmodel.batch_sample` for a batch."""
        state = jnp.asarray(state, dtype=jnp.result_type(float))
        _check_shape("state", state, len(self.state_names))
        if self.kind == "next":
            return self.rhs(state, action)
        if self.kind == "delta":
            return state + self.rhs(state, action)
        h = self.dt / self.substeps

        def rk4(_, x):
            k1 = self.rhs(x, action)
            k2 = self.rhs(x + 0.5 * h * k1, action)
            k3 = self.rhs(x + 0.5 * h * k2, action)
            k4 = self.rhs(x + h * k3, action)
            return x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

        return jax.lax.fori_loop(0, self.substeps, rk4, state)

    def sample(self, key: jax.Array, state: jax.Array, action: jax.Array) -> jax.Array:
        mean = self.mean(state, action)
        noise = jax.random.normal(key, mean.shape, mean.dtype)
        return mean + self.noise_std.astype(mean.dtype) * noise

    def log_prob(
        self, state: jax.Array, action: jax.Array, next_state: jax.Array
    ) -> jax.Array:
        mean = self.mean(state, action)
        std = self.noise_std.astype(mean.dtype)
        next_state = jnp.asarray(next_state, mean.dtype)
        _check_shape("next_state", next_state, len(self.state_names))
        z = (next_state - mean) / std
        return jnp.sum(-0.5 * z**2 - jnp.log(std) - 0.5 * math.log(2 * math.pi))

    # -- fitting the noise ----------------------------------------------------

    def fit_noise(
        self, states: np.ndarray, actions: np.ndarray | None, next_states: np.ndarray
    ) -> EquationModel:
        """A copy whose noise is the root-mean-square one-step residual per variable.

        **Arguments:** ``states`` ``(B, S)``, ``actions`` ``(B, A)`` or None,
        ``next_states`` ``(B, S)``.
        """
        states = jnp.asarray(states, dtype=float)
        if actions is None:
            actions = jnp.zeros((states.shape[0], 0))
        predicted = jax.jit(jax.vmap(self.mean))(states, jnp.asarray(actions, float))
        residual = np.asarray(next_states, dtype=float) - np.asarray(predicted)
        std = np.sqrt(np.mean(np.square(residual), axis=0))
        return eqx.tree_at(
            lambda model: model.noise_std,
            self,
            jnp.maximum(jnp.asarray(std), MIN_NOISE_STD),
        )

    # -- files -----------------------------------------------------------------

    def to_dict(self) -> dict:
        """A JSON-serialisable description (what :func:`save_model` writes)."""
        return {
            "format": "symworld.EquationModel",
            "version": FORMAT_VERSION,
            "kind": self.kind,
            "state_names": list(self.state_names),
            "action_names": list(self.action_names),
            "equations": dict(zip(self.state_names, self.expressions, strict=True)),
            "dt": self.dt,
            "substeps": self.substeps,
            "noise_std": [float(v) for v in np.asarray(self.noise_std)],
        }

    @classmethod
    def from_dict(cls, record: Mapping) -> EquationModel:
        """Rebuild a model from :meth:`to_dict`'s record."""
        if "format" not in record:
            raise ValueError("not a symworld EquationModel record (missing 'format')")
        if record["format"] != "symworld.EquationModel":
            raise ValueError(
                f"not a symworld EquationModel record (its format is "
                f"{record['format']!r})"
            )
        if record.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"EquationModel format version {record.get('version')} is not "
                f"supported (this symworld reads version {FORMAT_VERSION})"
            )
        return cls(
            record["equations"],
            record["state_names"],
            record.get("action_names", []),
            kind=record["kind"],
            dt=record["dt"],
            noise_std=record["noise_std"],
            substeps=record.get("substeps", 1),
        )


def save_model(
    model: EquationModel,
    directory: str | Path,
    columns: Mapping[str, str] | None = None,
) -> Path:
    """Write ``model.json`` and ``equations.txt`` into ``directory`` (atomically,
    each file through a temporary file). Returns the JSON path.

    ``columns`` maps the model's symbols to the data columns they came from; when
    any differ (a column renamed to a valid symbol) the map is stored as
    ``"columns"``, which :func:`load_model` does not need."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    record = model.to_dict()
    if columns and any(symbol != name for symbol, name in columns.items()):
        record["columns"] = dict(columns)
    text = "\n".join(model.describe()) + "\n"
    noise = ", ".join(
        f"{n}: {s:.6g}"
        for n, s in zip(model.state_names, record["noise_std"], strict=True)
    )
    text += f"# kind={model.kind} dt={model.dt:g} noise std: {noise}\n"
    path = write_atomic(directory / "model.json", json.dumps(record, indent=2) + "\n")
    write_atomic(directory / "equations.txt", text)
    return path


def load_model(path: str | Path) -> EquationModel:
    """Read a model saved by :func:`save_model` (the directory or its
    ``model.json``)."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.json"
    try:
        record = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"{path}: cannot read: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON: {error}") from None
    try:
        return EquationModel.from_dict(record)
    except (KeyError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None
