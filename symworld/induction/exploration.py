"""One life of exploration: a single episode, no reset, that seeks novelty and
tries to stay alive.

The explorer reads states through the schema's roles only (``player.position``,
``map``, ``entity.alive``, ``entity.position``, ``entity.health``,
``inventory*``) plus what it measures while it lives; environment knowledge
that one life cannot learn comes from optional
:class:`~symworld.induction.hints.ExplorationHints` (for Crafter-OO: lava kills
on entry). Two policies share the loop:

**Situation novelty** (any schema, and a grid world's first steps): keep a count
of every (situation, action) pair and take a least-tried action of the current
situation (ties broken by the seeded generator). A situation is the values of
the two-valued sites and which inventory counts are non-zero.

**Grid novelty with drives** (once the facing and the moving actions are
measured). Learnt online, from the data of this life:

- the *facing* attribute (the scalar whose value after every one-cell move
  names the move's step) and each facing value's step; the *moving actions*
  (an action that moves the player by the same step in at least 90% of the
  moves it causes); which grid values the player can stand on;
- the object table's *kind* column (a small column that never changes while an
  object lives), *harmful kinds* (those next to the player when health fell,
  per step they stood next to it) and
  the *attack* action (the one that lowered a faced object's ``entity.health``);
- *vitals*: inventory sites that fall even on steps of a moving action
  (food, drink, energy, health in Crafter), and the *health* vital (the one
  that falls when the reward is negative); a vital's *satisfiers*: the
  (action, targeted thing) pairs after which it rose, and *rest* actions — an
  action that switched on a two-valued site without moving the player, during
  which the vital kept rising (sleeping); while such a mode is on, nothing
  counts as tried (the environment may ignore the action);
- *blocking* values (a move into them failed), *builds* (an action that turned
  the targeted cell into a value the player cannot stand on, from one it
  stood on or spending items: a table on sand never walked on) and *digs* (an
  action that opened a blocking targeted cell spending nothing, and the items
  it needed); *working* actions (one that gained an item, changed a cell or
  restored a vital that never rises on a walk: drinking makes ``do`` worth
  trying on a tree or a cow).

Each step, in order: keep resting while a rest mode lasts; stay in, seal or
leave a den (:mod:`symworld.induction.shelter`: a two-cell dead end sealed by a
build that can be dug open again; sealed in, an untried hinted rest is tried
when a vital nothing restores is critical) when heading for one; when weak,
step away from close threats unless a vital it can restore is critical; fight
a harmful object standing next to the player (the kind that hurt most first;
a faced object is not worn down further while a proven threat is adjacent); when a
vital is low, walk to the nearest place where a satisfier applies and use it
until it is nearly full (for a rest action: in a den, or in a sheltered cell —
few walkable neighbours, few cells where harmful creatures were seen — when no
creature that hurt the player is near); on alert, go to a den or hide in a
sheltered cell; then the first-day plan: bring a held *material* (an item some
change spent) to what the player built (a table) while an action that never
made anything was never tried there holding it (a craft may need it), try a
discovery's action that spent items once on another kind of thing close by
while holding them (a control: it tells the inducer what the target must
be), repeat discoveries (below), and keep a stock of each item a reliable source gives
without spending anything (a tree: the largest cost of a discovered change,
:data:`HOLDING_CAP` while an action that never made anything was never tried
holding that many); otherwise walk to the nearest
*untried* pair of (action, targeted thing) under the current *holding* (the
non-vital inventory counts, capped at 3), so that a new holding (2 wood, a
pickaxe) makes old targets new again, preferring actions that never changed
anything yet (placing and crafting) and pairs that gained an item; when nothing
untried is reachable, the
least-tried pair, trading tries against distance. While a vital with no
known way up is low (*searching*), the plan's crafts, controls and restocks
wait (repeats do not), and never-tried pairs on things no *working* action was
tried on yet come first (``_search_order``: a noop or a move into water does
not use up the water's appeal before ``do`` was tried there), and no object of
a kind presumed harmful is sought. Paths are shortest paths
(breadth first) over cells of walkable values, free of objects and of hazards.

*The daylight curriculum* (by day and in the evening, before any den; not on
alert, not heading for a den): while a vital with no known way up is low, a
working action is first taken to a kind of thing it was never tried on
(``_contact``, within :data:`CONTACT_REACH` steps: ``do`` gave wood at a tree,
so it is tried at the water); then repeats of discoveries (a second pickaxe
does not wait for the sword tries at the table; a second table waits only
until something was made at a built thing), crafts pending at what was built,
a full stock (:data:`HOLDING_CAP`) of a gathered item tried with every action
that never made anything on the ground at hand (``_at_hand``, within
:data:`HAND_REACH` steps: a table needs 2 wood), restocks, and new contacts.
A count that falls on a step that made nothing (no count rose, the targeted
cell stayed and no object appeared on it: a planted sapling is spent, not
decayed) is a vital, whatever the action; holdings name their item sites,
so that the tries counted under earlier holdings are projected onto the items
left when a site turns out to be a vital (``_rekey``).

With a hinted light (``ExplorationHints.dark``: Crafter-OO's daylight), the
evening (the light falling within :data:`DUSK_MARGIN` of its dark level) tops
up vitals below :data:`EVENING_VITAL` and heads for a den (with no den to
be had, it first tries working actions on blocking values never tried under
its holding within :data:`STOCK_REACH` steps: a new tool may dig them, and a
den can then be dug out, ``_opening``); in the dark the
player stays in a sealed den (resting while it can) or hides, and never rests
in the open; by day an alert is met in the open unless health is low, a vital
below :data:`EVENING_VITAL` is topped up when a known way up is within
:data:`NEAR_SOURCE` steps, and repeats keep no den's seal on top. Hidden in
the open and waiting, the player repeats a discovery still short of support
within :data:`HIDE_REACH` cells (a table on grass at hand, then the pickaxe at
it), even while a craft try at an older table is pending, and re-gathers what
it spends there (``_reproduce`` with ``reach``); a craft's repeat may use any
table the player built (``_near``). A sealed
den is not dug open while a proven threat is within :data:`LURK_RADIUS`, unless
a vital is critical in full daylight (the light :data:`DUSK_MARGIN` above its
dark level: ``bright``). A cell of a value a dig leaves counts as open when
entering a den although the player never stood on one, and a den is sealed
only while its gate holds a value known to block or built. What
a dig needs is told apart by tries that did not dig (see ``_needs``).

The episode ends early only when the environment terminates (the life is over);
truncation by a time limit is ignored, as one life has no reset.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter, defaultdict
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.induction.explorer_settings import (
    ALERT_RADIUS,
    ALERT_STEPS,
    ATTACK_RATE,
    CONTACT_REACH,
    CONTRAST_REACH,
    CRITICAL_VITAL,
    DUSK_MARGIN,
    ENGAGE_RADIUS,
    EVENING_VITAL,
    FLEE_HEALTH,
    FRESH_BONUS,
    HAND_REACH,
    HARM_RATE,
    HARM_REACH,
    HIDE_REACH,
    HOLDING_CAP,
    KIND_SLIP,
    LOW_VITAL,
    MAX_OUTSIDE,
    MEASURE_USES,
    NEAR_APPEAL,
    NEAR_SOURCE,
    PRODUCTIVE_BONUS,
    PROVEN_HARMS,
    REPRODUCE_FAILS,
    REPRODUCE_SUPPORT,
    REST_RADIUS,
    REST_VITAL,
    SATED_VITAL,
    SATISFIER_RATE,
    SEARCH_REACH,
    SEARCH_SPREAD,
    STOCK_RATE,
    STOCK_REACH,
    TRUST_PRESENCE,
    TRY_COST,
    UNPROVEN_BONUS,
    WORKING_BONUS,
)
from symworld.induction.hints import ExplorationHints, hints_for
from symworld.induction.navigation import UNREACHED, distances, first_step, shift
from symworld.induction.shelter import Den, Sheltering
from symworld.programs.attributes import Schema, site_names
from symworld.trajectory import Trajectory, flatten_tree

logger = logging.getLogger(__name__)

PyTree = Any


@dataclasses.dataclass
class _Discovery:
    """A new kind of change: ``pair`` (action, target) caused it, spending
    ``cost`` (item site -> count); ``cell``: the targeted cell then (or ``None``);
    ``count``: times seen; ``fails``: repeats with the items held that did not
    cause it."""

    pair: tuple
    cost: dict[int, int]
    cell: tuple[int, int] | None
    count: int = 1
    fails: int = 0


@dataclasses.dataclass(frozen=True)
class Exploration:
    """One life: ``T`` transitions (states and next states are pytrees with a
    leading axis ``T``; ``actions`` int32 ``(T,)``; ``rewards`` float32 ``(T,)``),
    whether the life ended (``died``) and the seed."""

    states: PyTree
    actions: np.ndarray
    next_states: PyTree
    rewards: np.ndarray
    died: bool
    seed: int
    env_id: str
    reasons: tuple[str, ...] = ()

    @property
    def num_transitions(self) -> int:
        return int(self.actions.shape[0])

    def to_trajectory(self) -> Trajectory:
        """The life as a one-episode :class:`~symworld.trajectory.Trajectory`."""
        first = flatten_tree(self.states)
        last = flatten_tree(self.next_states)
        state = {k: np.concatenate([first[k], last[k][-1:]], axis=0) for k in first}
        rows = self.num_transitions + 1
        action = np.concatenate([self.actions, [0]]).astype(np.int64)
        terminated = np.zeros(rows, bool)
        terminated[-2] = self.died
        return Trajectory(
            episode=np.zeros(rows, np.int64),
            step=np.arange(rows, dtype=np.int64),
            state=state,
            action={"action": action},
            reward=np.concatenate([self.rewards, [0.0]]).astype(np.float64),
            terminated=terminated,
            truncated=np.zeros(rows, bool),
            metadata={
                "env_id": self.env_id,
                "seed": self.seed,
                "policy": "one-life novelty with drives",
            },
        )


def _role_sites(schema: Schema, role: str) -> list[tuple[int, Any]]:
    offsets = schema.offsets
    return [
        (int(offsets[k]), a) for k, a in enumerate(schema.attributes) if a.role == role
    ]


class _Layout:
    """Where the explorer's quantities sit in an encoded state (schema roles)."""

    def __init__(self, schema: Schema, hints: ExplorationHints):
        offsets = schema.offsets
        self.binary: list[int] = []
        self.inventory: list[int] = []
        self.inventory_high: list[int] = []
        self.scalars: list[int] = []  # facing candidates
        for k, attribute in enumerate(schema.attributes):
            start = int(offsets[k])
            if attribute.role.startswith("inventory"):
                self.inventory += range(start, start + attribute.size)
                self.inventory_high += [attribute.high] * attribute.size
                continue
            if attribute.size > 32 or attribute.role.startswith(("map", "entity.")):
                continue
            if attribute.domain_size == 2 and attribute.role != "clock":
                self.binary += range(start, start + attribute.size)
            if attribute.size == 1 and attribute.domain_size <= 16:
                if not attribute.role:
                    self.scalars.append(start)
        self.light: tuple[int, float, float] | None = None  # (site, low, high)
        if hints.dark is not None:
            for k, attribute in enumerate(schema.attributes):
                if attribute.name == hints.dark[0] and attribute.size == 1:
                    low, high = float(attribute.low), float(attribute.high)
                    self.light = (int(offsets[k]), low, high)
            if self.light is None:
                raise ValueError(
                    f"exploration hint dark names {hints.dark[0]!r}, which is not "
                    "a scalar attribute of the schema"
                )
        self.health_role = next(
            (s for s, a in _role_sites(schema, "player.health") if a.size == 1), None
        )
        position = _role_sites(schema, "player.position")
        self.position: tuple[int, int] | None = None
        if len(position) == 1 and position[0][1].size == 2:
            self.position = (position[0][0], position[0][0] + 1)
        elif len(position) == 2 and all(a.size == 1 for _, a in position):
            self.position = (position[0][0], position[1][0])
        facing = _role_sites(schema, "player.facing")
        self.facing_tagged = facing[0][0] if facing and facing[0][1].size == 1 else None
        grids = [(s, a) for s, a in _role_sites(schema, "map") if len(a.shape) == 2]
        self.grid = (grids[0][0], grids[0][1].shape) if grids else None
        alive = _role_sites(schema, "entity.alive")
        where = [
            (s, a)
            for s, a in _role_sites(schema, "entity.position")
            if len(a.shape) == 2 and a.shape[1] == 2
        ]
        self.objects: tuple[int, int, int] | None = None
        self.object_health: int | None = None
        self.kind_candidates: list[tuple[int, int, str]] = []
        self.kind: int | None = None
        if alive and where and self.position is not None:
            count = alive[0][1].size
            self.objects = (alive[0][0], count, where[0][0])
            health = _role_sites(schema, "entity.health")
            if health and health[0][1].size == count:
                self.object_health = health[0][0]
            tagged = _role_sites(schema, "entity.kind")
            for k, attribute in enumerate(schema.attributes):
                start = int(offsets[k])
                if hints.kind == attribute.name or (tagged and tagged[0][0] == start):
                    self.kind = start
                if (
                    attribute.shape == (count,)
                    and not attribute.role
                    and 2 <= attribute.domain_size <= 32
                ):
                    self.kind_candidates.append((start, attribute.low, attribute.name))

    @property
    def grid_ready(self) -> bool:
        return self.position is not None and self.grid is not None


class _GridExplorer(Sheltering):
    """The grid policy's memory and choice (see the module docstring)."""

    def __init__(
        self,
        layout: _Layout,
        num_actions: int,
        hints: ExplorationHints,
        rng: np.random.Generator,
    ):
        self.layout = layout
        self.num_actions = num_actions
        self.hazards = np.asarray(hints.hazards, np.int64)
        self.rest_hints = set(hints.rest_actions)
        self.rng = rng
        self.facing = layout.facing_tagged
        self.facing_votes: dict[int, dict[int, Counter]] = {
            s: defaultdict(Counter) for s in layout.scalars
        }
        self.facing_steps: dict[int, Counter] = defaultdict(Counter)
        self.unit_moves = 0
        self.action_steps: list[Counter] = [Counter() for _ in range(num_actions)]
        self.uses = np.zeros(num_actions, np.int64)
        self.walkable: set[int] = set()
        self.kind = layout.kind
        self.kind_changes: dict[int, int] = defaultdict(int)
        self.kind_values: dict[int, set] = defaultdict(set)
        self.kind_seen: dict[int, int] = defaultdict(int)  # living objects seen
        self.vitals: set[int] = set()
        self.health: int | None = layout.health_role
        self.harm_by_site: Counter = Counter()
        self.harm_kinds: Counter = Counter()
        self.presence: Counter = Counter()
        self.habitat: Counter = Counter()  # grid values harmful creatures stood on
        self.attack = np.zeros(num_actions)  # tries that wore a faced object down
        self.attack_tries = np.zeros(num_actions)  # tries on a faced object
        self.tries: dict[tuple, np.ndarray] = defaultdict(
            lambda: np.zeros(num_actions, np.int64)
        )
        self.pair_tries: Counter = Counter()
        # (action, on the ground) -> the most of each item held at its tries
        self.holding_peak: dict[tuple, dict[int, int]] = {}
        # (action, target) -> the item sites held (more than none) at some try
        self.held_at: dict[tuple, set] = defaultdict(set)
        self.most_held: Counter = Counter()  # (action, item site) -> most held
        self.ground_held: Counter = Counter()  # ... at tries on walkable ground
        self.current_holding: tuple = ()  # ((item site, capped count), ...)
        self.item_sites: tuple = ()  # the item sites the tries are keyed by
        self.topping_up: int | None = None  # the vital being restored
        self.effects: Counter = Counter()  # tries of a pair that gained an item
        self.rises: Counter = Counter()  # (vital, action, target) -> rises
        self.mode_action: dict[int, int] = {}  # binary site -> action that set it
        self.mode_starts: Counter = Counter()  # (binary, action) -> switches on
        self.mode_rises: Counter = Counter()  # (vital, binary, action) -> rises
        self.outside = 0
        self.wander: tuple[int, int] | None = None
        self.target_slot: int | None = None
        self.progress: tuple[int, int] | None = None  # (action, object slot)
        self.alert = 0  # steps of alert left
        self.harm_spots: list[tuple[int, int, int]] = []  # (step, x, y)
        self.shelter: tuple[int, int] | None = None
        self.target_cell: tuple[int, int] | None = None
        self.blocked: Counter = Counter()  # value -> moves into it that failed
        self.builds: dict[int, tuple[int, dict[int, int], set]] = {}
        self.digs: dict[tuple[int, int], tuple[int, set]] = {}
        # (action, cell value) -> the sets of items held at tries that left it
        self.dig_fails: dict[tuple[int, int], set] = defaultdict(set)
        self.changes = np.zeros(num_actions, np.int64)  # uses that changed anything
        self.drifting: set[int] = set()  # inventory sites that changed on walks
        self.walk_rises: set[int] = set()  # inventory sites that rose on walks
        self.working: set[int] = set()  # actions that gained an item or changed a cell
        self.den: Den | None = None
        self.denning = False  # heading to a den or sealed in it
        self.den_steps = 0  # steps spent reaching and sealing the den
        self.den_stuck = 0  # steps spent in a sealed den trying to leave it
        # (action, items that rose, targeted cell before/after) -> its record
        self.discoveries: dict[tuple, _Discovery] = {}
        self.sources: dict[int, Counter] = defaultdict(Counter)  # item -> pairs
        self.reproducing: tuple | None = None  # the discovery being repeated
        self.dark_level = None if hints.dark is None else float(hints.dark[1])
        self.light_seen: float | None = None  # the last light level that differed
        self.light_falling = False
        self.dark = False  # the hinted light is below its level now
        self.daytime = False  # a hinted light, neither dark nor falling towards it

    # -- measured conventions ---------------------------------------------------------
    def moving(self) -> dict[int, tuple[int, int]]:
        """Moving actions and their steps."""
        table = {}
        for action, steps in enumerate(self.action_steps):
            total = sum(steps.values())
            if total < 2:
                continue
            (step, count), *_ = steps.most_common(1)
            if count >= 0.9 * total and total >= 0.1 * max(self.uses[action], 1):
                table[action] = step
        return table

    def directions(self) -> dict[tuple[int, int], int]:
        """Step -> the (first) moving action making it."""
        table: dict[tuple[int, int], int] = {}
        for action, step in sorted(self.moving().items()):
            table.setdefault(step, action)
        return table

    def facing_step(self, encoded: np.ndarray) -> tuple[int, int] | None:
        if self.facing is None:
            return None
        votes = self.facing_steps.get(int(encoded[self.facing]))
        if not votes:
            return None
        return votes.most_common(1)[0][0]

    def ready(self) -> bool:
        """The facing is known and every action was tried often enough
        (:data:`MEASURE_USES`) for the moving actions to be measured."""
        return (
            self.facing is not None
            and len(self.directions()) >= 2
            and all(
                self.uses[a] >= MEASURE_USES
                for a in range(self.num_actions)
                if a not in self.rest_hints
            )
        )

    def _infer_facing(self) -> None:
        if self.facing is not None or self.unit_moves < 8:
            return
        best = None
        for site, table in self.facing_votes.items():
            if not table:
                continue
            majority = sum(c.most_common(1)[0][1] for c in table.values())
            steps = {c.most_common(1)[0][0] for c in table.values()}
            score = majority / self.unit_moves
            if len(steps) >= 2 and len(steps) == len(table) and score >= 0.95:
                if best is None or score > best[0]:
                    best = (score, site)
        if best is not None:
            self.facing = best[1]
            for value, steps in self.facing_votes[best[1]].items():
                self.facing_steps[value] = Counter(steps)
            logger.info("facing inferred: site %d", best[1])

    def _infer_kind(self) -> None:
        if self.layout.kind is not None:
            return
        best = None
        for start, _low, name in self.layout.kind_candidates:
            values = self.kind_values[start]
            # a slot reused within one step may look like a change: tolerate rare
            if self.kind_changes[start] > KIND_SLIP * self.kind_seen[start]:
                continue
            if len(values) < 2:
                continue
            # fewest changes first (a timer that ticks only near the player
            # changes rarely, but it changes), then the most values
            key = (-self.kind_changes[start], len(values), -start)
            if best is None or key > best[0]:
                best = (key, start, name)
        if best is not None and best[1] != self.kind:
            logger.info("object kind column inferred: %s", best[2])
            self.kind = best[1]

    # -- reading a state --------------------------------------------------------------
    def read(self, encoded: np.ndarray) -> dict[str, Any]:
        layout = self.layout
        sx, sy = layout.position
        start, shape = layout.grid
        grid = encoded[start : start + shape[0] * shape[1]].reshape(shape)
        view: dict[str, Any] = {
            "pos": (int(encoded[sx]), int(encoded[sy])),
            "grid": grid,
            "objects": [],
            "encoded": encoded,
        }
        occupied = np.zeros(shape, bool)
        if layout.objects is not None:
            alive_start, count, where = layout.objects
            alive = encoded[alive_start : alive_start + count] != 0
            xy = encoded[where : where + 2 * count].reshape(count, 2)
            kinds = (
                encoded[self.kind : self.kind + count]
                if self.kind is not None
                else np.full(count, -1)
            )
            for slot in np.flatnonzero(alive):
                x, y = int(xy[slot, 0]), int(xy[slot, 1])
                if 0 <= x < shape[0] and 0 <= y < shape[1]:
                    occupied[x, y] = True
                    view["objects"].append((slot, x, y, int(kinds[slot])))
        view["occupied"] = occupied
        return view

    def items(self) -> list[int]:
        """Inventory sites that are not vitals (nor the health), nor changed
        by themselves (on a step the player walked: health regained)."""
        return [
            s
            for s in self.layout.inventory
            if s not in self.vitals and s != self.health and s not in self.drifting
        ]

    def holding(self, encoded: np.ndarray) -> tuple:
        """``((item site, count capped at HOLDING_CAP), ...)`` over ``items()``.

        The sites travel with the counts: when a site turns out to be a vital
        (food falls on a walk), earlier holdings are projected onto the items
        left (``_rekey``) instead of every holding becoming new."""
        self._rekey()
        return tuple((s, min(int(encoded[s]), HOLDING_CAP)) for s in self.items())

    def _rekey(self) -> None:
        """Project the tries counted under earlier holdings onto the current
        item sites (a site that became a vital or drifts is dropped; tries
        under holdings that now coincide are added up)."""
        sites = tuple(self.items())
        if sites == self.item_sites:
            return
        self.item_sites = sites
        kept = set(sites)
        tries: dict[tuple, np.ndarray] = defaultdict(
            lambda: np.zeros(self.num_actions, np.int64)
        )
        for (holding, target), counts in self.tries.items():
            projected = tuple((s, h) for s, h in holding if s in kept)
            tries[(projected, target)] = tries[(projected, target)] + counts
        self.tries = tries
        self.holding_peak = {
            key: {s: h for s, h in peak.items() if s in kept}
            for key, peak in self.holding_peak.items()
        }

    def target_of(self, view: dict, encoded: np.ndarray, action: int) -> tuple:
        """What ``action`` targets: ``("o", kind)`` for an object on the cell,
        ``("c", value)`` for a grid cell, ``("c", -1)`` off the grid."""
        self.target_cell = None
        step = self.moving().get(action) or self.facing_step(encoded)
        if step is None:
            return ("c", -1)
        x, y = view["pos"][0] + step[0], view["pos"][1] + step[1]
        grid = view["grid"]
        if not (0 <= x < grid.shape[0] and 0 <= y < grid.shape[1]):
            return ("c", -1)
        self.target_slot = None
        self.target_cell = (x, y)
        for slot, ox, oy, kind in view["objects"]:
            if (ox, oy) == (x, y):
                self.target_slot = int(slot)
                return ("o", kind)
        return ("c", int(grid[x, y]))

    # -- learning from one transition -------------------------------------------------
    def observe(
        self,
        encoded: np.ndarray,
        action: int,
        reward: float,
        following: np.ndarray,
        view: dict,
        target: tuple,
    ) -> None:
        layout = self.layout
        sx, sy = layout.position
        step = (int(following[sx] - encoded[sx]), int(following[sy] - encoded[sy]))
        self.uses[action] += 1
        moved = step != (0, 0)
        if abs(step[0]) + abs(step[1]) == 1:
            self.unit_moves += 1
            self.action_steps[action][step] += 1
            for site, table in self.facing_votes.items():
                table[int(following[site])][step] += 1
            if self.facing is not None:
                self.facing_steps[int(following[self.facing])][step] += 1
        start, shape = layout.grid
        nx, ny = int(following[sx]), int(following[sy])
        if 0 <= nx < shape[0] and 0 <= ny < shape[1]:
            self.walkable.add(int(following[start + nx * shape[1] + ny]))
        self._infer_facing()
        if moved or action in self.moving():  # the action spent nothing on purpose
            for site in layout.inventory:
                if following[site] != encoded[site]:
                    self.drifting.add(site)
        self._learn_cells(encoded, action, following, target, moved)
        # objects: kind column, attacks
        if layout.objects is not None:
            alive_start, count, _ = layout.objects
            alive = (encoded[alive_start : alive_start + count] != 0) & (
                following[alive_start : alive_start + count] != 0
            )
            # the same object: alive on both sides and at most one cell moved
            # (a slot reused within one step usually jumps)
            where = layout.objects[2]
            jump = np.abs(
                following[where : where + 2 * count].reshape(count, 2)
                - encoded[where : where + 2 * count].reshape(count, 2)
            ).sum(axis=1)
            same = alive & (jump <= 1)
            for column, _, _ in layout.kind_candidates:
                before = encoded[column : column + count][same]
                after = following[column : column + count][same]
                self.kind_changes[column] += int(np.sum(before != after))
                self.kind_values[column].update(before.tolist())
                self.kind_seen[column] += int(same.sum())
            if self.uses.sum() % 25 == 0:
                self._infer_kind()
            if layout.object_health is not None and target[0] == "o":
                health = layout.object_health
                fell = (
                    following[health : health + count]
                    < encoded[health : health + count]
                )
                slot = self.target_slot
                if slot is not None:
                    self.attack_tries[action] += 1
                if slot is not None and fell[slot]:
                    self.attack[action] += 1
                    if alive[slot]:
                        self.progress = (action, slot)
        # vitals, health, satisfiers, rest modes
        walking = moved or action in self.moving()  # spends nothing on purpose
        # a count that fell on a step that made nothing (no count rose, the
        # targeted cell stayed, no object appeared on it: a sapling spent on a
        # plant placed there is no decay) was not spent: it decays by itself,
        # whatever the action (drink falling during a craft try that failed)
        fell = [site for site in layout.inventory if following[site] < encoded[site]]
        idle = (
            bool(fell)
            and not walking
            and not self._cell_change(encoded, following, target)
            and not any(following[s] > encoded[s] for s in layout.inventory)
            and not self._placed(view, following)
        )
        for site in fell:
            if walking or idle:
                self.vitals.add(site)
            if reward < 0:
                self.harm_by_site[site] += 1
        if self.health is None and self.harm_by_site:
            self.health = self.harm_by_site.most_common(1)[0][0]
        engaged = not self.in_mode(encoded)  # the action was the player's
        self.pair_tries[(action, target)] += int(engaged)
        gained = any(following[site] > encoded[site] for site in self.items())
        self.effects[(action, target)] += int(gained and engaged)
        rose = [s for s in layout.inventory if following[s] > encoded[s]]
        if walking:  # (health regained on a walk restores nothing by the action)
            self.walk_rises.update(rose)
        # an action that gained an item, or restored a vital that never rose on a
        # walk (drinking), works: it is worth trying on new kinds of things
        restored = not walking and any(
            s in self.vitals and s != self.health and s not in self.walk_rises
            for s in rose
        )
        if (gained or restored) and engaged:
            self.working.add(action)
        if engaged:
            self._discover(encoded, action, following, target, moved)
        for site in layout.inventory:  # a vital may be recognised only later
            delta = int(following[site] - encoded[site])
            if delta > 0:
                self.rises[(site, action, target)] += delta
                for binary, starter in self.mode_action.items():
                    if encoded[binary] == 1 and following[binary] == 1:
                        self.mode_rises[(site, binary, starter)] += delta
        for binary in layout.binary:
            if encoded[binary] == 0 and following[binary] == 1 and not moved:
                self.mode_action[binary] = action
                self.mode_starts[(binary, action)] += 1
        # harm: which kinds stood close when health fell while no vital was
        # exhausted (an empty vital drains health by itself); where they live
        hurt = (
            self.health is not None
            and following[self.health] < encoded[self.health]
            and all(encoded[s] > 0 for s in self.vitals if s != self.health)
        )
        px, py = view["pos"]
        for kind in self._adjacent(following):  # where a harm would be blamed
            self.presence[kind] += 1
        if hurt:
            for kind in self._blamed(view, following):
                self.harm_kinds[kind] += 1
            self.harm_spots.append((int(self.uses.sum()), px, py))
            self.shelter = None
        grid = view["grid"]
        for _, x, y, kind in view["objects"]:
            if self.proven(kind):
                self.habitat[int(grid[x, y])] += 1

    def _blamed(self, view: dict, following: np.ndarray) -> set:
        """Kinds blamed for a harm: those next to the player after the step
        (a creature moves, then strikes), else those within
        :data:`HARM_REACH` before it (a missile gone with its hit)."""
        blamed = self._adjacent(following)
        if blamed:
            return blamed
        px, py = view["pos"]
        return {
            kind
            for _, x, y, kind in view["objects"]
            if abs(x - px) + abs(y - py) <= HARM_REACH
        }

    def _adjacent(self, following: np.ndarray) -> set:
        """Kinds of the objects next to the player (L1 at most 1) in ``following``."""
        after = self.read(following)
        nx, ny = after["pos"]
        return {
            kind for _, x, y, kind in after["objects"] if abs(x - nx) + abs(y - ny) <= 1
        }

    def _learn_cells(
        self,
        encoded: np.ndarray,
        action: int,
        following: np.ndarray,
        target: tuple,
        moved: bool,
    ) -> None:
        """Blocking values (a move into them failed), builds (an action turned an
        open targeted cell into a blocking value, at a cost in items) and digs
        (an action turned a blocking targeted cell into another value, needing
        the items held every time it did)."""
        items = self.items()
        if target[0] == "c" and action in self.moving() and not moved:
            self.blocked[target[1]] += 1
        changed = moved or any(following[s] != encoded[s] for s in items)
        cell = self._cell_change(encoded, following, target)
        if cell:
            before, after = cell
            changed = True
            self.working.add(action)
            held = {s for s in items if encoded[s] > 0}
            cost = self._spent(encoded, following)
            # a build spends items (on a value the player may not have stood
            # on yet: a table on sand); a dig spends nothing
            if after not in self.walkable and (before in self.walkable or cost):
                _, _, sources = self.builds.get(action, (after, cost, set()))
                self.builds[action] = (after, cost, sources | {before})
            elif before not in self.walkable and not moved:
                known = self.digs.get((action, before))
                needs = held if known is None else known[1] & held
                self.digs[(action, before)] = (after, needs)
        elif (
            target[0] == "c"
            and target[1] not in self.walkable
            and not moved
            and action not in self.moving()
        ):
            # a try that left the targeted cell as it was: what was held then is
            # not enough to dig it (kept to tell needed items from held ones)
            held = frozenset(s for s in items if encoded[s] > 0)
            self.dig_fails[(action, target[1])].add(held)
        self.changes[action] += int(changed)

    def _cell_change(
        self, encoded: np.ndarray, following: np.ndarray, target: tuple
    ) -> tuple:
        """``(before, after)`` of the targeted grid cell if it changed, else
        ``()``."""
        if self.target_cell is None or target[0] != "c":
            return ()
        start, shape = self.layout.grid
        index = start + self.target_cell[0] * shape[1] + self.target_cell[1]
        if encoded[index] == following[index]:
            return ()
        return (int(encoded[index]), int(following[index]))

    def _placed(self, view: dict, following: np.ndarray) -> bool:
        """Whether an object stands on the targeted cell after the step that
        did not stand there before it (a plant placed there)."""
        if self.target_cell is None or self.layout.objects is None:
            return False
        before = {(x, y) for _, x, y, _ in view["objects"]}
        after = {(x, y) for _, x, y, _ in self.read(following)["objects"]}
        return self.target_cell in after - before

    def _spent(self, encoded: np.ndarray, following: np.ndarray) -> dict[int, int]:
        """Item site -> how many the step used up."""
        cost = {s: int(encoded[s] - following[s]) for s in self.items()}
        return {s: c for s, c in cost.items() if c > 0}

    def _discover(
        self,
        encoded: np.ndarray,
        action: int,
        following: np.ndarray,
        target: tuple,
        moved: bool,
    ) -> None:
        """Record new kinds of change (items that rose and the targeted cell's
        change, by action) and which pairs gained each item; count a failed
        repeat of the discovery being reproduced."""
        items = self.items()
        rose = tuple(s for s in items if following[s] > encoded[s])
        for site in rose:
            self.sources[site][(action, target)] += 1
        cell = self._cell_change(encoded, following, target)
        signature = (action, rose, cell)
        if (rose or cell) and not moved:
            record = self.discoveries.get(signature)
            if record is None:
                self.discoveries[signature] = _Discovery(
                    (action, target), self._spent(encoded, following), self.target_cell
                )
                logger.info("new change %s by %s", signature, (action, target))
            else:
                record.count += 1
        if self.reproducing is not None:
            record = self.discoveries[self.reproducing]
            if (
                record.pair == (action, target)
                and signature != self.reproducing
                and all(encoded[s] >= c for s, c in record.cost.items())
            ):
                record.fails += 1
            self.reproducing = None

    def _reproduce(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
        reach: int | None = None,
        center: tuple[int, int] | None = None,
    ) -> int | None:
        """The next step towards repeating a new kind of change until the
        inducer can support a law of it (:data:`REPRODUCE_SUPPORT`): the same
        action on the same kind of target, first near the cell where it worked
        (then farther with each failure), after re-gathering the items it spent
        from the pairs that gained them. Discoveries are taken in the order
        they were made (a table before the crafts it made possible), those
        affordable with the items held first. With ``reach`` (cells, L1), only
        targets that close to ``center`` (default: the player) count, and a
        try still pending on a built thing does not hold a repeat back (a
        hidden player waiting)."""
        reserve = self._reserve()
        waiting = []
        around = None
        if reach is not None:
            xs, ys = np.indices(view["grid"].shape)
            x, y = view["pos"] if center is None else center
            around = np.abs(xs - x) + np.abs(ys - y) <= reach
        unsupported = self._unsupported(view, patient=reach is None)
        for signature, record in unsupported:  # in order of discovery
            action, target = record.pair
            short = [
                s
                for s, c in sorted(record.cost.items())
                if encoded[s] < c + reserve.get(s, 0)
            ]
            if short:
                waiting.append((record, short))
                continue
            masks = {target: self._near(target, view, record)}
            if around is not None:
                masks[target] = masks[target] & around
            plan = self._plan(
                [(action, target, 0.0)], view, distance, facing, directions, masks
            )
            if plan is not None:
                self.reproducing = signature
                return plan
        for record, short in waiting:
            pairs = sorted(
                {
                    (a, t, 0.0)
                    for site in short
                    for a, t in self.sources[site]
                    if (a, t) != record.pair
                }
            )
            masks = None
            if around is not None:
                masks = {t: self._target_mask(t, view) & around for _, t, _ in pairs}
            plan = self._plan(pairs, view, distance, facing, directions, masks)
            if plan is not None:
                return plan
        return None

    def _search_order(
        self, novel: list[tuple[int, tuple, float]]
    ) -> list[tuple[int, tuple, float]]:
        """The pairs of ``novel`` never tried in this life, weighted for a
        search (a vital falls with no known way up): a thing no *working*
        action was tried on yet is worth :data:`SEARCH_REACH` tries (a noop or
        a move into water does not use up its appeal before ``use`` was tried
        there), one searched costs a try per :data:`SEARCH_SPREAD` working
        actions tried on it; objects of a harmful kind are not sought."""
        known = Counter(
            t for (a, t), n in self.pair_tries.items() if n and self.works(a)
        )
        return [
            (a, t, known[t] / SEARCH_SPREAD - (0 if known[t] else SEARCH_REACH))
            for a, t, _ in novel
            if not self.pair_tries[(a, t)] and not (t[0] == "o" and self.harmful(t[1]))
        ]

    def _unproven(self) -> list[int]:
        """Actions that never made anything: not moving, not resting, never
        gained an item, changed a cell or restored a vital."""
        moving = self.moving()
        rest = self._rest_actions() | self.rest_hints
        return [
            a
            for a in range(self.num_actions)
            if a not in self.working and a not in moving and a not in rest
        ]

    def _pending(self, site: int, view: dict) -> list[tuple[int, tuple]]:
        """(action, target) pairs on a value the player built (a table) and
        can find on the grid, of an action that never made anything, never
        tried while holding ``site``: a craft there may need it."""
        built = sorted({value for value, _, _ in self.builds.values()})
        present = [("c", v) for v in built if (view["grid"] == v).any()]
        return [
            (a, target)
            for target in present
            for a in self._unproven()
            if site not in self.held_at[(a, target)]
        ]

    def _stock_level(self, site: int, view: dict) -> int:
        """How many of ``site`` to keep: the largest cost of a discovered
        change (with a den's seal on top while it is still to be repeated),
        one while a try on a built thing with it is pending, and
        :data:`HOLDING_CAP` (the most the holding tells apart) while an action
        that never made anything was never tried holding that many."""
        level = max((r.cost.get(site, 0) for r in self.discoveries.values()), default=0)
        reserve = self._reserve().get(site, 0)
        for _, record in self._unsupported(view):  # what repeating it needs
            if site in record.cost:
                level = max(level, record.cost[site] + reserve)
        if self._pending(site, view):
            level = max(level, 1)
        if any(self.most_held[(a, site)] < HOLDING_CAP for a in self._unproven()):
            level = max(level, HOLDING_CAP)
        return level

    def _restock(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step to the nearest reliable source (a pair that gained the
        item on at least :data:`STOCK_RATE` of its tries, spending nothing:
        gathering, not crafting) of an item held below
        its stock level (``_stock_level``), within :data:`STOCK_REACH` steps."""
        free = {r.pair for r in self.discoveries.values() if not r.cost}
        pairs = set()
        for site in self.items():
            if not self.sources[site] or encoded[site] >= self._stock_level(site, view):
                continue
            for (a, t), gains in self.sources[site].items():
                reliable = gains >= STOCK_RATE * max(self.pair_tries[(a, t)], 1)
                if reliable and (a, t) in free:  # gathered, not made of others
                    pairs.add((a, t, 0.0))
        if not pairs:
            return None
        return self._plan(
            sorted(pairs), view, distance, facing, directions, limit=STOCK_REACH
        )

    def _contrast(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step to try the action of a discovery that spent items,
        holding them, on a kind of thing other than the one it worked on (a
        control: crafting away from the table), when it never was tried
        elsewhere holding some of each and such a thing is within
        :data:`CONTRAST_REACH` steps."""
        pairs = set()
        for record in self.discoveries.values():
            action, target = record.pair
            if not record.cost or any(encoded[s] < c for s, c in record.cost.items()):
                continue
            others = [t for t in self._targets(view) if t != target]
            if any(set(record.cost) <= self.held_at[(action, t)] for t in others):
                continue  # tried elsewhere holding what it spends
            pairs |= {
                (action, t, 0.0)
                for t in others
                if not (t[0] == "c" and t[1] in self.hazards)
            }
        if not pairs:
            return None
        return self._plan(
            sorted(pairs), view, distance, facing, directions, limit=CONTRAST_REACH
        )

    def _contact(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step to try a *working* action (one that gained an item,
        changed a cell or restored a vital: ``do``) on a kind of thing it was
        never tried on in this life, within :data:`CONTACT_REACH` steps: a tree
        gave wood, so water may give drink. Hazards and objects of a kind
        presumed harmful are left out."""
        moving = self.moving()
        # gathering, not building: an action that made something for free, or
        # that worked without any discovery that spent items (drinking)
        costly = {r.pair[0] for r in self.discoveries.values() if r.cost}
        free = {r.pair[0] for r in self.discoveries.values() if not r.cost}
        actions = [
            a
            for a in sorted(self.working)
            if a not in moving
            and a not in self.builds
            and (a in free or a not in costly)
        ]
        pairs = [
            (action, target, 0.0)
            for target in self._targets(view)
            for action in actions
            if not self.pair_tries[(action, target)]
            and not (target[0] == "c" and target[1] in self.hazards)
            and not (target[0] == "o" and self.harmful(target[1]))
        ]
        if not pairs:
            return None
        return self._plan(
            pairs, view, distance, facing, directions, limit=CONTACT_REACH
        )

    def _at_hand(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step to try, within :data:`HAND_REACH` steps, each action
        that never made anything on ground the player stands on while holding
        a full stock (:data:`HOLDING_CAP`) of a gathered item it was never
        tried holding that many of (a table needs 2 wood in hand)."""
        free = {r.pair for r in self.discoveries.values() if not r.cost}
        gathered = {s for s in self.items() if set(self.sources[s]) & free}
        full = [
            s for s, h in self.current_holding if h >= HOLDING_CAP and s in gathered
        ]
        if not full:
            return None
        ground = [t for t in self._targets(view) if self.ground(t)]
        pairs = []
        for action in self._unproven():
            if any(
                self.ground_held[(action, s)] < dict(self.current_holding)[s]
                for s in full
            ):
                pairs += [(action, t, 0.0) for t in ground]
        if not pairs:
            return None
        return self._plan(pairs, view, distance, facing, directions, limit=HAND_REACH)

    def _craft(
        self,
        pending: list[tuple[int, tuple]],
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step to a try still pending on something built (``_pending``),
        within :data:`STOCK_REACH` steps."""
        return self._plan(
            [(a, t, 0.0) for a, t in pending],
            view,
            distance,
            facing,
            directions,
            limit=STOCK_REACH,
        )

    def _reserve(self) -> dict[int, int]:
        """The items of the cheapest known build (a den's seal), kept on top of
        what repeating a discovery spends; none by (hinted) day, when the
        evening's drives still have time to gather them."""
        costs = [] if self.daytime else self._den_costs()
        return min(
            costs, key=lambda c: (sum(c.values()), sorted(c.items())), default={}
        )

    def _unsupported(
        self, view: dict, patient: bool = True
    ) -> list[tuple[tuple, _Discovery]]:
        """Discoveries still to repeat, in the order made: seen fewer than
        :data:`REPRODUCE_SUPPORT` times, not given up, and (``patient``) none
        away from what was built spending an item that a try on something
        built still waits for (``_pending``: a second table waits until
        crafting at the first was tried with wood; a second pickaxe does not
        wait for the sword tries at the table)."""
        built = {("c", value) for value, _, _ in self.builds.values()}
        # once something was made at a built thing (a pickaxe at the table),
        # a second table no longer waits for the other craft tries
        patient &= not any(r.pair[1] in built for r in self.discoveries.values())
        return [
            (signature, record)
            for signature, record in self.discoveries.items()
            if record.count < REPRODUCE_SUPPORT
            and record.fails < REPRODUCE_FAILS
            and not (
                patient
                and record.pair[1] not in built  # a craft at the table goes on
                and any(self._pending(s, view) for s in record.cost)
            )
        ]

    def _supply(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step of gathering the items of the cheapest known build,
        when none is affordable (a den cannot be sealed without one), from the
        pairs that ever gained them."""
        costs = self._den_costs()
        if not costs or self._den_tools(encoded) is not None:
            return None
        short = min(
            (sorted(s for s, c in cost.items() if encoded[s] < c) for cost in costs),
            key=lambda missing: (len(missing), missing),
        )
        pairs = sorted({(a, t, 0.0) for site in short for a, t in self.sources[site]})
        return self._plan(pairs, view, distance, facing, directions)

    def _near(self, target: tuple, view: dict, record: _Discovery) -> np.ndarray:
        """Cells of ``target`` within ``record.fails`` cells (Chebyshev) of the
        cell where the discovery happened; anywhere when there are none or after
        three failures; any cell of a value the player built (a craft repeated
        at a second table it placed)."""
        mask = self._target_mask(target, view)
        built = {value for value, _, _ in self.builds.values()}
        if record.cell is None or record.fails >= 3:
            return mask
        if target[0] == "c" and target[1] in built:
            return mask
        xs, ys = np.indices(mask.shape)
        x, y = record.cell
        near = mask & (np.maximum(abs(xs - x), abs(ys - y)) <= record.fails)
        return near if near.any() else mask

    def works(self, action: int) -> bool:
        """A non-moving action that changed a targeted cell or gained an item."""
        return action in self.working and action not in self.moving()

    def ground(self, target: tuple) -> bool:
        """Whether a target is a cell of a value the player can stand on."""
        return target[0] == "c" and target[1] in self.walkable

    def in_mode(self, encoded: np.ndarray) -> bool:
        """A mode the player switched on (sleeping) is on: while it lasts, the
        environment may ignore the chosen action, so tries are not counted."""
        return any(encoded[b] == 1 for b in self.mode_action)

    def idle_action(self) -> int:
        """The non-moving action that changed the fewest things per use."""
        moving = self.moving()
        rates = [
            (self.changes[a] / max(self.uses[a], 1), a)
            for a in range(self.num_actions)
            if a not in moving
        ]
        return min(rates)[1]

    def _fight_order(
        self,
        threats: list[tuple[int, int, int, int, int]],
        pos: tuple[int, int],
        facing: tuple[int, int] | None,
    ) -> list[tuple[int, int, int, int, int]]:
        """``threats`` (L1 gap in cells, slot, x, y, kind) in the order they
        are met: the nearest first; among equally near, the one the player
        faces already (turning between two neighbours, a creature and a
        projectile, hits neither), then the kind that hurt most often."""

        def turned_away(x: int, y: int) -> bool:
            return facing != (x - pos[0], y - pos[1])

        return sorted(
            threats,
            key=lambda t: (t[0], turned_away(t[2], t[3]), -self._harm_rate(t[4]), t[1]),
        )

    def attack_action(self) -> int | None:
        """The action that wore faced objects down on the largest share of its
        tries on them, if that share is at least :data:`ATTACK_RATE`; ``None``
        while no action did (a fall that came with an unrelated try, a creature
        hurt by something else on the same step, does not make that action the
        attack for good: its failed tries outweigh it)."""
        rates = self.attack / np.maximum(self.attack_tries, 1)
        best = int(np.argmax(rates))
        if self.attack[best] > 0 and rates[best] >= ATTACK_RATE:
            return best
        return None

    def proven(self, kind: int) -> bool:
        """Health fell while this kind stood close, often enough."""
        return self.harm_kinds[kind] >= PROVEN_HARMS and (
            self.harm_kinds[kind] >= HARM_RATE * self.presence[kind]
        )

    def _beside(
        self,
        cell: tuple[int, int],
        distance: np.ndarray,
        directions: dict[tuple[int, int], int],
    ) -> tuple[int, int] | None:
        """The nearest reachable cell next to ``cell`` (not the start)."""
        best = None
        for dx, dy in directions:
            x, y = cell[0] - dx, cell[1] - dy
            if not (0 <= x < distance.shape[0] and 0 <= y < distance.shape[1]):
                continue
            if distance[x, y] > 0 and (best is None or distance[x, y] < best[0]):
                best = (int(distance[x, y]), (x, y))
        return None if best is None else best[1]

    def _harm_rate(self, kind: int) -> float:
        """Harms per step the kind stood next to the player."""
        return self.harm_kinds[kind] / max(self.presence[kind], 1)

    def harmful(self, kind: int) -> bool:
        """A kind is harmful while it has stood next to the player (after the
        step, where a harm is blamed on it) on fewer than :data:`TRUST_PRESENCE`
        steps, and afterwards when health fell on at least :data:`HARM_RATE` of
        those steps."""
        if self.presence[kind] < TRUST_PRESENCE:
            return True  # not yet known: presumed harmful
        return self.harm_kinds[kind] >= HARM_RATE * self.presence[kind]

    # -- choosing ---------------------------------------------------------------------
    def night(self, encoded: np.ndarray) -> tuple[bool, bool]:
        """``(dark, evening)`` by the hinted light (``ExplorationHints.dark``):
        below its level, or falling towards it within :data:`DUSK_MARGIN`."""
        light = self.layout.light
        if light is None or self.dark_level is None:
            return False, False
        site, low, high = light
        level = (float(encoded[site]) - low) / max(high - low, 1e-9)
        if self.light_seen is not None and level != self.light_seen:
            self.light_falling = level < self.light_seen
        self.light_seen = level
        dark = level < self.dark_level
        evening = (
            not dark and self.light_falling and level < self.dark_level + DUSK_MARGIN
        )
        return dark, evening

    def bright(self) -> bool:
        """Whether the hinted light is at least :data:`DUSK_MARGIN` above its
        dark level (full day: the creatures of the dark are few again)."""
        if self.light_seen is None or self.dark_level is None:
            return False
        return self.light_seen >= self.dark_level + DUSK_MARGIN

    def resting(self, encoded: np.ndarray) -> int | None:
        """The rest action while a rest mode lasts."""
        for binary, starter in self.mode_action.items():
            if encoded[binary] == 1 and self._rest_vitals(starter):
                return starter
        return None

    def _rest_vitals(self, action: int) -> list[int]:
        """Vitals that rose by at least one per start of a *mode* (a two-valued
        site that ``action`` switched on without moving the player: sleeping,
        not a flag set by entering a place) that ``action`` switched on."""
        found = set()
        for (binary, starter), starts in self.mode_starts.items():
            if starter != action:
                continue
            for site in self.vitals:
                if self.mode_rises[(site, binary, action)] / starts >= 1.0:
                    found.add(site)
        return sorted(found)

    def _last_resort(self, encoded: np.ndarray) -> list[int]:
        """Hinted rest actions never tried, when some vital is critical with no
        known satisfier or rest (a rest tried as a last resort)."""
        started = {a for _, a in self.mode_starts}
        for site in self.vitals:
            if site == self.health:
                continue
            direct = self._direct(site)
            rest = [a for a in self._rest_actions() if site in self._rest_vitals(a)]
            if encoded[site] <= CRITICAL_VITAL * self._high(site) and not (
                direct or rest
            ):
                return sorted(self.rest_hints - started)
        return []

    def _rest_actions(self) -> set[int]:
        return {a for _, a in self.mode_starts if self._rest_vitals(a)}

    def _direct(self, site: int) -> list[tuple[int, tuple]]:
        """Satisfiers of ``site`` other than on a cell of a negative value, and
        other than a rest action (resting has its own rules: in a den, or
        sheltered and calm and not in the dark)."""
        resting = self._rest_actions() | self.rest_hints
        return [
            (a, t)
            for a, t in self._satisfiers(site)
            if (t[0] != "c" or t[1] >= 0) and a not in resting
        ]

    def _satisfiers(self, site: int) -> list[tuple[int, tuple]]:
        found = []
        for (vital, action, target), rises in self.rises.items():
            if vital != site:
                continue
            if rises / max(self.pair_tries[(action, target)], 1) >= SATISFIER_RATE:
                found.append((action, target))
        return sorted(found)

    def choose(self, encoded: np.ndarray, view: dict) -> tuple[int, str]:
        """The next action and why (``"rest"``, ``"fight"``, ``"vital"``,
        ``"novel"``, ``"least"``, ``"wander"``)."""
        dark, evening = self.night(encoded)
        self.dark = dark
        self.daytime = self.layout.light is not None and not (dark or evening)
        rest = self.resting(encoded)
        if rest is not None:
            return rest, "rest"
        directions = self.directions()
        pos = view["pos"]
        grid = view["grid"]
        hazard = np.isin(grid, self.hazards)
        passable = (
            np.isin(grid, np.fromiter(self.walkable, np.int64, len(self.walkable)))
            & ~hazard
            & ~view["occupied"]
        )
        steps = tuple(directions)
        distance = distances(passable, pos, steps)
        facing = self.facing_step(encoded)
        holding = self.holding(encoded)
        self.current_holding = holding

        threats = sorted(
            (abs(x - pos[0]) + abs(y - pos[1]), slot, x, y, kind)
            for slot, x, y, kind in view["objects"]
            if self.harmful(kind)
        )
        raised = self.alert > 0
        if any(d <= ALERT_RADIUS and self.proven(k) for d, *_, k in threats):
            self.alert = ALERT_STEPS

        # (not while a vital it knows how to restore is critical: that drains
        # health whatever it flees or wherever it hides)
        starving = any(
            encoded[v] <= CRITICAL_VITAL * self._high(v) and self._satisfiers(v)
            for v in self.vitals
            if v != self.health
        )
        if self.denning and starving and not self._sealed(view):
            self.denning = False  # restore it first (a sealed den is left by digging)

        # in a den, or on the way to one
        if self.denning:
            adjacent = any(d <= 1 for d, *_ in threats)
            action = self._den_step(encoded, view, distance, facing, directions)
            if action is not None and (self._sealed(view) or not adjacent):
                self.alert = max(self.alert - 1, 0)
                return action, "den"

        # keep doing what wears a faced object down (a cow takes several hits),
        # unless a proven threat other than it stands next to the player
        menaced = any(
            d <= 1 and self.proven(k) and slot != (self.progress or (None, None))[1]
            for d, slot, *_, k in threats
        )
        if self.progress is not None and not menaced:
            action, slot = self.progress
            self.progress = None
            for other, x, y, _ in view["objects"]:
                step = (x - pos[0], y - pos[1])
                if other == slot and step in directions:
                    self.progress = (action, slot)
                    return (action if facing == step else directions[step]), "progress"

        # weak: step away from proven threats that are close but not adjacent
        weak = self.health is not None and encoded[self.health] <= FLEE_HEALTH * (
            self._high(self.health)
        )
        close = [
            (x, y) for d, _, x, y, k in threats if d <= ALERT_RADIUS and self.proven(k)
        ]
        if weak and close and not starving and not any(d <= 1 for d, *_ in threats):
            away = self._flee(pos, close, passable, directions)
            if away is not None:
                return away, "flee"

        # fight a harmful object standing next to the player; approach one
        # presumed harmful (to learn what it does) only when it is alone
        alone = sum(d <= ALERT_RADIUS for d, *_ in threats) == 1
        self.progress = None
        for gap, _, x, y, kind in self._fight_order(threats, pos, facing):
            step = (x - pos[0], y - pos[1])
            if (
                gap <= ENGAGE_RADIUS
                and step not in directions
                and not raised
                and not weak
                and not self.proven(kind)  # a proven threat is avoided, not sought
                and alone
            ):
                goal = self._beside((x, y), distance, directions)
                if goal is not None:
                    return self._toward(distance, goal, directions), "fight"
            if step not in directions:
                continue
            if facing == step:
                attack = self.attack_action()
                if attack is not None:
                    return attack, "fight"
                counts = self.tries[(holding, ("o", kind))].astype(float)
                counts[list(self.moving())] = np.inf
                counts[list(self._rest_actions() | self.rest_hints)] = np.inf
                # among the least tried, the action that changed things most often
                activity = self.changes / np.maximum(self.uses, 1)
                return int(np.lexsort((-activity, counts))[0]), "fight"
            return directions[step], "fight"

        # drives: the lowest vital that is low and has a way up
        alerted = self.alert > 0
        desperate = False
        searching = False  # a low vital with no known way up: new things first
        self.alert = max(self.alert - 1, 0)
        vitals = sorted(
            self.vitals,
            key=lambda s: (encoded[s] / self._high(s), s),
        )
        for site in vitals:
            fraction = encoded[site] / self._high(site)
            if site == self.health:
                continue
            direct = self._direct(site)
            low = CRITICAL_VITAL if alerted or dark else LOW_VITAL
            if evening and not alerted:
                low = EVENING_VITAL  # the night is long: top up before it
            if site == self.topping_up and not (alerted or dark):
                low = SATED_VITAL  # keep at it until the vital is nearly full
            if fraction < low and direct:
                plan = self._plan(
                    [(a, t, 0.0) for a, t in direct], view, distance, facing, directions
                )
                if plan is not None:
                    self.topping_up = site
                    return plan, "vital"
            elif fraction < EVENING_VITAL and direct and not (alerted or dark):
                # by day, a known way up close by tops the vital up early
                plan = self._plan(
                    [(a, t, 0.0) for a, t in direct],
                    view,
                    distance,
                    facing,
                    directions,
                    limit=NEAR_SOURCE,
                )
                if plan is not None:
                    self.topping_up = site
                    return plan, "vital"
            if site == self.topping_up:
                self.topping_up = None
            rest = sorted(
                a for a in self._rest_actions() if site in self._rest_vitals(a)
            )
            lost = fraction <= CRITICAL_VITAL and not direct and not rest
            desperate |= lost  # no known way up: seek novelty, do not hide
            if not rest and not direct and fraction <= CRITICAL_VITAL:
                rest = self._last_resort(encoded)
            searching |= fraction < LOW_VITAL and not direct and not rest
            calm = not alerted and not any(
                d <= REST_RADIUS and self.harm_kinds[k] > 0 for d, *_, k in threats
            )
            if fraction <= REST_VITAL and rest and self._seek_den(view, distance):
                action = self._den_step(encoded, view, distance, facing, directions)
                if action is not None:
                    return action, "den"
            # without a den, rest in the open only when it cannot wait longer,
            # and not in the (hinted) dark
            outdoors = CRITICAL_VITAL if self.harm_kinds.total() else REST_VITAL
            if fraction <= outdoors and rest and calm and not dark:
                goal = self._shelter_cell(view, distance, directions)
                if goal is None or goal == pos:
                    return rest[0], "rest"
                return self._toward(distance, goal, directions), "rest"

        # the daylight curriculum (by day and in the evening, before any den):
        # a low vital with no known way up first tries working actions on new
        # kinds of things; then repeats of discoveries until a law has its
        # support (a second pickaxe before the sword tries spend the wood),
        # crafts at what was built, a full stock of a new kind of item tried
        # with every action that never made anything, restocks, new contacts
        if not (dark or alerted or desperate or self.denning):
            spent = {s for r in self.discoveries.values() for s in r.cost}
            held = [s for s in self.items() if encoded[s] > 0 and s in spent]
            pending = sorted({p for s in held for p in self._pending(s, view)})
            lessons = (
                ("contact", self._contact, searching),
                ("reproduce", self._reproduce, True),
                ("craft", lambda *a: self._craft(pending, *a), bool(pending)),
                ("hand", self._at_hand, True),
                ("restock", self._restock, True),
                ("contact", self._contact, True),
            )
            for reason, lesson, allowed in lessons:
                if not allowed:
                    continue
                plan = lesson(encoded, view, distance, facing, directions)
                if plan is not None:
                    return plan, reason
        # on alert or in the dark (hinted): wait in a den or the most sheltered
        # place near by, trying things there; in the evening, head for a den
        if evening and not desperate and self._seek_den(view, distance):
            action = self._den_step(encoded, view, distance, facing, directions)
            if action is not None:
                return action, "den"
        if evening and not desperate and not self.denning:
            # no den to be had: try working actions on walls never tried with
            # what is held (a new tool may dig them: a den can be dug out)
            plan = self._opening(view, distance, facing, directions)
            if plan is not None:
                return plan, "opening"
        # (with a hinted light, an alert by day is met in the open unless weak)
        daylit = self.layout.light is not None and not (dark or evening or weak)
        if (alerted and not daylit or dark) and not desperate:
            if self._seek_den(view, distance):
                action = self._den_step(encoded, view, distance, facing, directions)
                if action is not None:
                    return action, "den"
            plan = self._supply(encoded, view, distance, facing, directions)
            if plan is not None:  # gather what seals a den
                return plan, "supply"
            goal = self._shelter_cell(view, distance, directions)
            # hidden and waiting: repeat a discovery still short of support at
            # hand, within HIDE_REACH of the hiding place (the player does not
            # pace between the two)
            home = pos if goal is None else goal
            if abs(home[0] - pos[0]) + abs(home[1] - pos[1]) <= HIDE_REACH:
                plan = self._reproduce(
                    encoded,
                    view,
                    distance,
                    facing,
                    directions,
                    reach=HIDE_REACH,
                    center=home,
                )
                if plan is not None:
                    return plan, "reproduce"
            if goal is not None and goal != pos:
                return self._toward(distance, goal, directions), "hide"
            attack = self.attack_action()
            if attack is not None:
                return attack, "hide"
            if threats:  # no known attack yet: face the nearest threat
                _, _, x, y, _ = threats[0]
                dx, dy = x - pos[0], y - pos[1]
                for step, action in directions.items():
                    if step[0] * dx + step[1] * dy > 0:
                        return action, "hide"
            return next(iter(directions.values())), "hide"
        self.shelter = None

        rest_actions = self._rest_actions()
        candidates = []
        for target in self._targets(view):
            counts = self.tries[(holding, target)]
            for action in range(self.num_actions):
                if target[0] == "c" and target[1] in self.hazards:
                    continue
                if action in rest_actions or action in self.rest_hints:
                    continue
                candidates.append((action, target, float(counts[action])))
        novel = [c for c in candidates if c[2] == 0]
        if searching:  # pairs never tried, on the least searched things first
            novel = self._search_order(novel) or novel

        # the first-day plan (not while a vital with no known way up is low:
        # search first): bring a held material (an item some change spent) to
        # what was built (a craft may need it); a control (a discovery's action,
        # holding what it spent, on another kind of thing close by: it tells
        # the inducer what the target must be); repeat a new kind of change
        # until a law of it has its support; keep a stock of what reliable
        # sources give
        spent = {s for r in self.discoveries.values() for s in r.cost}
        held = [s for s in self.items() if encoded[s] > 0 and s in spent]
        pending = sorted({p for s in held for p in self._pending(s, view)})
        if pending and not searching:
            plan = self._plan(
                [(a, t, 0.0) for a, t in pending],
                view,
                distance,
                facing,
                directions,
                limit=STOCK_REACH,
            )
            if plan is not None:
                return plan, "craft"
        drives = (
            ("contrast", self._contrast, not searching),
            ("reproduce", self._reproduce, True),
            ("contact", self._contact, True),
            ("restock", self._restock, not searching),
        )
        for reason, drive, allowed in drives:
            plan = (
                drive(encoded, view, distance, facing, directions) if allowed else None
            )
            if plan is not None:
                return plan, reason
        # then a pair never tried in this life, or an action that never made
        # anything under a new holding, at hand
        unproven = set(self._unproven())
        fresh = [
            c
            for c in novel
            if not self.pair_tries[(c[0], c[1])]
            or (c[0] in unproven and self._new_holding(c[0], c[1]))
        ]
        if fresh:
            plan = self._plan(
                fresh, view, distance, facing, directions, limit=-NEAR_APPEAL
            )
            if plan is not None:
                return plan, "novel"

        # gather a den's seal
        plan = self._supply(encoded, view, distance, facing, directions)
        if plan is not None:
            return plan, "supply"

        # novelty, then the least-tried pair against distance
        if novel:
            plan = self._plan(novel, view, distance, facing, directions)
            if plan is not None:
                self.outside = 0
                return plan, "novel"
        self.outside += 1
        if self.outside > MAX_OUTSIDE or self.wander is not None:
            action = self._wander(view, distance, directions)
            if action is not None:
                return action, "wander"
        plan = self._plan(candidates, view, distance, facing, directions)
        if plan is not None:
            return plan, "least"
        return int(self.rng.integers(self.num_actions)), "wander"

    def _appeal(self, action: int, target: tuple) -> float:
        """Steps of walking a try is worth beyond its tries: a pair never tried
        in this life (more for an action that changed cells or gained items
        elsewhere), an action that never changed anything when not yet tried
        under the current holding on this side (ground the player stands on, or
        anything else; once tried there, a new target adds nothing), and a pair
        that has often gained an item."""
        tries = self.pair_tries[(action, target)]
        fresh = FRESH_BONUS if not tries else 0.0
        if not tries and self.works(action):  # a working action on a new target
            fresh += WORKING_BONUS
        rate = self.effects[(action, target)] / max(tries, 1)
        unproven = 0.0
        if action not in self.working and action not in self.moving():
            # never made anything: try it again, wherever it is cheapest, when
            # more of something is held than at any earlier try on this side
            if self._new_holding(action, target):
                unproven = UNPROVEN_BONUS + FRESH_BONUS
            built = {value for value, _, _ in self.builds.values()}
            if target[0] == "c" and target[1] in built:
                # on what it built (a table), every item held counts on its own
                tried = self.held_at[(action, target)]
                if any(h > 0 and s not in tried for s, h in self.current_holding):
                    unproven = UNPROVEN_BONUS + FRESH_BONUS
            if target[0] != "c" or target[1] not in built:
                fresh = 0.0  # new kinds of things matter little; what it built may
        return fresh + unproven + PRODUCTIVE_BONUS * rate

    def _new_holding(self, action: int, target: tuple) -> bool:
        """More of some item is held now than at any earlier try of ``action``
        on this side (ground the player stands on, or anything else)."""
        peak = self.holding_peak.get((action, self.ground(target)))
        return peak is None or any(h > peak.get(s, 0) for s, h in self.current_holding)

    def count_try(self, holding: tuple, action: int, target: tuple) -> None:
        """Count a try of ``action`` on ``target`` under ``holding``."""
        self.tries[(holding, target)][action] += 1
        for site, held in holding:
            if held > 0:
                self.held_at[(action, target)].add(site)
            self.most_held[(action, site)] = max(self.most_held[(action, site)], held)
            if self.ground(target):
                key = (action, site)
                self.ground_held[key] = max(self.ground_held[key], held)
        peak = self.holding_peak.setdefault((action, self.ground(target)), {})
        for site, held in holding:
            peak[site] = max(peak.get(site, 0), held)

    def _high(self, site: int) -> int:
        return self.layout.inventory_high[self.layout.inventory.index(site)] or 1

    def _least(self, counts: np.ndarray) -> int:
        best = np.flatnonzero(counts == counts.min())
        return int(best[self.rng.integers(best.size)])

    def _targets(self, view: dict) -> list[tuple]:
        values = {("c", int(v)) for v in np.unique(view["grid"])}
        values |= {("o", kind) for *_, kind in view["objects"]}
        return sorted(values)

    def _target_mask(self, target: tuple, view: dict) -> np.ndarray:
        if target[0] == "c":
            return (view["grid"] == target[1]) & ~view["occupied"]
        mask = np.zeros(view["grid"].shape, bool)
        for _, x, y, kind in view["objects"]:
            if kind == target[1]:
                mask[x, y] = True
        return mask

    def _plan(
        self,
        pairs: list[tuple[int, tuple, float]],
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
        masks: dict[tuple, np.ndarray] | None = None,
        limit: float | None = None,
    ) -> int | None:
        """The first action towards the cheapest (action, target) pair; the cost
        is the walk plus :data:`TRY_COST` per earlier try minus its appeal
        (``masks``: the cells of a target to consider, when not all of them;
        ``limit``: ``None`` when the cheapest costs more)."""
        pos = view["pos"]
        grid = view["grid"]
        moving = self.moving()
        reached = distance != UNREACHED
        walk = np.where(reached, distance, 10**6)
        hazard = np.isin(grid, self.hazards)
        free = np.isin(grid, list(self.walkable)) & ~view["occupied"] & ~hazard
        masks = dict(masks or {})
        best = None
        for action, target, tries in pairs:
            if target not in masks:
                masks[target] = self._target_mask(target, view)
            cells = masks[target]
            if not cells.any():
                continue
            options = []  # (cost, goal cell, then: action index or direction)
            if action in moving:
                dx, dy = moving[action]
                stand = shift(cells, dx, dy)
                if target[0] == "c" and target[1] in self.hazards:
                    continue
                options.append((stand, 0, None))
            else:
                if facing is not None:
                    fx, fy = pos[0] + facing[0], pos[1] + facing[1]
                    if (
                        0 <= fx < grid.shape[0]
                        and 0 <= fy < grid.shape[1]
                        and cells[fx, fy]
                    ):
                        cost = TRY_COST * tries - self._appeal(action, target)
                        if best is None or cost < best[0]:
                            best = (cost, action, None)
                        continue
                blocked = target[0] == "o" or target[1] not in self.walkable
                for (dx, dy), mover in directions.items():
                    if blocked:
                        if target[0] == "c" and target[1] in self.hazards:
                            continue
                        options.append((shift(cells, dx, dy), 1, mover))
                    else:
                        ahead = shift(free, dx, dy) & shift(cells, 2 * dx, 2 * dy)
                        options.append((ahead, 1, mover))
            for stand, extra, mover in options:
                costs = np.where(stand, walk, 10**6)
                index = int(np.argmin(costs))
                if costs.flat[index] >= 10**6:
                    continue
                cost = float(costs.flat[index]) + extra + TRY_COST * tries
                cost -= self._appeal(action, target)
                if best is None or cost < best[0]:
                    goal = np.unravel_index(index, grid.shape)
                    best = (cost, action, (int(goal[0]), int(goal[1]), mover))
        if best is None or (limit is not None and best[0] > limit):
            return None
        _, action, where = best
        if where is None:
            return action
        gx, gy, mover = where
        if (gx, gy) != tuple(pos):
            index = first_step(distance, (gx, gy), tuple(directions))
            return None if index is None else list(directions.values())[index]
        return action if mover is None else mover

    def _toward(
        self,
        distance: np.ndarray,
        goal: tuple[int, int],
        directions: dict[tuple[int, int], int],
    ) -> int:
        index = first_step(distance, goal, tuple(directions))
        if index is None:
            return int(self.rng.integers(self.num_actions))
        return list(directions.values())[index]

    def _wander(
        self,
        view: dict,
        distance: np.ndarray,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """Walk to a random far reachable cell (new surroundings, new holdings)."""
        if self.wander is None or distance[self.wander] == UNREACHED:
            far = np.argwhere(distance >= 12)
            if far.size == 0:
                far = np.argwhere(distance >= 1)
            if far.size == 0:
                self.wander = None
                return None
            pick = far[self.rng.integers(far.shape[0])]
            self.wander = (int(pick[0]), int(pick[1]))
        if distance[self.wander] == 0:
            self.wander = None
            self.outside = 0
            return None
        index = first_step(distance, self.wander, tuple(directions))
        if index is None:
            self.wander = None
            return None
        return list(directions.values())[index]


class _Situation:
    """Situation key of the situation-novelty policy: the two-valued sites and
    which inventory counts are non-zero."""

    def __init__(self, layout: _Layout):
        self.layout = layout

    def key(self, encoded: np.ndarray) -> tuple:
        return (
            tuple(int(encoded[s]) for s in self.layout.binary),
            tuple(int(encoded[s] > 0) for s in self.layout.inventory),
        )


def explore(
    env: Any,
    schema: Schema,
    *,
    steps: int = 2000,
    seed: int = 0,
    params: Any = None,
    hints: ExplorationHints | None = None,
) -> Exploration:
    """Live one life of at most ``steps`` steps (see the module docstring).

    The environment is a :class:`~symworld.functional.FunctionalEnv` whose
    states ``schema`` describes; every random choice derives from ``seed``.
    ``hints`` default to the ones registered for ``schema.env_id``
    (:func:`~symworld.induction.hints.hints_for`).
    """
    if steps < 1:
        raise ValueError("steps must be at least 1")
    params = env.default_params if params is None else params
    hints = hints_for(schema.env_id) if hints is None else hints
    num_actions = int(env.num_actions)
    root = jax.random.key(seed)
    encode = jax.jit(schema.encode)
    layout = _Layout(schema, hints)
    situation = _Situation(layout)
    rng = np.random.default_rng(np.asarray(jax.random.key_data(root)).ravel().tolist())
    grid = _GridExplorer(layout, num_actions, hints, rng) if layout.grid_ready else None
    tries: dict[tuple, np.ndarray] = defaultdict(
        lambda: np.zeros(num_actions, np.int64)
    )

    @jax.jit
    def advance(state, action, t):
        key = jax.random.fold_in(jax.random.fold_in(root, 1), t)
        following, info = env.step(state, action, key, params)
        return following, info["reward"], info["terminated"], schema.encode(following)

    state = env.reset(jax.random.fold_in(root, 0), params)
    encoded = np.asarray(encode(state))
    site_low = schema.site_low()
    site_high = site_low + schema.site_domain_size() - 1
    states, actions, following, rewards = [], [], [], []
    reasons: list[str] = []
    died = False
    for t in range(steps):
        view = grid.read(encoded) if grid is not None else None
        if grid is not None and grid.ready():
            action, reason = grid.choose(encoded, view)
        else:
            counts = tries[situation.key(encoded)]
            best = np.flatnonzero(counts == counts.min())
            if hints.rest_actions:  # hinted rest actions are never tried at random
                allowed = np.ones(num_actions, bool)
                allowed[list(hints.rest_actions)] = False
                best = np.flatnonzero((counts == counts[allowed].min()) & allowed)
            action, reason = int(best[rng.integers(best.size)]), "situation"
            counts[action] += 1
        reasons.append(reason)
        next_state, reward, terminated, next_encoded = advance(
            state, jnp.int32(action), jnp.int32(t)
        )
        next_encoded = np.asarray(next_encoded)
        outside = (next_encoded < site_low) | (next_encoded > site_high)
        if outside.any():  # the schema (and every law model) cannot hold the step
            site = int(np.argmax(outside))
            logger.warning(
                "the life stops after %d steps: the next state's %s (%d) leaves its "
                "domain %d..%d",
                t,
                site_names(schema, [site])[0],
                int(next_encoded[site]),
                int(site_low[site]),
                int(site_high[site]),
            )
            break
        if grid is not None:
            target = grid.target_of(view, encoded, action)
            if not grid.in_mode(encoded):
                grid.count_try(grid.holding(encoded), action, target)
            grid.observe(encoded, action, float(reward), next_encoded, view, target)
        states.append(state)
        actions.append(action)
        following.append(next_state)
        rewards.append(float(reward))
        state, encoded = next_state, next_encoded
        if bool(terminated):
            died = True
            logger.info("the life ended at step %d", t + 1)
            break
    if grid is not None:
        logger.info(
            "kinds (harms/steps close): %s",
            ", ".join(
                f"{k} {grid.harm_kinds[k]}/{grid.presence[k]}"
                for k in sorted(grid.presence)
            ),
        )
    stack = lambda items: jax.tree_util.tree_map(lambda *xs: np.stack(xs), *items)  # noqa: E731
    logger.info(
        "explored %d steps (%s)",
        len(actions),
        ", ".join(f"{k} {v}" for k, v in sorted(Counter(reasons).items())),
    )
    return Exploration(
        states=stack(states),
        actions=np.asarray(actions, np.int32),
        next_states=stack(following),
        rewards=np.asarray(rewards, np.float32),
        died=died,
        seed=seed,
        env_id=schema.env_id,
        reasons=tuple(reasons),
    )
