"""Model selection constrained by the topology of the free run: the subregions
visited, the realness of their fixed points and their unstable directions."""

import dataclasses
import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.alrnn.models import ALRNN, PLRNN
from symworld.alrnn.training import (
    Evaluation,
    TrainingConfig,
    topology_check,
    train,
)

MODEL = {"num_latent": 6, "num_relu": 2, "num_observed": 3}
CONFIG = TrainingConfig.sparse(
    8,
    epochs=6,
    batches_per_epoch=10,
    batch_size=4,
    sequence_length=40,
    start_lr=2e-2,
    end_lr=5e-3,
    evaluate_every=1,
    evaluation_steps=400,
    transient=10,
    seed=3,
)


def numpy_topology(model: ALRNN, states: np.ndarray):
    """Independent computation: visited sign patterns of the last P units, and for
    each the solution of ``(I - diag(A) - W D) z = h`` with its eigenvalues."""
    a, w, h = (np.asarray(v, np.float64) for v in (model.A, model.W, model.h))
    m, p = w.shape[0], model.num_relu
    patterns = {tuple(row) for row in (states[:, m - p :] > 0).astype(int)}
    real, unstable = 0, []
    for pattern in patterns:
        d = np.diag(np.concatenate([np.ones(m - p), np.asarray(pattern, float)]))
        jacobian = np.diag(a) + w @ d
        z = np.linalg.solve(np.eye(m) - jacobian, h)
        real += tuple((z[m - p :] > 0).astype(int)) == pattern
        unstable.append(int(np.sum(np.abs(np.linalg.eigvals(jacobian)) > 1)))
    return len(patterns), real, tuple(sorted(unstable))


@pytest.fixture(scope="module")
def random_model():
    model = ALRNN(5, 3, 2, key=jax.random.PRNGKey(11))
    keys = jax.random.split(jax.random.PRNGKey(12), 2)
    return eqx.tree_at(
        lambda m: (m.W, m.h),
        model,
        (
            0.6 * jax.random.normal(keys[0], (5, 5)),
            jax.random.normal(keys[1], (5,)),
        ),
    )


def test_topology_matches_numpy(random_model):
    rng = np.random.default_rng(0)
    config = TrainingConfig()
    for trial in range(5):
        states = rng.normal(size=(50 + 40 * trial, 5))
        # restrict the visited patterns to a random subset to vary the count
        states[:, 2:] = np.abs(states[:, 2:]) * rng.choice([-1, 1], size=(1, 3))
        states[: 10 * trial, 2:] = rng.normal(size=(10 * trial, 3))
        found = topology_check(random_model, states, config)
        expected = numpy_topology(random_model, states)
        assert (
            found.subregions_used,
            found.real_fixed_points,
            found.unstable_directions,
        ) == expected
        assert found.eligible  # no constraint set


def test_hand_built_model_topology():
    # A = 0.5, W = 0, h = (0, 1, -1): every region's fixed point is (0, 2, -2), which
    # lies in region "10" only; all eigenvalues are 0.5 (stable).
    model = ALRNN(3, 2, 1, key=jax.random.PRNGKey(0))
    model = eqx.tree_at(
        lambda m: (m.A, m.W, m.h),
        model,
        (jnp.full(3, 0.5), jnp.zeros((3, 3)), jnp.array([0.0, 1.0, -1.0])),
    )
    states = np.array([[0.0, 1.0, -1.0], [0.0, -1.0, 1.0], [0.0, 2.0, -0.5]])
    config = TrainingConfig(
        selection_subregions=2,
        selection_real_fixed_points=True,
        selection_unstable_directions=(0, 0),
    )
    found = topology_check(model, states, config)
    assert found.subregions_used == 2  # "10" and "01"
    assert found.real_fixed_points == 1
    assert found.unstable_directions == (0, 0)
    assert not found.eligible  # "01"'s fixed point is virtual
    relaxed = dataclasses.replace(config, selection_real_fixed_points=False)
    assert topology_check(model, states, relaxed).eligible
    only_real = states[[0, 2]]
    assert topology_check(model, only_real, relaxed).eligible is False  # 1 region
    one_region = dataclasses.replace(
        config, selection_subregions=1, selection_unstable_directions=(0,)
    )
    assert topology_check(model, only_real, one_region).eligible
    wrong_index = dataclasses.replace(one_region, selection_unstable_directions=(1,))
    assert not topology_check(model, only_real, wrong_index).eligible
    diverged = np.array([[np.inf, 1.0, 1.0]])
    assert not topology_check(model, diverged, TrainingConfig()).eligible


def test_config_validation_and_json():
    config = TrainingConfig(
        selection_subregions=3, selection_unstable_directions=[2, 1, 2]
    )
    assert config.selection_unstable_directions == (1, 2, 2)
    assert config.constrains_topology and not TrainingConfig().constrains_topology
    as_json = json.loads(json.dumps(dataclasses.asdict(config)))
    assert TrainingConfig(**as_json) == config
    with pytest.raises(ValueError, match="one count per subregion"):
        TrainingConfig(selection_subregions=3, selection_unstable_directions=(1, 2))
    with pytest.raises(ValueError, match="selection_subregions"):
        TrainingConfig(selection_subregions=-1)
    with pytest.raises(ValueError, match="counts >= 0"):
        TrainingConfig(selection_unstable_directions=(-1,))
    plrnn = PLRNN(4, 3, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="needs an AL-RNN"):
        topology_check(plrnn, np.zeros((3, 4)), config)
    assert topology_check(plrnn, np.zeros((3, 4)), TrainingConfig()).eligible
    with pytest.raises(ValueError, match="needs an AL-RNN"):
        train(
            np.zeros((300, 3), np.float32),
            model_kind="plrnn",
            model_config={"num_latent": 4, "num_observed": 3},
            config=dataclasses.replace(CONFIG, selection_subregions=2),
        )


def expected_selection(evaluations: list[Evaluation], weight: float):
    """The epoch the rule picks: lowest score among eligible, else among all."""
    scored = [(e.d_stsp + weight * e.d_h, e.epoch, e.eligible) for e in evaluations]
    eligible = [s for s in scored if s[2]]
    pool = eligible or scored
    return min(pool)[1], bool(eligible)


@pytest.fixture(scope="module")
def unconstrained(lorenz_pair):
    data = lorenz_pair[0][:3000].astype(np.float32)
    validation = lorenz_pair[1][:3000].astype(np.float32)
    result = train(data, model_config=MODEL, config=CONFIG, validation=validation)
    return data, validation, result


def test_constrained_selection_picks_best_eligible(unconstrained, tmp_path):
    data, validation, free = unconstrained
    evaluations = free.evaluations
    assert len(evaluations) == 6 and all(e.eligible for e in evaluations)
    assert free.best_epoch == expected_selection(evaluations, 0.0)[0]
    counts = sorted({e.subregions_used for e in evaluations})
    assert all(1 <= c <= 4 for c in counts)
    # Constrain to each region count seen, and to one never seen.
    for count in [*counts, next(c for c in range(1, 6) if c not in counts)]:
        config = dataclasses.replace(CONFIG, selection_subregions=count)
        result = train(
            data,
            model_config=MODEL,
            config=config,
            validation=validation,
            checkpoint_dir=tmp_path / f"k{count}",
        )
        # Same training, same evaluations; only eligibility and the choice differ.
        assert [e.d_stsp for e in result.evaluations] == [e.d_stsp for e in evaluations]
        assert [e.eligible for e in result.evaluations] == [
            e.subregions_used == count for e in evaluations
        ]
        epoch, met = expected_selection(result.evaluations, 0.0)
        assert (result.best_epoch, result.selection_met) == (epoch, met)
        stored = json.loads((tmp_path / f"k{count}" / "checkpoint.json").read_text())
        assert stored["best_epoch"] == epoch and stored["best_eligible"] == met
        index = [e.epoch for e in evaluations].index(epoch)
        chosen = evaluations[index]
        assert result.best_d_stsp == chosen.d_stsp


def test_constrained_selection_survives_resume(unconstrained, tmp_path):
    data, validation, free = unconstrained
    counts = [e.subregions_used for e in free.evaluations]
    count = min(set(counts), key=counts.count)  # the rarest count
    weight = 0.5
    config = dataclasses.replace(
        CONFIG, selection_subregions=count, selection_dh_weight=weight
    )
    for stop in (2, 4, None):
        result = train(
            data,
            model_config=MODEL,
            config=config,
            validation=validation,
            checkpoint_dir=tmp_path,
            resume=True,
            stop_at_epoch=stop,
        )
    epoch, met = expected_selection(result.evaluations, weight)
    assert met and result.best_epoch == epoch
    assert [e.unstable_directions for e in result.evaluations] == [
        e.unstable_directions for e in free.evaluations
    ]
    assert all(isinstance(e.unstable_directions, tuple) for e in result.evaluations)
    assert [e.real_fixed_points for e in result.evaluations] == [
        e.real_fixed_points for e in free.evaluations
    ]
