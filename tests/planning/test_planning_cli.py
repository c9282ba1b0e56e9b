"""``symworld plan``: JSON summary and errors."""

from __future__ import annotations

import json

import pytest

from symworld.cli import main
from symworld.equations.model import EquationModel, save_model
from symworld.planning.pendulum import learn_equations


@pytest.mark.slow
def test_plan_swing_up_with_a_saved_equation_model(tmp_path, capsys):
    save_model(learn_equations(600, seed=1, engine="sparse").model, tmp_path / "m")
    status = main(
        [
            "plan",
            str(tmp_path / "m"),
            "--task",
            "swing_up",
            "--episodes",
            "1",
            "--seed",
            "0",
            "--json",
        ]
    )
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert {"task", "success_rate", "mean_steps", "random_success_rate"} <= set(summary)
    assert summary["task"] == "swing_up"
    assert summary["mean_return"] > -300
    assert summary["random_mean_return"] < -500
    assert summary["success_rate"] == float(summary["mean_return"] >= -200)


def test_plan_errors_name_the_problem(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "nope"), "--task", "collect_wood"]) == 1
    assert "does not exist" in capsys.readouterr().err
    model = EquationModel({"x": "-x"}, ["x"], kind="derivative", dt=0.1)
    save_model(model, tmp_path / "x")
    assert main(["plan", str(tmp_path / "x"), "--task", "swing_up"]) == 1
    assert "theta, theta_dot" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["plan", "true", "--task", "fly"])


def test_load_planning_model_kinds(tmp_path):
    import jax.numpy as jnp

    from symworld.planning.models import NullModel, load_planning_model

    null = load_planning_model("null")
    assert isinstance(null, NullModel)
    state = {"x": jnp.arange(3)}
    assert null.sample(None, state, 0) is state
    assert float(null.log_prob(state, 0, state)) == 0.0
    assert float(null.log_prob(state, 0, {"x": jnp.arange(3) + 1})) == -jnp.inf
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no model.json"):
        load_planning_model(tmp_path / "empty")
    model = EquationModel({"x": "-x"}, ["x"], kind="derivative", dt=0.1)
    save_model(model, tmp_path / "eq")
    loaded = load_planning_model(tmp_path / "eq")
    assert loaded.describe() == model.describe()
