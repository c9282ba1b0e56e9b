"""Trajectories: episodes of states, actions and rewards, in memory.

A :class:`Trajectory` stores *rows*: row ``k`` of an episode holds the state ``s_k``,
and, when it is not the episode's last row, the transition that leaves it: the
action ``a_k``, the reward ``r_k`` received on reaching ``s_{k+1}`` and the flags
``terminated_k`` / ``truncated_k`` of that step. An episode of ``T`` transitions has
``T + 1`` rows. This is also the layout of every trajectory file
(``docs/trajectory-format.md``), so files round-trip exactly.

States and actions are *named*: a dict from a dotted name (``"theta"``,
``"player.inventory"``) to an array with a leading row axis, ``(N, *shape)``. Flat
vector states have one scalar column per name; pytree states (such as Crafter-OO's)
are flattened with :func:`flatten_tree` and rebuilt with :func:`unflatten_tree`.

:meth:`Trajectory.transitions` gives the ``N - E`` transitions of ``E`` episodes as
aligned batches, which is what model fitting consumes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import numpy as np

PyTree = Any


class TrajectoryFileError(ValueError):
    """A trajectory file (or in-memory trajectory) that cannot be used as it is.

    **Attributes:**

    - ``code``: the error kind, one of the codes listed in
      ``docs/trajectory-format.md`` (e.g. ``"ragged-row"``).
    - ``path``: the file at fault (``None`` for in-memory data).
    - ``row``: the 1-based line (CSV) or 0-based row index (NPZ/Parquet), or ``None``.
    - ``column``: the column at fault, or ``None``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        path: Any = None,
        row: int | None = None,
        column: str | None = None,
    ):
        self.code = code
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(
            f"{prefix}: {message} [{code}]" if prefix else f"{message} [{code}]"
        )


class Transitions(NamedTuple):
    """Aligned batches of ``B`` transitions (every field has leading axis ``B``).

    - ``state``, ``next_state``, ``action``: dicts of named arrays ``(B, *shape)``.
    - ``reward``: float64 ``(B,)``; ``terminated``, ``truncated``: bool ``(B,)``.
    - ``episode``, ``step``: int64 ``(B,)``, the episode and step of the source row.
    - ``time``, ``next_time``: float64 ``(B,)`` or ``None`` without a time column.
    """

    state: dict[str, np.ndarray]
    action: dict[str, np.ndarray]
    reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    next_state: dict[str, np.ndarray]
    episode: np.ndarray
    step: np.ndarray
    time: np.ndarray | None
    next_time: np.ndarray | None


def flatten_tree(tree: PyTree, prefix: str = "") -> dict[str, np.ndarray]:
    """Name every leaf of a pytree by its dotted path (``"player.inventory"``).

    Dataclass fields and dict keys become names; sequence positions become digits.
    """
    flat: dict[str, np.ndarray] = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        parts = []
        for entry in path:
            if isinstance(entry, jax.tree_util.GetAttrKey):
                parts.append(entry.name)
            elif isinstance(entry, jax.tree_util.DictKey):
                parts.append(str(entry.key))
            elif isinstance(entry, jax.tree_util.SequenceKey):
                parts.append(str(entry.idx))
            else:
                parts.append(str(entry))
        name = ".".join(parts) if parts else "value"
        flat[prefix + name] = np.asarray(leaf)
    return flat


def unflatten_tree(flat: Mapping[str, Any], like: PyTree) -> PyTree:
    """Rebuild a pytree shaped like ``like`` from :func:`flatten_tree` names."""
    names = list(flatten_tree(like))
    missing = [name for name in names if name not in flat]
    if missing:
        raise TrajectoryFileError(
            "missing-column",
            f"cannot rebuild the state: no column for {missing[:5]}",
        )
    treedef = jax.tree_util.tree_structure(like)
    return jax.tree_util.tree_unflatten(treedef, [flat[name] for name in names])


@dataclasses.dataclass(frozen=True, eq=False)
class Trajectory:
    """Episodes of rows (see the module docstring for the layout).

    **Fields** (``N`` rows):

    - ``episode``: int64 ``(N,)``, rows of one episode are contiguous.
    - ``step``: int64 ``(N,)``, 0, 1, 2, ... within each episode.
    - ``state``: dict name -> ``(N, *shape)`` array.
    - ``action``: dict name -> ``(N, *shape)`` array; the value on an episode's last
      row is a fill (0) and carries no meaning.
    - ``reward``: float64 ``(N,)``; ``terminated``, ``truncated``: bool ``(N,)``,
      each describing the transition that leaves the row (0/False on last rows).
    - ``time``: float64 ``(N,)`` or ``None``.
    - ``metadata``: free JSON-serialisable facts (env id, seed, ...).
    """

    episode: np.ndarray
    step: np.ndarray
    state: dict[str, np.ndarray]
    action: dict[str, np.ndarray]
    reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    time: np.ndarray | None = None
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        rows = len(self.episode)
        fields = {
            "step": self.step,
            "reward": self.reward,
            "terminated": self.terminated,
            "truncated": self.truncated,
        }
        fields.update({f"state {k!r}": v for k, v in self.state.items()})
        fields.update({f"action {k!r}": v for k, v in self.action.items()})
        if self.time is not None:
            fields["time"] = self.time
        for name, values in fields.items():
            if len(values) != rows:
                raise TrajectoryFileError(
                    "ragged-row",
                    f"{name} has {len(values)} rows but episode has {rows}",
                )
        if not self.state:
            raise TrajectoryFileError("missing-column", "a trajectory needs a state")
        overlap = set(self.state) & set(self.action)
        if overlap:
            raise TrajectoryFileError(
                "duplicate-column",
                f"names used for both state and action: {sorted(overlap)}",
            )

    # -- shape ---------------------------------------------------------------------

    @property
    def num_rows(self) -> int:
        return int(len(self.episode))

    @property
    def last_row(self) -> np.ndarray:
        """bool ``(N,)``: True on the final row of each episode."""
        last = np.ones(self.num_rows, dtype=bool)
        if self.num_rows > 1:
            last[:-1] = self.episode[1:] != self.episode[:-1]
        return last

    @property
    def successor(self) -> np.ndarray:
        """bool ``(N,)``: True where the next row continues the same episode at
        ``step + 1``, i.e. where a transition leaves the row. Rows removed from the
        middle of an episode (see ``drop_nonfinite`` in the readers) thus remove the
        transitions that touch them and never join the rows around the gap."""
        following = np.zeros(self.num_rows, dtype=bool)
        if self.num_rows > 1:
            following[:-1] = (self.episode[1:] == self.episode[:-1]) & (
                self.step[1:] == self.step[:-1] + 1
            )
        return following

    @property
    def num_episodes(self) -> int:
        return int(self.last_row.sum())

    @property
    def num_transitions(self) -> int:
        return int(self.successor.sum())

    @property
    def episode_ids(self) -> np.ndarray:
        """The episode ids in order of appearance."""
        return self.episode[self.last_row]

    # -- views ---------------------------------------------------------------------

    def transitions(self) -> Transitions:
        """All transitions as aligned batches (see :attr:`successor`)."""
        leaving = self.successor
        arriving = np.roll(leaving, 1)
        if self.num_rows:
            arriving[0] = False

        return Transitions(
            state={k: v[leaving] for k, v in self.state.items()},
            action={k: v[leaving] for k, v in self.action.items()},
            reward=self.reward[leaving],
            terminated=self.terminated[leaving],
            truncated=self.truncated[leaving],
            next_state={k: v[arriving] for k, v in self.state.items()},
            episode=self.episode[leaving],
            step=self.step[leaving],
            time=None if self.time is None else self.time[leaving],
            next_time=None if self.time is None else self.time[arriving],
        )

    def state_matrix(self, names: list[str] | None = None) -> np.ndarray:
        """float64 ``(N, D)``: the named state columns side by side (flat states)."""
        return _matrix(self.state, names, "state")

    def action_matrix(self, names: list[str] | None = None) -> np.ndarray:
        """float64 ``(N, A)``: the named action columns side by side."""
        return _matrix(self.action, names, "action")

    def select_episodes(self, ids: Any) -> Trajectory:
        """A new trajectory with only the episodes whose id is in ``ids``."""
        mask = np.isin(self.episode, np.asarray(ids))
        return self.select_rows(mask)

    def select_rows(self, mask: np.ndarray) -> Trajectory:
        """A new trajectory of the rows where ``mask`` is True (whole episodes only
        keep their meaning; the caller is responsible for that)."""
        return Trajectory(
            episode=self.episode[mask],
            step=self.step[mask],
            state={k: v[mask] for k, v in self.state.items()},
            action={k: v[mask] for k, v in self.action.items()},
            reward=self.reward[mask],
            terminated=self.terminated[mask],
            truncated=self.truncated[mask],
            time=None if self.time is None else self.time[mask],
            metadata=dict(self.metadata),
        )

    def __eq__(self, other: object) -> bool:
        """``a == b``: :meth:`equals` with dtypes checked, and equal metadata."""
        if not isinstance(other, Trajectory):
            return NotImplemented
        return self.equals(other) and self.metadata == other.metadata

    __hash__ = None  # mutable arrays inside: not hashable

    def equals(self, other: Trajectory, *, check_dtype: bool = True) -> bool:
        """Exact equality of every column: same values bit for bit (NaN equals NaN,
        -0.0 differs from 0.0) and, with ``check_dtype``, the same dtypes. Metadata
        is ignored. CSV keeps values but not dtypes (float32 reads back as float64),
        so compare a CSV round trip with ``check_dtype=False``."""

        def same(a: Any, b: Any) -> bool:
            if a is None or b is None:
                return a is None and b is None
            a, b = np.asarray(a), np.asarray(b)
            if check_dtype and a.dtype != b.dtype:
                return False
            if a.dtype.kind == "f" and b.dtype.kind == "f" and a.shape == b.shape:
                if not np.array_equal(np.signbit(a), np.signbit(b)):
                    return False
            return a.shape == b.shape and bool(
                np.array_equal(a, b, equal_nan=_nan_ok(a))
            )

        return (
            same(self.episode, other.episode)
            and same(self.step, other.step)
            and self.state.keys() == other.state.keys()
            and self.action.keys() == other.action.keys()
            and all(same(v, other.state[k]) for k, v in self.state.items())
            and all(same(v, other.action[k]) for k, v in self.action.items())
            and same(self.reward, other.reward)
            and same(self.terminated, other.terminated)
            and same(self.truncated, other.truncated)
            and same(self.time, other.time)
        )


def _nan_ok(values: np.ndarray) -> bool:
    return np.issubdtype(values.dtype, np.floating) or np.issubdtype(
        values.dtype, np.complexfloating
    )


def _matrix(
    columns: dict[str, np.ndarray], names: list[str] | None, kind: str
) -> np.ndarray:
    names = list(columns) if names is None else names
    parts = []
    for name in names:
        if name not in columns:
            raise TrajectoryFileError(
                "unknown-column", f"no {kind} column {name!r}", column=name
            )
        values = np.asarray(columns[name], dtype=np.float64)
        parts.append(values.reshape(len(values), -1))
    if not parts:
        return np.zeros((0, 0))
    return np.concatenate(parts, axis=1)
