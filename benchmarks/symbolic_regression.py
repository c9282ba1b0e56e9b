"""Symbolic regression: our JAX engine against pysindy, pyoperon and gplearn, same
tasks, same run.

Tasks (500 samples each unless stated):

- ``gravity``: y = x0*x1/x2^2, x ~ U(1, 5)^3; operators + - * /.
- ``gaussian``: y = exp(-x0^2/2)/sqrt(2 pi), x0 ~ U(-3, 3); + - * / exp square.
- ``lorenz``: Lorenz-63 (sigma 10, rho 28, beta 8/3) from ``symworld.envs.chaos``,
  2000 samples at dt = 0.015 with 1% observation noise, derivatives by fourth-order
  central finite differences; all three equations; + - *.
- ``pendulum``: gymnasium ``Pendulum-v1`` rollouts with uniform random torques; target
  the angular-velocity update theta_dot' - theta_dot from (theta, theta_dot, torque),
  only unclipped transitions (|theta_dot'| < 8, the speed limit); + - * sin cos.

Recovery: ``gravity`` and ``gaussian`` need the exact law — the model's floats are
snapped to simple numbers within 0.1% (the same candidates as our polish) and
``sympy.simplify(model - truth) == 0``. ``lorenz`` and ``pendulum`` need the same
terms as the truth (after ``sympy.expand``) with every constant within 2%.

Peers: pysindy's STLSQ over a generic library (polynomials of the inputs up to degree 3
plus the task's unary functions of each input — the true term is in it only for Lorenz
and the pendulum); pyoperon 0.6 (population 1000, <= 200 generations, 5e5 evaluations,
10 LM steps, objectives r2 + length, max length 30, 1 thread — the research notes'
setting); gplearn (population 1000, 20 generations, parsimony 0.001).

Run: ``python benchmarks/symbolic_regression.py [--tasks gravity,lorenz]
[--engines ours,pyoperon] [--seed 0]``. Prints one row per task and engine.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp


@dataclass
class Task:
    name: str
    X: np.ndarray
    Y: np.ndarray  # (n, m)
    names: list[str]
    truth: list[sp.Expr]
    binary: tuple[str, ...]
    unary: tuple[str, ...]
    check: str  # "exact" or "terms"
    noisy: bool


def _symbols(names):
    return [sp.Symbol(n, real=True) for n in names]


def task_gravity(seed: int) -> Task:
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 5, size=(500, 3))
    x0, x1, x2 = _symbols(["x0", "x1", "x2"])
    return Task(
        "gravity",
        X,
        (X[:, 0] * X[:, 1] / X[:, 2] ** 2)[:, None],
        ["x0", "x1", "x2"],
        [x0 * x1 / x2**2],
        ("+", "-", "*", "/"),
        (),
        "exact",
        False,
    )


def task_gaussian(seed: int) -> Task:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(500, 1))
    (x0,) = _symbols(["x0"])
    y = np.exp(-(X[:, 0] ** 2) / 2) / np.sqrt(2 * np.pi)
    return Task(
        "gaussian",
        X,
        y[:, None],
        ["x0"],
        [sp.exp(-(x0**2) / 2) / sp.sqrt(2 * sp.pi)],
        ("+", "-", "*", "/"),
        ("exp", "square"),
        "exact",
        False,
    )


def task_lorenz(seed: int) -> Task:
    import jax

    from symworld.envs.chaos import simulate

    data = simulate("lorenz", key=jax.random.key(seed), num_steps=2004, noise=0.01)
    observed = data.states[0]
    h = data.dt
    # Fourth-order central differences (np.gradient's second-order stencil shrinks
    # the derivatives of this fast oscillation by ~0.7%, biasing every constant).
    derivs = (
        -observed[4:] + 8 * observed[3:-1] - 8 * observed[1:-3] + observed[:-4]
    ) / (12 * h)
    states = observed[2:-2]
    x, y, z = _symbols(["x", "y", "z"])
    truth = [10 * (y - x), x * (28 - z) - y, x * y - sp.Rational(8, 3) * z]
    return Task(
        "lorenz",
        states,
        derivs,
        ["x", "y", "z"],
        truth,
        ("+", "-", "*"),
        (),
        "terms",
        True,
    )


def task_pendulum(seed: int) -> Task:
    import gymnasium as gym

    env = gym.make("Pendulum-v1")
    rng = np.random.default_rng(seed)
    rows = []
    for episode in range(10):
        obs, _ = env.reset(seed=seed * 100 + episode)
        for _ in range(200):
            torque = float(rng.uniform(-2, 2))
            nxt, _, terminated, truncated, _ = env.step(np.array([torque], np.float32))
            theta = math.atan2(float(obs[1]), float(obs[0]))
            rows.append((theta, float(obs[2]), torque, float(nxt[2])))
            obs = nxt
            if terminated or truncated:
                break
    data = np.array(rows)
    unclipped = np.abs(data[:, 3]) < 8.0  # the speed limit clips theta_dot' to +-8
    data = data[unclipped]
    data = data[rng.choice(len(data), 500, replace=False)]
    th, thdot, u = _symbols(["theta", "theta_dot", "torque"])
    truth = [sp.Rational(3, 4) * sp.sin(th) + sp.Rational(3, 20) * u]
    return Task(
        "pendulum",
        data[:, :3],
        (data[:, 3] - data[:, 1])[:, None],
        ["theta", "theta_dot", "torque"],
        truth,
        ("+", "-", "*"),
        ("sin", "cos"),
        "terms",
        False,
    )


TASKS = {
    "gravity": task_gravity,
    "gaussian": task_gaussian,
    "lorenz": task_lorenz,
    "pendulum": task_pendulum,
}


# ---------------------------------------------------------------------- judging
def snap_floats(expr: sp.Expr, rtol: float = 1e-3) -> sp.Expr:
    from symworld.equations.search import snap_candidates

    replacements = {}
    for f in expr.atoms(sp.Float):
        value = float(f)
        if abs(value) < 1e-6:
            replacements[f] = sp.Integer(0)
            continue
        for candidate in snap_candidates(value, rtol=rtol)[1:]:
            replacements[f] = candidate
            break
    return expr.xreplace(replacements)


def is_exact(model: sp.Expr, truth: sp.Expr) -> bool:
    try:
        return sp.simplify(snap_floats(model) - truth) == 0
    except Exception:
        return False


def same_terms(model: sp.Expr, truth: sp.Expr, rtol: float = 0.02) -> bool:
    def terms(expr):
        out = {}
        for term, coeff in sp.expand(expr).as_coefficients_dict().items():
            if abs(float(coeff)) < 1e-12:
                continue
            out[term] = out.get(term, 0.0) + float(coeff)
        return out

    try:
        got, want = terms(model), terms(truth)
    except (TypeError, ValueError):
        return False
    if set(got) != set(want):
        return False
    return all(abs(got[t] - want[t]) <= rtol * abs(want[t]) for t in want)


def recovered(task: Task, models: list[sp.Expr]) -> bool:
    check = is_exact if task.check == "exact" else same_terms
    return all(check(m, t) for m, t in zip(models, task.truth, strict=True))


# ---------------------------------------------------------------------- engines
def run_ours(task: Task, seed: int) -> dict:
    from symworld.equations import SymbolicRegressor

    model = SymbolicRegressor(
        binary_operators=task.binary,
        unary_operators=task.unary,
        niterations=200,
        early_stop_loss=None if task.noisy else 1e-10,
        patience=8 if task.noisy else None,
        seed=seed,
        progress=False,
    )
    start = time.perf_counter()
    model.fit(task.X, task.Y, variable_names=task.names)
    seconds = time.perf_counter() - start
    models = model.sympy()
    info = model.search_info_[0]
    return {
        "models": models,
        "seconds": seconds,
        "evals_per_s": info["evaluations_per_second"],
        "note": f"{info['generations']} gen, stop={info['stop_reason']}, "
        f"compile {info['compile_seconds']:.1f} s",
    }


def _library(task: Task):
    symbols = _symbols(task.names)
    terms = [sp.Integer(1)]
    for degree in (1, 2, 3):
        for combo in itertools.combinations_with_replacement(symbols, degree):
            terms.append(sp.Mul(*combo))
    functions = {"exp": sp.exp, "sin": sp.sin, "cos": sp.cos}
    for name in task.unary:
        if name in functions:
            terms += [functions[name](s) for s in symbols]
    return terms, symbols


def run_pysindy(task: Task, seed: int) -> dict:
    import pysindy as ps

    start = time.perf_counter()
    terms, symbols = _library(task)
    columns = []
    for term in terms:
        f = sp.lambdify(symbols, term, "numpy")
        columns.append(np.broadcast_to(f(*task.X.T), (len(task.X),)))
    theta = np.column_stack(columns)
    models = []
    for j in range(task.Y.shape[1]):
        optimizer = ps.STLSQ(threshold=0.05, alpha=1e-6)
        optimizer.fit(theta, task.Y[:, j])
        coef = np.asarray(optimizer.coef_).ravel()
        models.append(
            sum(
                (sp.Float(c) * t for c, t in zip(coef, terms, strict=True) if c != 0),
                sp.Integer(0),
            )
        )
    return {
        "models": models,
        "seconds": time.perf_counter() - start,
        "note": f"STLSQ, {len(terms)} library terms",
    }


def run_pyoperon(task: Task, seed: int) -> dict:
    from pyoperon.sklearn import SymbolicRegressor

    symbols = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
    allowed = [symbols[b] for b in task.binary] + list(task.unary)
    start = time.perf_counter()
    models = []
    for j in range(task.Y.shape[1]):
        reg = SymbolicRegressor(
            allowed_symbols=",".join(allowed + ["constant", "variable"]),
            population_size=1000,
            generations=200,
            max_evaluations=500_000,
            optimizer_iterations=10,
            objectives=["r2", "length"],
            max_length=30,
            n_threads=1,
            random_state=seed,
        )
        reg.fit(task.X, task.Y[:, j])
        text = reg.get_model_string(reg.model_, 12, task.names)
        local = {n: s for n, s in zip(task.names, _symbols(task.names), strict=True)}
        local.update(
            {"square": lambda a: a**2, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos}
        )
        models.append(sp.sympify(text.replace("^", "**"), locals=local))
    return {
        "models": models,
        "seconds": time.perf_counter() - start,
        "note": "MDL selection",
    }


def run_gplearn(task: Task, seed: int) -> dict:
    from gplearn.functions import make_function
    from gplearn.genetic import SymbolicRegressor

    names = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
    function_set = [names[b] for b in task.binary]
    extra = {}
    for name in task.unary:
        if name in ("sin", "cos"):
            function_set.append(name)
        elif name == "exp":
            extra["exp"] = make_function(
                function=lambda a: np.exp(np.clip(a, -50, 50)), name="exp", arity=1
            )
            function_set.append(extra["exp"])
        elif name == "square":
            extra["square"] = make_function(function=np.square, name="square", arity=1)
            function_set.append(extra["square"])
    start = time.perf_counter()
    models = []
    local = {f"X{i}": s for i, s in enumerate(_symbols(task.names))}
    local.update(
        {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
            "sin": sp.sin,
            "cos": sp.cos,
            "exp": sp.exp,
            "square": lambda a: a**2,
        }
    )
    for j in range(task.Y.shape[1]):
        reg = SymbolicRegressor(
            population_size=1000,
            generations=20,
            function_set=function_set,
            parsimony_coefficient=0.001,
            random_state=seed,
            n_jobs=1,
        )
        reg.fit(task.X, task.Y[:, j])
        models.append(sp.sympify(str(reg._program), locals=local))
    return {
        "models": models,
        "seconds": time.perf_counter() - start,
        "note": "no constant fitting",
    }


ENGINES = {
    "ours": run_ours,
    "pysindy": run_pysindy,
    "pyoperon": run_pyoperon,
    "gplearn": run_gplearn,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tasks = [t for t in args.tasks.split(",") if t]
    engines = [e for e in args.engines.split(",") if e]
    for name in tasks + engines:
        if name not in TASKS and name not in ENGINES:
            parser.error(f"unknown task or engine {name!r}")

    print(
        f"# symbolic regression benchmark, seed {args.seed}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} CPUs"
    )
    header = f"{'task':9} {'engine':9} {'recovered':9} {'wall s':>8} {'evals/s':>9}  "
    print(header + "model / note")
    print(
        "(evals/s: programs evaluated with their constants fitted, per second of "
        "search after compilation)"
    )
    walls: dict[tuple[str, str], float] = {}
    for task_name in tasks:
        task = TASKS[task_name](args.seed)
        for engine in engines:
            try:
                out = ENGINES[engine](task, args.seed)
            except Exception as err:  # a peer failing is a result, not a crash
                print(
                    f"{task_name:9} {engine:9} {'error':9} {'-':>8} {'-':>9}  "
                    f"{type(err).__name__}: {err}"
                )
                continue
            ok = recovered(task, out["models"])
            walls[(task_name, engine)] = out["seconds"]
            rate = f"{out['evals_per_s']:.0f}" if "evals_per_s" in out else "-"
            text = "; ".join(sp.sstr(m) for m in out["models"])
            print(
                f"{task_name:9} {engine:9} {'yes' if ok else 'no':9} "
                f"{out['seconds']:8.1f} {rate:>9}  {text[:150]} ({out['note']})"
            )
            sys.stdout.flush()
    for task_name in tasks:
        ours = walls.get((task_name, "ours"))
        for engine in engines:
            peer = walls.get((task_name, engine))
            if engine != "ours" and ours and peer:
                print(
                    f"ratio {task_name}: ours / {engine} wall time = {ours / peer:.3f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
