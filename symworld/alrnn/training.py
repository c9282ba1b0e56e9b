"""Teacher-forced training of piecewise-linear latent models.

One loss covers both forcing schemes of the DSR literature. A window of ``T + 1``
observations ``x_0 ... x_T`` starts from ``z_0 = model.init_state(x_0)``; at each step
``t = 1 ... T`` the model predicts ``z_t = F(z~_{t-1})`` and the loss is the mean
squared error of ``z_t[:N]`` against ``x_t`` (predictions are never forced). The state
carried forward is forced on its first ``N`` units every ``forcing_interval`` steps:
``z~_t[:N] = (1 - alpha) z_t[:N] + alpha x_t``.

- **Sparse teacher forcing** (STF): ``alpha = 1``, interval ``tau`` — the observed
  units are *replaced* by data every ``tau`` steps (no gradient flows through them).
  With ``alpha < 1`` at interval ``tau`` they are pulled the fraction ``alpha``
  towards the data instead, which also halves (for ``alpha = 0.5``) the observation
  noise the forced state carries forward.
- **Generalized teacher forcing** (GTF): interval 1, ``0 <= alpha < 1`` fixed, or
  adaptive (aGTF): every ``alpha_update_interval`` batches ``alpha_est = max(0, 1 -
  1/G)`` with ``G`` the largest (over windows) geometric mean over time of the spectral
  norm of the model Jacobian at the data-inferred states ``init_state(x_t)``; ``alpha``
  jumps up to ``alpha_est`` at once and decays towards it as ``g alpha + (1 - g)
  alpha_est`` otherwise.

Batches are windows drawn uniformly with replacement, with additive Gaussian noise
(the noisy window is both forcing signal and target). The optimiser is RAdam with a
learning rate decaying exponentially once per epoch from ``start_lr`` to ``end_lr``.
All epochs between two evaluations run inside one compiled ``lax.scan`` (over epochs,
then batches). Every evaluation generates a free run, computes ``D_stsp``/``D_H``
against validation data and keeps the best model; a checkpoint (JSON + NPZ, atomic)
makes the run resumable with identical results. A non-finite or exploding loss or
parameter stops training with the last good model kept and the failure reported.
Every random draw derives from ``seed`` (batch ``b`` of epoch ``e`` uses
``fold_in(fold_in(PRNGKey(seed), e), b)``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from symworld.alrnn import checkpoints
from symworld.alrnn.metrics import hellinger_spectrum_distance, state_space_divergence
from symworld.alrnn.models import LatentModel, build_model
from symworld.progress import progress

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Hyperparameters of :func:`train` (JSON-serialisable; defaults: AL-RNN Lorenz).

    - ``epochs``, ``batches_per_epoch``, ``batch_size``: updates are ``epochs *
      batches_per_epoch`` RAdam steps on ``batch_size`` windows.
    - ``sequence_length``: ``T`` predicted steps per window (windows hold ``T + 1``).
    - ``forcing_interval``: force every this many steps (``tau``; 1 for GTF).
    - ``alpha``: forcing strength (1 = replacement, STF); the initial value if adaptive.
    - ``adaptive_alpha``, ``alpha_update_interval``, ``alpha_decay``: aGTF.
    - ``noise_std``: additive Gaussian noise on each batch (data units).
    - ``start_lr``, ``end_lr``: exponential decay once per epoch, floored at ``end_lr``.
    - ``gradient_clip``: global-norm clipping (0 = off).
    - ``evaluate_every``: epochs between evaluations and checkpoints.
    - ``evaluation_steps``: generated steps per evaluation (after ``transient``).
    - ``num_bins``, ``spectrum_sigma``: metric settings for evaluations.
    - ``divergence_loss``: a loss above this counts as divergence.
    - ``selection_dh_weight``: the best model minimises ``D_stsp + weight * D_H`` on
      the validation run (0, the AL-RNN convention, selects by ``D_stsp`` alone).
    - ``selection_subregions``, ``selection_real_fixed_points``,
      ``selection_unstable_directions``: topological constraints on the selected
      model (AL-RNN only; see :func:`topology_check`). An evaluated model is
      *eligible* when its validation free run visits exactly ``selection_subregions``
      subregions (0: any number), when every visited subregion's fixed point is real
      (if ``selection_real_fixed_points``), and when the sorted counts of unstable
      directions of those fixed points equal ``selection_unstable_directions``
      (empty: any). The best eligible model is kept; while none has been eligible,
      the best of all evaluated models is kept (``TrainingResult.selection_met``
      says which).
    - ``seed``: the seed of the initialisation and of every batch.
    """

    epochs: int = 2000
    batches_per_epoch: int = 50
    batch_size: int = 16
    sequence_length: int = 200
    forcing_interval: int = 16
    alpha: float = 1.0
    adaptive_alpha: bool = False
    alpha_update_interval: int = 5
    alpha_decay: float = 0.999
    noise_std: float = 0.05
    start_lr: float = 1e-3
    end_lr: float = 1e-5
    gradient_clip: float = 0.0
    evaluate_every: int = 25
    evaluation_steps: int = 10_000
    transient: int = 1_000
    num_bins: int = 30
    spectrum_sigma: float = 20.0
    divergence_loss: float = 1e4
    selection_dh_weight: float = 0.0
    selection_subregions: int = 0
    selection_real_fixed_points: bool = False
    selection_unstable_directions: tuple[int, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        positive = [
            "epochs",
            "batches_per_epoch",
            "batch_size",
            "sequence_length",
            "forcing_interval",
            "evaluate_every",
            "evaluation_steps",
            "alpha_update_interval",
        ]
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(
                    f"TrainingConfig.{name} must be >= 1, got {getattr(self, name)}"
                )
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(
                f"TrainingConfig.alpha must lie in [0, 1], got {self.alpha}"
            )
        if not 0 < self.end_lr <= self.start_lr:
            raise ValueError("TrainingConfig needs 0 < end_lr <= start_lr")
        if self.selection_subregions < 0:
            raise ValueError(
                "TrainingConfig.selection_subregions must be >= 0 (0 = any), got "
                f"{self.selection_subregions}"
            )
        directions = tuple(int(d) for d in self.selection_unstable_directions)
        if any(d < 0 for d in directions):
            raise ValueError(
                "TrainingConfig.selection_unstable_directions must be counts >= 0, "
                f"got {self.selection_unstable_directions}"
            )
        if (
            directions
            and self.selection_subregions
            and len(directions) != self.selection_subregions
        ):
            raise ValueError(
                "TrainingConfig.selection_unstable_directions needs one count per "
                f"subregion ({self.selection_subregions}), got {directions}"
            )
        object.__setattr__(
            self, "selection_unstable_directions", tuple(sorted(directions))
        )

    @property
    def constrains_topology(self) -> bool:
        """Whether model selection checks the subregions and fixed points."""
        return bool(
            self.selection_subregions
            or self.selection_real_fixed_points
            or self.selection_unstable_directions
        )

    @classmethod
    def sparse(
        cls, interval: int = 16, alpha: float = 1.0, **kwargs: Any
    ) -> TrainingConfig:
        """Sparse teacher forcing every ``interval`` steps, replacing the observed
        units (``alpha = 1``) or moving them the fraction ``alpha`` towards the data
        (partial forcing at sparse times, as in the AL-RNN tutorial code)."""
        return cls(
            forcing_interval=interval, alpha=alpha, adaptive_alpha=False, **kwargs
        )

    @classmethod
    def generalized(
        cls, alpha: float = 1.0, *, adaptive: bool = True, **kwargs: Any
    ) -> TrainingConfig:
        """Generalized teacher forcing at every step, ``alpha`` fixed or adaptive."""
        return cls(forcing_interval=1, alpha=alpha, adaptive_alpha=adaptive, **kwargs)


class TrainState(NamedTuple):
    """What the compiled loop carries: the model, optimiser state and forcing ``alpha``
    (float32 scalar), and the count of updates done (int32 scalar)."""

    model: LatentModel
    opt_state: Any
    alpha: jax.Array
    step: jax.Array


class Evaluation(NamedTuple):
    """One evaluation during training: the metrics of the validation free run and,
    for an AL-RNN, its topology (``subregions_used``: distinct subregions visited;
    ``real_fixed_points``: how many of their fixed points are real;
    ``unstable_directions``: sorted counts of unstable directions of those fixed
    points; ``eligible``: whether the selection constraints hold). Models other than
    the AL-RNN have ``subregions_used = -1``."""

    epoch: int
    loss: float
    d_stsp: float
    d_h: float
    alpha: float
    learning_rate: float
    subregions_used: int = -1
    real_fixed_points: int = -1
    unstable_directions: tuple[int, ...] = ()
    eligible: bool = True


class Topology(NamedTuple):
    """What :func:`topology_check` finds in a free run (see :class:`Evaluation`)."""

    subregions_used: int
    real_fixed_points: int
    unstable_directions: tuple[int, ...]
    eligible: bool


def topology_check(
    model: LatentModel, latent_states: np.ndarray, config: TrainingConfig
) -> Topology:
    """Subregions visited by ``latent_states`` ``(T, M)`` of an AL-RNN free run, the
    fixed points of those subregions, and whether they meet the selection constraints
    of ``config``. A non-finite run is never eligible."""
    from symworld.alrnn.analysis import fixed_points
    from symworld.alrnn.models import ALRNN
    from symworld.alrnn.symbolic import all_symbols, latent_symbols

    if not isinstance(model, ALRNN):
        if config.constrains_topology:
            raise ValueError(
                "selection by subregions/fixed points needs an AL-RNN, got "
                f"{type(model).__name__}"
            )
        return Topology(-1, -1, (), True)
    if not np.all(np.isfinite(latent_states)):
        return Topology(-1, -1, (), False)
    codes = np.unique(latent_symbols(model, latent_states))
    symbols = [all_symbols(model.num_relu)[int(c)] for c in codes]
    points = fixed_points(model, symbols)
    real = sum(p.real for p in points)
    directions = tuple(sorted(p.unstable_directions for p in points))
    eligible = True
    if config.selection_subregions and len(symbols) != config.selection_subregions:
        eligible = False
    if config.selection_real_fixed_points and (
        len(points) != len(symbols) or real != len(symbols)
    ):
        eligible = False
    if (
        config.selection_unstable_directions
        and directions != config.selection_unstable_directions
    ):
        eligible = False
    return Topology(len(symbols), int(real), directions, eligible)


class TrainingResult(NamedTuple):
    """What :func:`train` returns.

    - ``model``: the last good model (after the last finite chunk).
    - ``best_model``, ``best_epoch``, ``best_d_stsp``: the selected evaluation: the
      lowest ``D_stsp + selection_dh_weight * D_H`` among the eligible ones (all
      evaluations when the config sets no constraint, or when none was eligible)
      (``best_epoch`` -1 if no evaluation was finite; then ``best_model`` is
      ``model``).
    - ``losses``: ``(epochs_completed,)`` mean training loss per epoch.
    - ``evaluations``: list of :class:`Evaluation`.
    - ``diverged``: whether training stopped on a non-finite/exploding loss or
      parameter; ``message`` says where.
    - ``epochs_completed``, ``seconds``: progress and wall time of this call.
    - ``selection_met``: whether the selected model meets the selection constraints.
    """

    model: LatentModel
    best_model: LatentModel
    best_epoch: int
    best_d_stsp: float
    losses: np.ndarray
    evaluations: list[Evaluation]
    diverged: bool
    message: str
    epochs_completed: int
    seconds: float
    selection_met: bool = True


def learning_rate_schedule(config: TrainingConfig) -> optax.Schedule:
    """Exponential decay once per epoch, ``start_lr -> end_lr`` over ``epochs``."""
    rate = (config.end_lr / config.start_lr) ** (1.0 / config.epochs)
    return optax.exponential_decay(
        config.start_lr,
        transition_steps=config.batches_per_epoch,
        decay_rate=rate,
        staircase=True,
        end_value=config.end_lr,
    )


def make_optimizer(config: TrainingConfig) -> optax.GradientTransformation:
    """RAdam on the schedule, with global-norm clipping first when asked for."""
    radam = optax.radam(learning_rate_schedule(config))
    if config.gradient_clip > 0:
        return optax.chain(optax.clip_by_global_norm(config.gradient_clip), radam)
    return radam


def forced_window_loss(
    model: LatentModel, window: jax.Array, alpha: jax.Array, interval: int
) -> jax.Array:
    """Teacher-forced MSE of one window ``(T + 1, N)`` (see the module docstring)."""
    n = model.num_observed
    z0 = model.init_state(window[0])
    times = jnp.arange(1, window.shape[0])

    def body(z, inputs):
        t, x = inputs
        z = model.step(z)
        prediction = model.readout(z)
        forced = z.at[:n].set((1.0 - alpha) * z[:n] + alpha * x)
        return jnp.where(t % interval == 0, forced, z), prediction

    _, predictions = jax.lax.scan(body, z0, (times, window[1:]))
    return jnp.mean((predictions - window[1:]) ** 2)


def estimate_alpha(model: LatentModel, windows: jax.Array) -> jax.Array:
    """aGTF's ``max(0, 1 - 1/G)``: ``G`` is the maximum over windows ``(B, T+1, N)`` of
    the geometric mean over time of ``||J(init_state(x_t))||_2``."""
    states = jax.vmap(jax.vmap(model.init_state))(windows)
    jacobians = jax.vmap(jax.vmap(model.jacobian))(states)
    norms = jnp.linalg.norm(jacobians, ord=2, axis=(-2, -1))
    geometric = jnp.exp(jnp.mean(jnp.log(jnp.maximum(norms, 1e-12)), axis=1))
    return jnp.clip(1.0 - 1.0 / jnp.max(geometric), 0.0, 1.0)


def sample_windows(
    key: jax.Array, data: jax.Array, config: TrainingConfig
) -> jax.Array:
    """``batch_size`` noisy windows ``(B, T + 1, N)`` drawn uniformly from ``data``."""
    key_start, key_noise = jax.random.split(key)
    length = config.sequence_length + 1
    starts = jax.random.randint(
        key_start, (config.batch_size,), 0, data.shape[0] - length + 1
    )
    windows = jax.vmap(lambda s: jax.lax.dynamic_slice_in_dim(data, s, length, axis=0))(
        starts
    )
    noise = config.noise_std * jax.random.normal(key_noise, windows.shape)
    return windows + noise


def make_chunk_runner(config: TrainingConfig, optimizer: optax.GradientTransformation):
    """A jitted ``(state, data, base_key, epochs (E,) int32) -> (state, losses (E,))``
    running ``E`` epochs in one ``lax.scan``."""

    def batch_loss(model, windows, alpha):
        losses = jax.vmap(forced_window_loss, in_axes=(None, 0, None, None))(
            model, windows, alpha, config.forcing_interval
        )
        return jnp.mean(losses)

    def update(state: TrainState, key: jax.Array, data: jax.Array):
        windows = sample_windows(key, data, config)
        if config.adaptive_alpha:
            estimate = estimate_alpha(state.model, windows)
            decayed = (
                config.alpha_decay * state.alpha + (1 - config.alpha_decay) * estimate
            )
            new_alpha = jnp.where(estimate > state.alpha, estimate, decayed)
            alpha = jnp.where(
                state.step % config.alpha_update_interval == 0, new_alpha, state.alpha
            )
        else:
            alpha = state.alpha
        loss, grads = eqx.filter_value_and_grad(batch_loss)(state.model, windows, alpha)
        updates, opt_state = optimizer.update(grads, state.opt_state, state.model)
        model = eqx.apply_updates(state.model, updates)
        return TrainState(model, opt_state, alpha, state.step + 1), loss

    def epoch(carry, epoch_index):
        state, data, base_key = carry
        epoch_key = jax.random.fold_in(base_key, epoch_index)

        def one_batch(state, batch_index):
            return update(state, jax.random.fold_in(epoch_key, batch_index), data)

        state, losses = jax.lax.scan(
            one_batch, state, jnp.arange(config.batches_per_epoch)
        )
        return (state, data, base_key), jnp.mean(losses)

    @eqx.filter_jit
    def run(state: TrainState, data: jax.Array, base_key: jax.Array, epochs: jax.Array):
        (state, _, _), losses = jax.lax.scan(epoch, (state, data, base_key), epochs)
        return state, losses

    return run


def _compiled_part(config: TrainingConfig) -> TrainingConfig:
    """``config`` with the fields that do not enter the compiled loop neutralised, so
    runs differing only in those share one compilation."""
    return dataclasses.replace(
        config,
        seed=0,
        evaluate_every=1,
        evaluation_steps=1,
        transient=0,
        num_bins=1,
        spectrum_sigma=1.0,
        divergence_loss=1.0,
        selection_dh_weight=0.0,
        selection_subregions=0,
        selection_real_fixed_points=False,
        selection_unstable_directions=(),
    )


@functools.lru_cache(maxsize=16)
def _cached_chunk_runner(config: TrainingConfig):
    return make_chunk_runner(config, make_optimizer(config))


@eqx.filter_jit
def generate_latent(model: LatentModel, x0: jax.Array, steps: int, transient: int):
    """Free run from ``init_state(x0)``: ``(steps, M)`` latent states after dropping
    ``transient`` steps."""
    return model.generate(model.init_state(x0), steps + transient)[transient:]


@eqx.filter_jit
def generate_observations(
    model: LatentModel, x0: jax.Array, steps: int, transient: int
):
    """Free run from ``init_state(x0)``: ``(steps, N)`` observations after dropping
    ``transient`` steps."""
    states = model.generate(model.init_state(x0), steps + transient)
    return model.readout(states[transient:])


def _finite_tree(tree: Any) -> bool:
    leaves = jax.tree_util.tree_leaves(eqx.filter(tree, eqx.is_inexact_array))
    return all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in leaves)


def _save_checkpoint(
    directory: Path,
    state: TrainState,
    best_model: LatentModel,
    meta: dict[str, Any],
) -> None:
    arrays = {}
    arrays.update(checkpoints.tree_to_arrays(state.model, "model"))
    arrays.update(checkpoints.tree_to_arrays(state.opt_state, "opt"))
    arrays.update(checkpoints.tree_to_arrays(best_model, "best"))
    arrays["alpha"] = np.asarray(state.alpha)
    arrays["step"] = np.asarray(state.step)
    checkpoints.atomic_write_npz(directory / "checkpoint.npz", arrays)
    checkpoints.atomic_write_json(directory / "checkpoint.json", meta)


def data_fingerprint(data: np.ndarray, validation: np.ndarray) -> dict[str, Any]:
    """Shapes and SHA-256 of the float32 training and validation series, so that a
    checkpoint is only resumed on the data it was trained on."""
    digest = hashlib.sha256()
    for part in (data, validation):
        digest.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
    return {
        "shapes": [list(np.shape(data)), list(np.shape(validation))],
        "sha256": digest.hexdigest(),
    }


def train(
    data: np.ndarray,
    *,
    model_kind: str = "alrnn",
    model_config: dict[str, Any],
    config: TrainingConfig,
    validation: np.ndarray | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    stop_at_epoch: int | None = None,
) -> TrainingResult:
    """Train a latent model on one multivariate series.

    **Arguments:**

    - ``data``: ``(T, N)`` float training series (z-scored is the usual choice).
    - ``model_kind``/``model_config``: see :func:`symworld.alrnn.models.build_model`
      (``num_observed`` must be ``N``).
    - ``config``: :class:`TrainingConfig`.
    - ``validation``: ``(T_v, N)`` series the evaluations compare free runs with
      (starting from its first point); the training data when ``None``.
    - ``checkpoint_dir``: where ``checkpoint.json``/``checkpoint.npz`` are written after
      every evaluation, and every evaluated model as ``models/epoch_EEEEEE.{json,npz}``
      (for selection by other criteria afterwards); with ``resume=True`` an existing
      checkpoint there is continued (its configuration must match).
    - ``stop_at_epoch``: return once this epoch is reached (rounded up to the next
      evaluation), e.g. to split a long run over several calls with ``resume``.

    **Returns:** :class:`TrainingResult`.
    """
    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 2 or not np.all(np.isfinite(data)):
        raise ValueError(
            f"training data must be a finite (T, N) array, got shape {data.shape}"
        )
    if data.shape[0] < config.sequence_length + 1:
        raise ValueError(
            f"training data has {data.shape[0]} rows; windows need "
            f"sequence_length + 1 = "
            f"{config.sequence_length + 1}"
        )
    if model_config.get("num_observed") != data.shape[1]:
        raise ValueError(
            f"model_config num_observed={model_config.get('num_observed')} but "
            "the data "
            f"have N={data.shape[1]} columns"
        )
    validation = (
        data if validation is None else np.asarray(validation, dtype=np.float32)
    )
    base_key = jax.random.PRNGKey(config.seed)
    init_key, train_key = jax.random.split(base_key)
    model = build_model(model_kind, model_config, key=init_key)
    if config.constrains_topology:
        topology_check(model, np.zeros((1, model.num_latent)), config)  # kind check
    optimizer = make_optimizer(config)
    schedule = learning_rate_schedule(config)
    state = TrainState(
        model,
        optimizer.init(eqx.filter(model, eqx.is_inexact_array)),
        jnp.asarray(config.alpha, jnp.float32),
        jnp.asarray(0, jnp.int32),
    )
    best_model, best_epoch, best_d_stsp = model, -1, float("inf")
    best_score = float("inf")
    best_eligible = False
    losses: list[float] = []
    evaluations: list[Evaluation] = []
    start_epoch = 0
    meta_base = {
        "format": "symworld.alrnn.checkpoint/1",
        "model_kind": model_kind,
        "model_config": model_config,
        "training_config": dataclasses.asdict(config),
        "data": data_fingerprint(data, validation),
    }

    directory = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if directory is not None and resume and (directory / "checkpoint.json").exists():
        meta = json.loads((directory / "checkpoint.json").read_text())
        for name in ("model_kind", "model_config", "training_config", "data"):
            if meta.get(name) != json.loads(json.dumps(meta_base[name])):
                what = (
                    "was trained on other data (training or validation series)"
                    if name == "data"
                    else f"has another {name}"
                )
                raise ValueError(
                    f"{directory / 'checkpoint.json'}: this checkpoint {what} than "
                    f"this run; resuming needs the same data and configuration "
                    f"(write to another folder, or remove {directory})"
                )
        with np.load(directory / "checkpoint.npz", allow_pickle=False) as arrays:
            source = str(directory / "checkpoint.npz")
            state = TrainState(
                checkpoints.arrays_to_tree(state.model, arrays, "model", source),
                checkpoints.arrays_to_tree(state.opt_state, arrays, "opt", source),
                jnp.asarray(arrays["alpha"], jnp.float32),
                jnp.asarray(arrays["step"], jnp.int32),
            )
            best_model = checkpoints.arrays_to_tree(model, arrays, "best", source)
        start_epoch = int(meta["epoch"])
        best_epoch = int(meta["best_epoch"])
        best_d_stsp = (
            float(meta["best_d_stsp"])
            if meta["best_d_stsp"] is not None
            else float("inf")
        )
        best_score = (
            float(meta["best_score"])
            if meta.get("best_score") is not None
            else float("inf")
        )
        best_eligible = bool(meta.get("best_eligible", False))
        losses = list(meta["losses"])
        evaluations = [_evaluation_from_json(e) for e in meta["evaluations"]]
        logger.info("resuming from %s at epoch %d", directory, start_epoch)

    run_chunk = _cached_chunk_runner(_compiled_part(config))
    data_j = jnp.asarray(data)
    x0_validation = jnp.asarray(validation[0])
    diverged, message = False, "completed"
    started = time.perf_counter()
    last_epoch = (
        config.epochs if stop_at_epoch is None else min(stop_at_epoch, config.epochs)
    )
    chunk_starts = list(range(start_epoch, last_epoch, config.evaluate_every))
    for chunk_start in progress(chunk_starts, total=len(chunk_starts), desc="training"):
        chunk_end = min(chunk_start + config.evaluate_every, config.epochs)
        epochs = jnp.arange(chunk_start, chunk_end, dtype=jnp.int32)
        new_state, chunk_losses = run_chunk(state, data_j, train_key, epochs)
        chunk_losses = np.asarray(chunk_losses, dtype=np.float64)
        bad = ~np.isfinite(chunk_losses) | (chunk_losses > config.divergence_loss)
        if bad.any() or not _finite_tree(new_state.model):
            first = chunk_start + (
                int(np.argmax(bad)) if bad.any() else len(chunk_losses) - 1
            )
            diverged = True
            message = (
                f"diverged in epoch {first} "
                f"(loss {chunk_losses[first - chunk_start]:.3g}); "
                f"kept the model of epoch {chunk_start}"
            )
            logger.warning("training %s", message)
            break
        state = new_state
        losses.extend(chunk_losses.tolist())

        latent = np.asarray(
            generate_latent(
                state.model, x0_validation, config.evaluation_steps, config.transient
            )
        )
        generated = latent[:, : state.model.num_observed]
        topology = topology_check(state.model, latent, config)
        d_stsp = state_space_divergence(validation, generated, num_bins=config.num_bins)
        d_h = hellinger_spectrum_distance(
            validation, generated, sigma=config.spectrum_sigma
        )
        evaluation = Evaluation(
            epoch=chunk_end,
            loss=float(chunk_losses[-1]),
            d_stsp=float(d_stsp),
            d_h=float(d_h),
            alpha=float(state.alpha),
            learning_rate=float(schedule(int(state.step))),
            subregions_used=topology.subregions_used,
            real_fixed_points=topology.real_fixed_points,
            unstable_directions=topology.unstable_directions,
            eligible=topology.eligible,
        )
        evaluations.append(evaluation)
        logger.info(
            "epoch %d loss %.5f D_stsp %.3f D_H %.3f alpha %.3f regions %d "
            "real fixed points %d unstable %s eligible %s",
            chunk_end,
            evaluation.loss,
            d_stsp,
            d_h,
            evaluation.alpha,
            topology.subregions_used,
            topology.real_fixed_points,
            list(topology.unstable_directions),
            topology.eligible,
        )
        score = d_stsp + config.selection_dh_weight * d_h
        if np.isfinite(score) and (
            (topology.eligible and (not best_eligible or score < best_score))
            or (not topology.eligible and not best_eligible and score < best_score)
        ):
            best_model, best_epoch, best_d_stsp = state.model, chunk_end, float(d_stsp)
            best_score = float(score)
            best_eligible = topology.eligible
        if directory is not None:
            meta = dict(meta_base)
            meta.update(
                epoch=chunk_end,
                best_epoch=best_epoch,
                best_d_stsp=best_d_stsp if np.isfinite(best_d_stsp) else None,
                best_score=best_score if np.isfinite(best_score) else None,
                best_eligible=best_eligible,
                losses=losses,
                evaluations=[e._asdict() for e in evaluations],
            )
            _save_checkpoint(directory, state, best_model, meta)
            checkpoints.save_model(
                state.model, directory / "models" / f"epoch_{chunk_end:06d}"
            )

    if best_epoch < 0:
        best_model = state.model
    return TrainingResult(
        model=state.model,
        best_model=best_model,
        best_epoch=best_epoch,
        best_d_stsp=best_d_stsp,
        losses=np.asarray(losses),
        evaluations=evaluations,
        diverged=diverged,
        message=message,
        epochs_completed=len(losses),
        seconds=time.perf_counter() - started,
        selection_met=best_eligible,
    )


def _evaluation_from_json(entry: dict[str, Any]) -> Evaluation:
    """An :class:`Evaluation` from its checkpoint JSON (``None`` stands for NaN)."""
    values = {k: float("nan") if v is None else v for k, v in entry.items()}
    if "unstable_directions" in values:
        values["unstable_directions"] = tuple(values["unstable_directions"])
    return Evaluation(**values)
