"""Switches: the fitted library keeps the correct laws and drops the wrong ones."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.switches import SwitchesState
from symworld.evaluation.baselines import NullModel
from symworld.evaluation.protocol import evaluate_models
from symworld.evaluation.scenarios import load_suite, mutators_for
from symworld.laws import switches as switch_laws


def _evaluate(model, env, schema, suite, **options):
    """The law model beside the null model on ``suite``, seed 0."""
    return evaluate_models(
        {"laws": model, "null": NullModel()},
        env,
        schema,
        suite,
        seed=0,
        mutators=mutators_for("symworld/Switches-v0"),
        primary="laws",
        **options,
    )


def test_laws_weights_separate_correct_from_wrong(switches_fit):
    fitted, result = switches_fit
    weights = fitted.weight_table()
    for name in ("toggle_flips", "toggle_holds", "fixed_is_static", "clock_ticks"):
        assert weights[name] > 3.0, (name, weights[name])
    for name in switch_laws.WRONG:
        assert weights[name] < 0.1, (name, weights[name])
    # The coin law out-weighs every wrong coin law.
    assert weights["coin_is_random"] > 5 * weights["wrong_coin_copies_toggle"]
    assert weights["coin_is_random"] > 5 * weights["wrong_coin_is_sticky"]
    assert result.losses[-1] < result.losses[0]


def test_laws_coin_probability_is_learned(switches_fit, switches_data):
    fitted, _ = switches_fit
    # The model's probability that the coin reads 1, from both coin values.
    for toggle, coin in [(0, 0), (1, 1)]:
        state = SwitchesState(
            jnp.int32(toggle), jnp.int32(coin), jnp.int32(0), jnp.int32(3)
        )
        heads = SwitchesState(state.toggle, jnp.int32(1), state.fixed, jnp.int32(4))
        site = fitted.site_log_probs(state, jnp.int32(0), heads)
        probability = float(jnp.exp(site[1]))
        assert abs(probability - 0.5) < 0.05, probability
    # Samples agree with the probability and with the data's frequency.
    keys = jax.random.split(jax.random.key(5), 2000)
    samples = jax.jit(jax.vmap(fitted.sample))(
        keys, switches_data.states, switches_data.actions
    )
    assert abs(float(samples.coin.mean()) - 0.5) < 0.05
    # Deterministic attributes: the fitted reliabilities leave < 0.5 % elsewhere.
    for name in ("toggle", "fixed", "time"):
        agree = np.mean(
            np.asarray(getattr(samples, name))
            == np.asarray(getattr(switches_data.next_states, name))
        )
        assert agree > 0.995, (name, agree)


def test_laws_deterministic_switch_accuracy_is_one(
    switches_fit, switches_env, switches_schema
):
    fitted, _ = switches_fit
    suite = [s for s in load_suite("switches") if s.mechanic.startswith("toggle")]
    report = _evaluate(fitted, switches_env, switches_schema, suite, trials=2)
    for name, entry in report.models["laws"].scenarios.items():
        assert entry["mean"]["accuracy"] == 1.0, name
        assert entry["mean"]["mrr"] == 1.0, name
    assert report.models["null"].mean["accuracy"] == 0.0


def test_laws_self_check_of_a_calibrated_model(switches_env, switches_schema):
    from symworld.laws import switches as switch_laws
    from symworld.programs import LawModel

    correct = {
        "toggle_flips",
        "toggle_holds",
        "coin_is_random",
        "fixed_is_static",
        "clock_ticks",
    }
    laws = [law for law in switch_laws.library() if law.name in correct]
    layout = LawModel.build(laws, switches_schema).layout
    model = LawModel.from_values(
        layout,
        {
            "weights": [12.0] * len(laws),
            "persistence": [0.999] * 4,
            "coin_is_random/heads": 0.5,
        },
    )
    wanted = {"toggle_flip_on/success", "coin_redraw/only"}
    suite = [s for s in load_suite("switches") if s.name in wanted]
    report = _evaluate(
        model,
        switches_env,
        switches_schema,
        suite,
        trials=10,
        self_check=True,
        discrimination=True,
    )
    scenarios = report.models["laws"].scenarios
    # Deterministic: a second draw is the truth, exactly as the first.
    assert scenarios["toggle_flip_on/success"]["mean"]["self_accuracy"] == 1.0
    # A fair coin: the coin distractor is the other face with the clock ticked,
    # exactly as likely as either draw. Draws that agree (half the time) tie with
    # it two to one, draws that differ one to two, and ties go to the shuffle:
    # 0.5 expected (100 draws, s.e. 0.05). The truth, drawn by the same coin, is
    # ranked as the model's own world is.
    coin = scenarios["coin_redraw/only"]["mean"]
    assert abs(coin["self_accuracy"] - 0.5) < 0.15
    assert abs(coin["accuracy"] - 0.5) < 0.15
    # The null model's draw is the current state, and so is its second draw.
    null = report.models["null"].scenarios["coin_redraw/only"]["mean"]
    assert null["self_accuracy"] == 1.0
    assert set(report.models["laws"].mean) >= {"self_accuracy", "self_mrr"}
    # Without the model's own sample, the truth of the deterministic scenario is
    # the only likely candidate; the coin's truth ties with the other face (the
    # coin distractor) and the shuffle decides: 0.5 expected, MRR 0.75.
    toggle = scenarios["toggle_flip_on/success"]["mean"]
    assert toggle["discrimination_accuracy"] == toggle["discrimination_mrr"] == 1.0
    assert abs(coin["discrimination_accuracy"] - 0.5) < 0.15
    assert abs(coin["discrimination_mrr"] - 0.75) < 0.08
