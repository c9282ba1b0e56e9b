"""Demo section: equations of Pendulum-v1 from a short random rollout."""

from __future__ import annotations

from typing import Any

import sympy

from symworld.equations.extract import extract
from symworld.rollouts import collect

# Pendulum-v1 with g = 10, l = m = 1, dt = 0.05:
# theta_dot[t+1] - theta_dot[t] = 3 g / (2 l) dt sin(theta) + 3 / (m l^2) dt u
TRUE_SIN, TRUE_ACTION = 0.75, 0.15


def run(seed: int) -> dict[str, Any]:
    """Collect 600 random Pendulum-v1 steps and extract the next-step map of every
    observation with sparse regression (clipped transitions dropped)."""
    trajectory = collect("Pendulum-v1", steps=600, seed=seed)
    result = extract(
        trajectory,
        "next",
        engine="sparse",
        seed=seed,
        engine_options={"library": {"degree": 2}},
    )
    found = result.equations["theta_dot"].sympy
    sin_theta, action = sympy.symbols("sin_theta action", real=True)
    coefficients = {str(term): float(found.coeff(term)) for term in (sin_theta, action)}
    exact = found.free_symbols == {sin_theta, action} and all(
        abs(coefficients[name] / truth - 1) < 0.02
        for name, truth in (("sin_theta", TRUE_SIN), ("action", TRUE_ACTION))
    )
    lines = [
        f"Pendulum-v1, {trajectory.num_transitions} random transitions; "
        f"{result.dropped} with |theta_dot'| = 8 (clipped) dropped",
        f"theta_dot[t+1] - theta_dot[t] = {found}",
        f"true law: {TRUE_SIN}*sin_theta + {TRUE_ACTION}*action -> "
        + ("recovered (same terms, constants within 2%)" if exact else "NOT recovered"),
        "noise std of the fitted model: "
        + ", ".join(
            f"{name} {float(std):.2e}"
            for name, std in zip(
                result.model.state_names, result.model.noise_std, strict=True
            )
        ),
    ]
    return {
        "equations": {name: str(e) for name, e in result.sympy().items()},
        "theta_dot_coefficients": coefficients,
        "recovered": exact,
        "dropped_clipped": result.dropped,
        "lines": lines,
    }
