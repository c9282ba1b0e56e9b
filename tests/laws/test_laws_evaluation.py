"""Evaluation metrics against hand computations; mutators; reports."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from symworld.evaluation.candidates import assemble
from symworld.evaluation.metrics import (
    changed_iou,
    discrimination_metrics,
    edit_distance,
    rank_metrics,
)
from symworld.evaluation.mutators import ShiftMutator, SpawnDespawnMutator
from symworld.evaluation.scenarios import Scenario, check_suite, constant_policy
from symworld.programs import Schema


def test_laws_rank_metrics_by_hand():
    # Truth second-best: rank 2 of 4.
    metrics = rank_metrics(
        np.array([-1.0, -3.0, -0.5, -9.0]), np.array([1, 0, 0, 0], bool)
    )
    assert metrics == (0.0, 0.5, 1 - 1 / 3, 2)
    # A tie resolves to the first listed candidate (stable order).
    assert rank_metrics(np.array([0.0, 0.0]), np.array([0, 1], bool)).accuracy == 0.0
    assert rank_metrics(np.array([0.0, 0.0]), np.array([1, 0], bool)).accuracy == 1.0
    # Two candidates equal to the truth: the better rank counts.
    metrics = rank_metrics(np.array([-2.0, -1.0, -3.0]), np.array([1, 0, 1], bool))
    assert metrics.best_rank == 2 and metrics.reciprocal_rank == 0.5
    assert rank_metrics(np.array([1.0]), np.array([True])).normalized_recall == 1.0
    with pytest.raises(ValueError):
        rank_metrics(np.array([1.0]), np.array([False]))


def test_laws_discrimination_metrics_leave_the_sample_out():
    # The model's own sample outscores the truth: rank 2 with it, rank 1 without.
    scores = np.array([-0.5, -1.0, -4.0])
    is_truth = np.array([0, 1, 0], bool)
    sources = ("sample", "truth", "wrong_tool")
    assert rank_metrics(scores, is_truth)[:2] == (0.0, 0.5)
    assert discrimination_metrics(scores, is_truth, sources) == (1.0, 1.0, 1.0, 1)
    # A distractor above the truth still counts; a sample equal to the truth is
    # left out too, and the truth itself still decides.
    scores = np.array([-3.0, -1.0, -1.0, -2.0])
    is_truth = np.array([1, 1, 0, 0], bool)
    sources = ("truth", "sample", "moved", "wrong_tool")
    assert discrimination_metrics(scores, is_truth, sources) == (0.0, 1 / 3, 0.0, 3)


def test_laws_fidelity_metrics_by_hand():
    previous = np.array([0, 0, 0, 0])
    truth = np.array([1, 0, 2, 0])
    predicted = np.array([1, 3, 0, 0])
    assert edit_distance(predicted, truth) == 0.5
    # changes: truth {(0,1),(2,2)}, predicted {(0,1),(1,3)} -> 1 / 3
    assert changed_iou(previous, predicted, truth) == pytest.approx(1 / 3)
    assert changed_iou(previous, previous, previous) == 1.0


def test_laws_candidates_and_mutators_are_seeded():
    import jax.numpy as jnp

    state = {"alive": jnp.array([True, False]), "hp": jnp.array([3, 0])}
    schema = Schema.from_state(
        "test/Objects-v0",
        state,
        {"hp": (0, 9)},
        roles={"alive": "entity.alive", "hp": "entity.health"},
    )
    truth = np.array([1, 0, 3, 0])
    shift = ShiftMutator("hp", "combat", role="entity.health", alive_only=True)
    outs = [shift(np.random.default_rng(7), schema, truth, 0, truth) for _ in range(2)]
    np.testing.assert_array_equal(outs[0], outs[1])
    assert (
        outs[0][3] == 0 and outs[0][2] != 3 and 0 <= outs[0][2] <= 9
    )  # alive row only
    spawn = SpawnDespawnMutator("spawn", "lifecycle")(
        np.random.default_rng(1), schema, truth, 0, truth
    )
    assert int(np.sum(spawn[:2] != truth[:2])) == 1
    candidates = assemble(
        np.random.default_rng(3), truth, truth.copy(), [("hp", outs[0])]
    )
    assert sorted(candidates.sources) == ["hp", "sample", "truth"]
    assert candidates.is_truth.sum() == 2  # the sample equals the truth


def test_laws_scenario_names_must_be_unique():
    scenario = Scenario("collect_wood", "success", lambda key: None, constant_policy(0))
    with pytest.raises(ValueError, match="collect_wood/success"):
        check_suite([scenario, scenario])


def test_laws_fit_and_evaluate_commands(tmp_path, capsys):
    from symworld.cli import main

    out = tmp_path / "switches"
    assert (
        main(
            [
                "fit",
                "laws",
                "--env",
                "symworld/Switches-v0",
                "--laws",
                "switches",
                "--steps",
                "400",
                "--seed",
                "1",
                "--out",
                str(out),
                "--iterations",
                "300",
                "--learning-rate",
                "0.1",
                "--json",
            ]
        )
        == 0
    )
    fitted = json.loads(capsys.readouterr().out)
    assert fitted["transitions"] == 400
    # Every switches law applies on every transition but the flip-only ones.
    support = fitted["law_support"]
    assert support["coin_is_random"] == support["clock_ticks"] == 400
    assert 0 < support["toggle_flips"] < 400
    assert support["toggle_flips"] + support["toggle_holds"] == 400
    saved = json.loads((out / "model.json").read_text())
    assert saved["format"] == "symworld.law-model" and saved["version"] == 1
    assert saved["library"] == {"module": "symworld.laws.switches"}
    assert (
        main(
            [
                "evaluate",
                str(out),
                "--scenarios",
                "switches",
                "--trials",
                "2",
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert set(report["mean"]) == {
        "accuracy",
        "mrr",
        "normalized_recall",
        "edit_distance",
        "iou",
    }
    assert set(report["baselines"]) == {"null", "random"}
    assert report["truth"] == "env"
    assert report["scenarios"]["toggle_flip_on/success"]["accuracy"] == 1.0
    assert report["mean"]["accuracy"] > report["baselines"]["null"]["accuracy"]
    assert (out / "evaluation.csv").read_text().startswith("model,scenario,metric")
    args = ["evaluate", str(out), "--scenarios", "switches", "--trials", "1"]
    assert main([*args, "--self-check", "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["scenarios"]["toggle_flip_on/success"]["self_accuracy"] == 1.0
    assert main([*args, "--self-check"]) == 0
    assert "selfacc" in capsys.readouterr().out.splitlines()[0]
    assert ",self_mrr," in (out / "evaluation.csv").read_text()
    assert main([*args, "--discrimination", "--json"]) == 0
    apart = json.loads(capsys.readouterr().out)["scenarios"]["toggle_flip_on/success"]
    assert apart["discrimination_accuracy"] == apart["discrimination_mrr"] == 1.0
    assert main([*args, "--discrimination"]) == 0
    assert "discacc" in capsys.readouterr().out.splitlines()[0]
    # Switches re-implements no original game to take true next states from.
    assert main([*args, "--truth", "original"]) == 1
    assert "symworld/Switches-v0 has no original game" in capsys.readouterr().err


def test_laws_law_files_need_trust(tmp_path, capsys):
    import inspect

    from symworld.cli import main
    from symworld.laws import switches

    law_file = tmp_path / "my_laws.py"
    law_file.write_text(inspect.getsource(switches))
    common = [
        "fit",
        "laws",
        "--env",
        "symworld/Switches-v0",
        "--laws",
        str(law_file),
        "--steps",
        "100",
        "--out",
        str(tmp_path / "m"),
        "--iterations",
        "20",
    ]
    assert main(common) == 1
    assert "not trusted" in capsys.readouterr().err
    assert main([*common, "--trust-law-file", str(law_file)]) == 0
    capsys.readouterr()
    # Evaluating needs the same trust, and the file must be unchanged.
    assert main(["evaluate", str(tmp_path / "m"), "--trials", "1"]) == 1
    assert "not trusted" in capsys.readouterr().err
    law_file.write_text(law_file.read_text() + "\n# edited\n")
    code = main(
        [
            "evaluate",
            str(tmp_path / "m"),
            "--trials",
            "1",
            "--trust-law-file",
            str(law_file),
        ]
    )
    assert code == 1
    assert "changed since the model was fitted" in capsys.readouterr().err


def test_laws_moved_law_file_loads_from_the_trusted_copy(tmp_path, capsys):
    """A model and its law file moved elsewhere: the trusted copy with the
    recorded sha256 is imported; a trusted file of other content is named with
    both hashes; trust stays explicit."""
    import inspect
    import shutil

    from symworld.cli import main
    from symworld.laws import switches

    old = tmp_path / "old"
    old.mkdir()
    law_file = old / "laws.py"
    law_file.write_text(inspect.getsource(switches))
    fit = ["fit", "laws", "--env", "symworld/Switches-v0", "--laws", str(law_file)]
    fit += ["--trust-law-file", str(law_file), "--steps", "50", "--iterations", "5"]
    assert main([*fit, "--out", str(old / "m")]) == 0
    new = tmp_path / "new"
    shutil.move(old, new)
    capsys.readouterr()
    evaluate = ["evaluate", str(new / "m"), "--trials", "1"]
    assert main(evaluate) == 1
    err = capsys.readouterr().err
    assert f"law file {law_file} does not exist (moved?)" in err
    assert main([*evaluate, "--trust-law-file", str(new / "laws.py")]) == 0
    capsys.readouterr()
    edited = tmp_path / "edited.py"
    edited.write_text((new / "laws.py").read_text() + "\n# edited\n")
    assert main([*evaluate, "--trust-law-file", str(edited)]) == 1
    err = capsys.readouterr().err
    recorded = hashlib.sha256((new / "laws.py").read_bytes()).hexdigest()[:12]
    held = hashlib.sha256(edited.read_bytes()).hexdigest()[:12]
    assert (
        f"the model was fitted with law file {law_file} (sha256 {recorded}), which "
        f"is not trusted and does not exist, and no trusted file holds its content "
        f"({edited} has sha256 {held})"
    ) in err


def test_laws_saved_model_scores_identically(tmp_path, switches_fit, switches_data):
    import jax

    from symworld.programs.source import library_reference, load_model, save_model

    fitted, _ = switches_fit
    save_model(fitted, tmp_path, library_reference("switches"))
    loaded = load_model(tmp_path, schema=fitted.schema)
    head = jax.tree_util.tree_map(lambda x: x[:50], switches_data)
    score = jax.jit(jax.vmap(lambda m, s, a, n: m.log_prob(s, a, n), (None, 0, 0, 0)))
    np.testing.assert_allclose(
        np.asarray(score(loaded, *head)), np.asarray(score(fitted, *head)), rtol=1e-6
    )


def test_laws_reference_models_compare_at_the_schema_resolution():
    """The evaluation scores decoded candidates, and encoding rounds Crafter-OO's
    daylight to 1e-4: with the schema, the null model knows its own unchanged
    state again and the true model matches a deterministic transition."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    from symworld.envs.crafter_oo import CrafterOO
    from symworld.evaluation.baselines import NULL_CHANGE_LOG_PROB, NullModel
    from symworld.laws.crafter_oo import schema as crafter_schema
    from symworld.worldmodel import EnvModel

    env = CrafterOO()
    schema = crafter_schema(env)
    state = jax.jit(env.reset)(jax.random.key(0))
    decoded = schema.decode(schema.encode(state))
    assert float(decoded.daylight) != float(state.daylight)  # not bit-equal
    action = jnp.int32(0)
    assert float(NullModel().log_prob(state, action, decoded)) == NULL_CHANGE_LOG_PROB
    assert float(NullModel(schema).log_prob(state, action, decoded)) == 0.0
    # no creatures and not a balance step: the noop's outcome has no randomness
    state = eqx.tree_at(
        lambda s: s.objects.alive, state, jnp.zeros_like(state.objects.alive)
    )
    draws = 8
    model = EnvModel(env, num_samples=draws, schema=schema)
    sample = eqx.filter_jit(lambda m, k, s: m.sample(k, s, action))
    truth = schema.decode(schema.encode(sample(model, jax.random.key(3), state)))
    score = eqx.filter_jit(lambda m, s, n: m.log_prob(s, action, n))
    # every draw matches (without the schema none would: log(1 / (draws + 1)))
    assert float(score(model, state, truth)) == pytest.approx(
        np.log(draws / (draws + 1)), abs=1e-6
    )
