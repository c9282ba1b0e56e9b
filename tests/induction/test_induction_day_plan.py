"""The explorer's first-day plan, on a toy state of its own (not Crafter's names or
codes): a small map with grass, sand, trees, a pond and benches, and a stock of
water (a vital), sticks and a tool. Checked on the explorer's memory directly:
what counts as a build, which actions *work*, how many sticks it keeps, and
that a second bench waits until crafting at the first was tried with sticks;
and the search for a vital's source and the repeats a hidden player makes."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from toy_grid import toy_explorer

from symworld.induction.exploration import (
    HIDE_REACH,
    HOLDING_CAP,
    SEARCH_REACH,
    SEARCH_SPREAD,
    TRUST_PRESENCE,
    _Discovery,
    _GridExplorer,
)
from symworld.programs import Schema

GRASS, SAND, TREE, POND, BENCH = 1, 2, 3, 4, 5
USE, BUILD, CRAFT = 4, 5, 6  # actions 0-3 move
NUM_ACTIONS = 7
STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class DayState:
    where: jax.Array  # int32[2]
    heading: jax.Array  # int32
    land: jax.Array  # int32[6, 6]
    stock: jax.Array  # int32[3]: (water, sticks, tool)


def _schema() -> Schema:
    state = DayState(
        jnp.array([2, 2], jnp.int32),
        jnp.int32(0),
        jnp.full((6, 6), GRASS, jnp.int32),
        jnp.zeros(3, jnp.int32),
    )
    return Schema.from_state(
        "toy/DayWorld-v0",
        state,
        {"where": (0, 5), "heading": (0, 3), "land": (0, 5), "stock": (0, 9)},
        roles={
            "where": "player.position",
            "heading": "player.facing",
            "land": "map",
            "stock": "inventory",
        },
    )


def _explorer() -> tuple[_GridExplorer, Schema]:
    schema = _schema()
    # measured conventions: actions 0-3 move by STEPS, the player faced +x
    explorer = toy_explorer(schema, NUM_ACTIONS, moves=STEPS, walkable=(GRASS,))
    return explorer, schema


def _encoded(schema: Schema, stock=(9, 0, 0), ahead=GRASS, land=None) -> np.ndarray:
    """The player at (2, 2) facing +x: the cell (3, 2) holds ``ahead``."""
    grid = jnp.full((6, 6), GRASS, jnp.int32) if land is None else jnp.asarray(land)
    state = DayState(
        jnp.array([2, 2], jnp.int32),
        jnp.int32(0),
        grid.at[3, 2].set(ahead),
        jnp.asarray(stock, jnp.int32),
    )
    return np.asarray(schema.encode(state))


def _sites(explorer: _GridExplorer) -> tuple[int, int, int]:
    return tuple(explorer.layout.inventory)


def test_induction_a_build_on_a_value_never_stood_on_is_a_build():
    explorer, schema = _explorer()
    _, sticks, _ = _sites(explorer)
    before = _encoded(schema, (9, 2, 0), ahead=SAND)
    after = _encoded(schema, (9, 0, 0), ahead=BENCH)
    explorer.target_cell = (3, 2)
    explorer._learn_cells(before, BUILD, after, ("c", SAND), False)
    # the player never stood on sand, but the change spent 2 sticks: a bench
    # built on sand (it was taken for a dig of sand, and no build was known)
    assert explorer.builds == {BUILD: (BENCH, {sticks: 2}, {SAND})}
    assert explorer.digs == {}
    # a change that spends nothing on a blocking value is still a dig
    explorer.target_cell = (3, 2)
    explorer._learn_cells(
        _encoded(schema, (9, 0, 0), ahead=TREE),
        USE,
        _encoded(schema, (9, 1, 0), ahead=GRASS),
        ("c", TREE),
        False,
    )
    assert list(explorer.digs) == [(USE, TREE)]
    assert explorer.digs[(USE, TREE)][0] == GRASS


def test_induction_an_action_that_restores_a_vital_works():
    explorer, schema = _explorer()
    water, _, _ = _sites(explorer)
    explorer.vitals = {water}
    before = _encoded(schema, (4, 0, 0), ahead=POND)
    after = _encoded(schema, (5, 0, 0), ahead=POND)
    view = explorer.read(before)
    target = explorer.target_of(view, before, USE)
    assert target == ("c", POND)
    explorer.observe(before, USE, 0.0, after, view, target)
    # drinking gained no item, but it restored a vital: USE is worth trying on
    # new kinds of things (a tree) with the bonus of a working action
    assert explorer.works(USE)
    assert explorer._appeal(USE, ("c", TREE)) > explorer._appeal(CRAFT, ("c", TREE))
    # a vital that rises on a walk (health regained) makes no action work
    other, _ = _explorer()
    other.vitals = {water}
    other.walk_rises = {water}
    other.observe(before, USE, 0.0, after, other.read(before), target)
    assert not other.works(USE)


def _bench_world(explorer: _GridExplorer, schema: Schema, sticks_held: int):
    """A bench at (3, 2) built for 2 sticks, sticks gathered from the tree at
    (0, 0); a view of that map holding ``sticks_held``."""
    _, sticks, _ = _sites(explorer)
    explorer.builds = {BUILD: (BENCH, {sticks: 2}, {GRASS})}
    explorer.working = {USE, BUILD}
    explorer.discoveries = {
        (USE, (sticks,), (TREE, GRASS)): _Discovery((USE, ("c", TREE)), {}, (1, 0)),
        (BUILD, (), (GRASS, BENCH)): _Discovery(
            (BUILD, ("c", GRASS)), {sticks: 2}, (3, 2)
        ),
    }
    explorer.sources[sticks][(USE, ("c", TREE))] = 1
    explorer.pair_tries[(USE, ("c", TREE))] = 1
    land = jnp.full((6, 6), GRASS, jnp.int32).at[0, 0].set(TREE)
    encoded = _encoded(schema, (9, sticks_held, 0), ahead=BENCH, land=land)
    view = explorer.read(encoded)
    explorer.current_holding = explorer.holding(encoded)
    return encoded, view


def test_induction_a_second_bench_waits_for_crafting_at_the_first():
    explorer, schema = _explorer()
    _, sticks, _ = _sites(explorer)
    encoded, view = _bench_world(explorer, schema, sticks_held=1)
    # the actions that never made anything (CRAFT among them) were never tried
    # at the bench holding sticks: a craft there may need them
    assert explorer._unproven() == [CRAFT]
    assert explorer._pending(sticks, view) == [(CRAFT, ("c", BENCH))]
    assert explorer._appeal(CRAFT, ("c", BENCH)) > explorer._appeal(CRAFT, ("c", SAND))
    # so the bench is not repeated yet (it would spend the sticks)
    assert explorer._unsupported(view) == [
        (sig, r) for sig, r in explorer.discoveries.items() if not r.cost
    ]
    # once CRAFT was tried at the bench holding a stick, the bench is repeated
    explorer.count_try(explorer.holding(encoded), CRAFT, ("c", BENCH))
    assert explorer._pending(sticks, view) == []
    assert [r.pair[0] for _, r in explorer._unsupported(view)] == [USE, BUILD]


def test_induction_sticks_are_restocked_to_the_largest_cost_or_the_cap():
    explorer, schema = _explorer()
    _, sticks, _ = _sites(explorer)
    encoded, view = _bench_world(explorer, schema, sticks_held=1)
    # CRAFT never made anything and was never tried holding HOLDING_CAP sticks
    assert explorer._stock_level(sticks, view) == HOLDING_CAP
    explorer.most_held[(CRAFT, sticks)] = HOLDING_CAP
    explorer.held_at[(CRAFT, ("c", BENCH))].add(sticks)
    # then the bench's cost, 2 sticks (no den seal on top without a night)
    explorer.daytime = True
    assert explorer._stock_level(sticks, view) == 2
    # holding 1, the next step heads for the tree at (0, 0): up the y axis or
    # down the x axis from (2, 2)
    distance = np.abs(np.indices((6, 6)) - np.array([2, 2])[:, None, None]).sum(0)
    directions = explorer.directions()
    step = explorer._restock(encoded, view, distance, (1, 0), directions)
    assert step in (1, 3)
    # a source that spends something (crafting) is no place to restock from
    explorer.discoveries = {}
    assert explorer._restock(encoded, view, distance, (1, 0), directions) is None


def test_induction_a_craft_is_tried_once_on_another_thing_holding_its_cost():
    explorer, schema = _explorer()
    _, sticks, _ = _sites(explorer)
    encoded, view = _bench_world(explorer, schema, sticks_held=1)
    explorer.working.add(CRAFT)
    explorer.discoveries[(CRAFT, (), ())] = _Discovery(
        (CRAFT, ("c", BENCH)), {sticks: 1}, (3, 2)
    )
    distance = np.abs(np.indices((6, 6)) - np.array([2, 2])[:, None, None]).sum(0)
    directions = explorer.directions()
    # CRAFT worked at the bench for a stick; holding one, it is tried once on
    # something else (grass or the tree) so that the bench is told apart
    step = explorer._contrast(encoded, view, distance, (1, 0), directions)
    assert step is not None
    explorer.count_try(explorer.holding(encoded), CRAFT, ("c", GRASS))
    assert explorer._contrast(encoded, view, distance, (1, 0), directions) is None
    # without the stick it waits
    explorer.held_at.clear()
    _, empty = _bench_world(explorer, schema, sticks_held=0)
    none_held = _encoded(schema, (9, 0, 0), ahead=BENCH)
    assert explorer._contrast(none_held, empty, distance, (1, 0), directions) is None


WOLF, DEER = 1, 2  # object kinds of the search tests


def _weights(explorer, pairs) -> dict[tuple, float]:
    return {(a, t): w for a, t, w in explorer._search_order(pairs)}


def test_induction_a_thing_stays_unsearched_until_a_working_action_was_tried():
    explorer, _ = _explorer()
    explorer.working = {USE}
    pond, sand = ("c", POND), ("c", SAND)
    # CRAFT (it never made anything) was tried at the pond, and a move into it
    explorer.pair_tries[(CRAFT, pond)] = 1
    explorer.pair_tries[(0, pond)] = 1
    pairs = [(USE, pond, 0.0), (BUILD, pond, 0.0), (CRAFT, pond, 1.0), (USE, sand, 0.0)]
    weights = _weights(explorer, pairs)
    # the tried pairs drop out; the pond keeps the full appeal of a thing never
    # searched, as the sand does (main counted any try: the pond's was gone)
    assert weights == {
        (USE, pond): -SEARCH_REACH,
        (BUILD, pond): -SEARCH_REACH,
        (USE, sand): -SEARCH_REACH,
    }
    # once USE (which works) was tried there, the pond costs a share of a try
    explorer.pair_tries[(USE, pond)] = 1
    weights = _weights(explorer, pairs)
    assert weights == {(BUILD, pond): 1 / SEARCH_SPREAD, (USE, sand): -SEARCH_REACH}


def test_induction_a_search_does_not_seek_a_harmful_kind():
    explorer, _ = _explorer()
    explorer.working = {USE}
    wolf, deer = ("o", WOLF), ("o", DEER)
    # the deer stood next to the player long enough and never hurt; the wolf
    # hurt it on every step it stood there
    explorer.presence[DEER] = TRUST_PRESENCE
    explorer.presence[WOLF] = TRUST_PRESENCE
    explorer.harm_kinds[WOLF] = TRUST_PRESENCE
    assert explorer.harmful(WOLF) and not explorer.harmful(DEER)
    weights = _weights(explorer, [(USE, wolf, 0.0), (USE, deer, 0.0)])
    assert weights == {(USE, deer): -SEARCH_REACH}


def test_induction_a_hidden_player_repeats_a_bench_at_hand():
    explorer, schema = _explorer()
    _, sticks, _ = _sites(explorer)
    # 4 sticks: the bench's 2 and, at night, a den's seal (a bench) on top
    encoded, view = _bench_world(explorer, schema, sticks_held=4)
    distance = np.abs(np.indices((6, 6)) - np.array([2, 2])[:, None, None]).sum(0)
    directions = explorer.directions()
    assert explorer._reserve() == {sticks: 2}
    # a craft at the bench with sticks is still pending: by day the bench is
    # not repeated (only the gathering at the tree is, which spends nothing)
    assert explorer._pending(sticks, view) == [(CRAFT, ("c", BENCH))]
    explorer.pair_tries[(USE, ("c", TREE))] = 3
    explorer.discoveries[(USE, (sticks,), (TREE, GRASS))].count = 3
    assert explorer._reproduce(encoded, view, distance, (1, 0), directions) is None
    # hidden and waiting, the player cannot go to the bench: the bench is
    # repeated on grass at hand (facing the built bench at (3, 2), it turns)
    step = explorer._reproduce(
        encoded, view, distance, (1, 0), directions, reach=HIDE_REACH
    )
    assert step in directions.values()
    assert explorer.reproducing == (BUILD, (), (GRASS, BENCH))
    # with no grass within reach, nothing is repeated
    land = jnp.full((6, 6), SAND, jnp.int32).at[0, 0].set(TREE)
    far = _encoded(schema, (9, 4, 0), ahead=BENCH, land=land.at[5, 5].set(GRASS))
    explorer.reproducing = None
    assert (
        explorer._reproduce(
            far, explorer.read(far), distance, (1, 0), directions, reach=HIDE_REACH
        )
        is None
    )


def test_induction_a_craft_is_repeated_at_any_bench_the_player_built():
    explorer, schema = _explorer()
    _, sticks, _ = _sites(explorer)
    land = jnp.full((6, 6), GRASS, jnp.int32).at[3, 2].set(BENCH).at[0, 5].set(BENCH)
    encoded = _encoded(schema, (9, 1, 0), ahead=BENCH, land=land)
    view = explorer.read(encoded)
    explorer.builds = {BUILD: (BENCH, {sticks: 2}, {GRASS})}
    craft = _Discovery((CRAFT, ("c", BENCH)), {sticks: 1}, (0, 5))
    tree = _Discovery((USE, ("c", TREE)), {}, (0, 0))
    # a craft at a bench: any bench counts, not only the one it worked at
    assert explorer._near(("c", BENCH), view, craft).sum() == 2
    # a gathering at a tree keeps to the tree where it worked (none here: all)
    many = jnp.full((6, 6), GRASS, jnp.int32).at[0, 0].set(TREE).at[5, 0].set(TREE)
    trees = explorer.read(_encoded(schema, (9, 1, 0), land=many))
    assert explorer._near(("c", TREE), trees, tree).sum() == 1


def test_induction_an_evening_without_a_den_tries_working_actions_on_walls():
    explorer, schema = _explorer()
    explorer.working = {USE, BUILD}
    # grass all round, a tree ahead at (3, 2) and a pond at (2, 4); no tool held
    land = jnp.full((6, 6), GRASS, jnp.int32).at[2, 4].set(POND)
    encoded = _encoded(schema, (9, 0, 0), ahead=TREE, land=land)
    view = explorer.read(encoded)
    explorer.current_holding = explorer.holding(encoded)
    distance = np.abs(np.indices((6, 6)) - np.array([2, 2])[:, None, None]).sum(0)
    directions = explorer.directions()
    # USE (the first working action) was never tried on the faced tree: at once
    step = explorer._opening(view, distance, (1, 0), directions)
    assert step == USE
    # once both working actions were tried on the tree with this holding, the
    # pond is next: a move towards it (+y, action 2)
    for action in (USE, BUILD):
        explorer.count_try(explorer.current_holding, action, ("c", TREE))
    assert explorer._opening(view, distance, (1, 0), directions) == 2
    for action in (USE, BUILD):
        explorer.count_try(explorer.current_holding, action, ("c", POND))
    assert explorer._opening(view, distance, (1, 0), directions) is None
    # a tool held makes the walls new again (a new tool may dig them)
    tooled = _encoded(schema, (9, 0, 1), ahead=TREE, land=land)
    explorer.current_holding = explorer.holding(tooled)
    assert explorer._opening(explorer.read(tooled), distance, (1, 0), directions) == USE
