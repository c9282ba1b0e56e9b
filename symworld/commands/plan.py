"""``symworld plan MODEL_DIR --task GOAL --episodes N --seed S [--json]``.

Plans with the world model in ``MODEL_DIR`` and scores the plans in the true
environment, beside a uniform random policy:

- Crafter-OO goals (``collect_wood``, ``collect_drink``, ``place_table``,
  ``make_wood_pickaxe``, ``collect_stone``, ``make_stone_pickaxe``, ``eat_cow``,
  ``defeat_zombie``): option-level model-predictive control in fresh worlds,
  success = the goal's achievement within ``--max-steps`` steps. ``MODEL_DIR`` is a
  fitted law model directory or ``true`` (the true dynamics as the model).
- ``swing_up``: Pendulum-v1 with MPPI in gymnasium's env; ``MODEL_DIR`` holds an
  equation model over ``(theta, theta_dot)`` (or is ``true``); success = the episode
  return is at least ``-200``; the mean return is printed too.
"""

from __future__ import annotations

import argparse

import numpy as np

from symworld.cli import CommandError
from symworld.commands.arguments import SEED_LIMIT, add_seed, positive_int
from symworld.commands.output import count_of, help_text, is_quiet, print_json

SWING_UP_THRESHOLD = -200.0  # an episode "succeeds" with a return at least this


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from symworld.planning.crafter.tasks import GOALS

    parser = subparsers.add_parser(
        "plan",
        help="plan with a world model and score the plans in the true environment",
        description=help_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model_dir", help="model directory, or 'true'")
    parser.add_argument(
        "--task", required=True, choices=[*GOALS, "swing_up"], help="the goal"
    )
    parser.add_argument(
        "--episodes", type=positive_int, default=10, help="episodes to play (10)"
    )
    add_seed(parser)
    parser.add_argument(
        "--max-steps", type=positive_int, default=200, help="Crafter step budget (200)"
    )
    parser.add_argument(
        "--samples",
        type=positive_int,
        default=256,
        help="swing_up: MPPI sequences (256)",
    )
    parser.add_argument(
        "--horizon", type=positive_int, default=25, help="swing_up: MPPI horizon (25)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def _crafter(args) -> dict:
    from symworld.planning.crafter.evaluate import evaluate_goal
    from symworld.planning.models import CRAFTER_OO, load_planning_model

    model = load_planning_model(args.model_dir, env_id=CRAFTER_OO)
    report = evaluate_goal(
        model,
        args.task,
        episodes=args.episodes,
        seed=args.seed,
        max_steps=args.max_steps,
        show_progress=not args.json,
    )
    return {
        "task": args.task,
        "success_rate": report.success_rate,
        "mean_steps": report.mean_steps,
        "random_success_rate": report.random_success_rate,
        "random_mean_steps": report.random_mean_steps,
        "episodes": args.episodes,
        "max_steps": args.max_steps,
    }


def _swing_up(args) -> dict:
    import gymnasium

    from symworld.planning.pendulum import (
        ACTIONS,
        PendulumDynamics,
        SwingUp,
        state_from_observation,
        swing_up_returns,
    )
    from symworld.planning.receding import RandomAgent, run_gym_episode
    from symworld.worldmodel import EnvModel

    if args.model_dir == "true":
        model = EnvModel(PendulumDynamics())
    else:
        from symworld.equations.model import load_model
        from symworld.planning.models import model_file, model_folder, model_kind

        model_folder(args.model_dir)
        kind = model_kind(args.model_dir)
        if kind is not None and kind != "an equation model":
            raise CommandError(
                f"{model_file(args.model_dir)} holds {kind}, and this task needs an "
                "equation model over (theta, theta_dot)"
            )
        model = load_model(args.model_dir)
        if tuple(model.state_names) != ("theta", "theta_dot"):
            raise CommandError(
                f"swing_up needs an equation model over (theta, theta_dot); "
                f"{args.model_dir} models {list(model.state_names)}"
            )
    from symworld.planning.mppi import MPPI

    planner = MPPI(
        ACTIONS,
        horizon=args.horizon,
        num_sequences=args.samples,
        temperature=1.0,
        noise_std=0.3,
        iterations=2,
    )
    returns = swing_up_returns(
        model, episodes=args.episodes, seed=args.seed, planner=planner
    )
    env = gymnasium.make("Pendulum-v1")
    agent = RandomAgent(ACTIONS, seed=args.seed)
    random_returns = [
        run_gym_episode(
            env, agent, SwingUp(), seed=args.seed + i, to_state=state_from_observation
        ).total_reward
        for i in range(args.episodes)
    ]
    return {
        "task": "swing_up",
        "success_rate": float(np.mean(np.asarray(returns) >= SWING_UP_THRESHOLD)),
        "mean_steps": 200.0,
        "random_success_rate": float(
            np.mean(np.asarray(random_returns) >= SWING_UP_THRESHOLD)
        ),
        "mean_return": float(np.mean(returns)),
        "random_mean_return": float(np.mean(random_returns)),
        "episodes": args.episodes,
    }


def run(args: argparse.Namespace) -> int:
    if args.seed + args.episodes - 1 > SEED_LIMIT:
        raise CommandError(
            f"--seed {args.seed} with --episodes {args.episodes}: episode i plays "
            f"seed {args.seed} + i, which must stay within 0..{SEED_LIMIT}"
        )
    try:
        summary = _swing_up(args) if args.task == "swing_up" else _crafter(args)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from None
    if args.json:
        print_json(summary)
    elif not is_quiet(args):
        steps = summary["mean_steps"]
        print(
            f"{summary['task']}: success {summary['success_rate']:.0%} "
            f"(mean steps {'-' if steps is None else f'{steps:.1f}'}) over "
            f"{count_of(args.episodes, 'episodes')}; random policy "
            f"{summary['random_success_rate']:.0%}"
        )
        if "mean_return" in summary:
            print(
                f"mean return {summary['mean_return']:.1f} "
                f"(random {summary['random_mean_return']:.1f})"
            )
    return 0
