"""Unit tests of the induction parts: change detection, rule search, helpers,
the proposer hook."""

from __future__ import annotations

from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np

from symworld.induction.changes import KINDS, detect_changes
from symworld.induction.features import Feature, made_values, spent
from symworld.induction.search import RuleSearch, SearchSettings, Target
from symworld.induction.vocabulary import (
    cell_index,
    nearest_distance,
    target_cell,
    window_contains,
)
from symworld.programs import Attribute, Schema


def _schema():
    attributes = (
        Attribute("count", (), 0, 9, role="inventory"),
        Attribute("grid", (2, 2), 0, 3, role="map"),
        Attribute("alive", (3,), 0, 1, dtype="bool", role="entity.alive"),
    )
    return Schema("toy", attributes, template=None)


def test_induction_changes_kinds_and_values():
    schema = _schema()
    before = np.array([[3, 0, 1, 2, 3, 1, 0, 1], [3, 0, 1, 2, 3, 1, 0, 1]])
    after = np.array([[4, 0, 1, 2, 3, 1, 1, 1], [3, 0, 2, 2, 3, 0, 0, 1]])
    changes = detect_changes(schema, before, after)
    assert changes.transition.tolist() == [0, 0, 1, 1]
    assert changes.site.tolist() == [0, 6, 2, 5]
    assert changes.delta.tolist() == [1, 1, 1, -1]
    assert [KINDS[k] for k in changes.kind] == ["relative", "born", "tile", "removed"]
    assert changes.counts_by_site() == {0: 1, 2: 1, 5: 1, 6: 1}


def test_induction_search_recovers_conjunction_and_categorical():
    rng = np.random.default_rng(0)
    total = 600
    a, b, c = (rng.random(total) < 0.5 for _ in range(3))
    current = rng.integers(0, 5, total)
    following = current.copy()
    rule = a & ~b
    following[rule] = np.minimum(current[rule] + 1, 9)
    noisy = ~rule & c
    following[noisy] = rng.integers(0, 2, noisy.sum()) * 9
    features = [Feature("a", "a", "a"), Feature("b", "b", "b"), Feature("c", "c", "c")]
    search = RuleSearch(features, np.stack([a, b, c], 1), SearchSettings())
    target = Target("x", "x", "x", 0, "state.x", 0, 9)
    laws = search.laws_for(target, current, following)
    deterministic = [law for law in laws if law.effect.kind != "categorical"]
    assert len(deterministic) == 1
    (law,) = deterministic
    assert law.effect.kind == "change" and law.effect.value == 1
    assert sorted((l.feature.name, l.positive) for l in law.literals) == [
        ("a", True),
        ("b", False),
    ]
    assert law.held == law.matched == int(rule.sum())
    categorical = [law for law in laws if law.effect.kind == "categorical"]
    assert len(categorical) == 1
    assert [(l.feature.name, l.positive) for l in categorical[0].literals] == [
        ("c", True)
    ]
    assert (
        categorical[0].effect.outcomes == (0, 9) and not categorical[0].effect.relative
    )
    assert categorical[0].exceptions == (law.literals,)


def test_induction_search_ignores_rare_changes():
    features = [Feature("a", "a", "a")]
    current = np.zeros(100, np.int64)
    following = current.copy()
    following[:2] = 1  # two changes: below min_support 3
    search = RuleSearch(features, np.ones((100, 1), bool), SearchSettings())
    assert (
        search.laws_for(Target("x", "x", "x", 0, "x", 0, 1), current, following) == []
    )


def test_induction_vocabulary_helpers():
    grid = jnp.arange(16).reshape(4, 4)
    facing = ((-1, 0), (1, 0), (0, -1), (0, 1))
    moves = ((0, 0), (0, 0), (1, 0))
    position = jnp.array([1, 2])
    assert target_cell(position, 3, 0, facing, moves).tolist() == [1, 3]
    assert target_cell(position, 3, 2, facing, moves).tolist() == [2, 2]
    assert int(cell_index((4, 4), jnp.array([2, 3]))[0]) == 11
    assert bool(window_contains(grid, jnp.array([0, 0]), 5))
    assert not bool(window_contains(grid, jnp.array([0, 0]), 2))
    alive = jnp.array([True, False, True])
    xs, ys = jnp.array([5, 1, 0]), jnp.array([5, 2, 0])
    assert int(nearest_distance(alive, xs, ys, position)) == 2


def _pond_features(matrix_columns: dict[str, np.ndarray]) -> tuple[list, np.ndarray]:
    families = {"x": "position", "act": "action", "target": "target"}
    features = [
        Feature(name, name, name, families[name.split("_")[0]])
        for name in matrix_columns
    ]
    return features, np.stack(list(matrix_columns.values()), 1)


def test_induction_search_prefers_the_targeted_cell_to_the_position():
    """All drinks of a life happen at one pond (x == 3, always facing water): the
    position and the targeted cell are confounded, and the law must name the
    targeted cell (position features come first, so an index tie-break would
    pick the position)."""
    rng = np.random.default_rng(1)
    total = 300
    x = rng.integers(0, 10, total)
    action = rng.integers(0, 3, total)  # 0, 1 move; 2 uses the targeted cell
    water = x == 3
    drink = water & (action == 2)
    current = rng.integers(0, 5, total)
    following = current + drink
    features, matrix = _pond_features(
        {
            "x_is_3": x == 3,
            "x_ge_5": x >= 5,
            "act_2": action == 2,
            "target_water": water,
        }
    )
    search = RuleSearch(features, matrix, SearchSettings())
    (law,) = search.laws_for(Target("d", "d", "d", 0, "d", 0, 9), current, following)
    assert law.effect.kind == "change" and law.effect.value == 1
    assert sorted((l.feature.name, l.positive) for l in law.literals) == [
        ("act_2", True),
        ("target_water", True),
    ]
    assert law.held == law.matched == law.explained == int(drink.sum())


def _far_ponds(seed: int, always_drink: bool) -> tuple[np.ndarray, ...]:
    """400 toy transitions: water at x == 3 and at random cells of x >= 5, where
    the player only moves (actions 0, 1); it drinks (action 2) only at the pond
    (always there when ``always_drink``). Returns x, far, water, action, drink,
    the drink count before and after."""
    rng = np.random.default_rng(seed)
    total = 400
    x = rng.integers(0, 10, total)
    far = x >= 5
    water = (x == 3) | (far & (rng.random(total) < 0.6))
    action = np.where(far, rng.integers(0, 2, total), rng.integers(0, 3, total))
    if always_drink:
        action[x == 3] = 2
    drink = water & (action == 2)
    current = rng.integers(0, 5, total)
    return x, far, water, action, drink, current, current + drink


def test_induction_search_trades_a_position_literal_for_the_targeted_cell():
    """Not a tie: the player walks into water far from the pond (x >= 5) but
    drinks only at the pond (x == 3), so 'x == 3' is the best first literal by
    FOIL gain (the most precise).
    The kept rule still names the action and the targeted cell only, since they
    explain the same drinks at the same precision."""
    x, far, water, action, drink, current, following = _far_ponds(2, False)
    features, matrix = _pond_features(
        {
            "x_is_3": x == 3,
            "x_ge_5": far,
            "act_2": action == 2,
            "target_water": water,
        }
    )
    search = RuleSearch(features, matrix, SearchSettings())
    positive = drink.sum()
    precision = [positive / column.sum() for column in matrix.T]
    assert int(np.argmax(precision)) == 0  # x == 3 is FOIL's first literal
    (law,) = search.laws_for(Target("d", "d", "d", 0, "d", 0, 9), current, following)
    assert sorted((l.feature.name, l.positive) for l in law.literals) == [
        ("act_2", True),
        ("target_water", True),
    ]
    assert law.held == law.matched == law.explained == int(drink.sum())


def test_induction_search_trades_a_position_for_action_and_targeted_cell():
    """The position alone is exact (at the pond the player always drinks), no
    single cheaper literal is as precise, but the action and the targeted cell
    together are, and cost less than one coordinate."""
    x, far, water, action, drink, current, following = _far_ponds(3, True)
    features, matrix = _pond_features(
        {"x_is_3": x == 3, "act_2": action == 2, "target_water": water}
    )
    assert np.array_equal(matrix[:, 0], drink)  # the position alone is exact
    search = RuleSearch(features, matrix, SearchSettings())
    (law,) = search.laws_for(Target("d", "d", "d", 0, "d", 0, 9), current, following)
    assert sorted((l.feature.name, l.positive) for l in law.literals) == [
        ("act_2", True),
        ("target_water", True),
    ]
    assert law.held == law.matched == law.explained == int(drink.sum())


def _bench_world(seed: int = 0):
    """A toy build: action 2 turns the faced open cell into a bench (tile 5) and
    spends 2 sticks. A counter (``counter_ge_4``) happens to be high on every
    build and on no failed press of action 2: with few builds it explains them as
    well as the sticks do, with fewer literals."""
    rng = np.random.default_rng(seed)
    total = 240
    action = rng.integers(0, 3, total)
    sticks = rng.integers(0, 5, total)
    open_cell = rng.random(total) < 0.7
    build = (action == 2) & (sticks >= 2) & open_cell
    counter = np.where(build, 5, np.where(action == 2, 1, rng.integers(0, 6, total)))
    after = sticks - 2 * build
    tile, tile_after = np.zeros(total, np.int64), np.where(build, 5, 0)
    columns = {
        "act_0": (action == 0, "action", None, None),
        "act_1": (action == 1, "action", None, None),
        "act_2": (action == 2, "action", None, None),
        "sticks_ge_1": (sticks >= 1, "site", 0, 1),
        "sticks_ge_2": (sticks >= 2, "site", 0, 2),
        "counter_ge_4": (counter >= 4, "site", 1, 4),
        "target_open": (open_cell, "target", None, None),
    }
    features = [
        Feature(name, name, name, family, site=site, threshold=value)
        for name, (_, family, site, value) in columns.items()
    ]
    matrix = np.stack([c[0] for c in columns.values()], 1)
    encoded = np.stack([sticks, counter], 1)
    next_encoded = np.stack([after, counter], 1)
    return features, matrix, encoded, next_encoded, tile, tile_after, build


def test_induction_spent_items_enter_the_precondition():
    """The build spends 2 sticks on every build, so ``sticks >= 2`` is part of
    its precondition and the counter (a coincidence of few builds) is not."""
    features, matrix, encoded, next_encoded, tile, tile_after, build = _bench_world()
    assert int(build.sum()) >= 3
    used = spent(features, encoded, next_encoded)
    names = [f.name for f in features]
    assert used[:, names.index("sticks_ge_2")].tolist() == build.tolist()
    assert not used[:, names.index("sticks_ge_1")].any()  # fell by 2, not 1
    assert not used[:, names.index("counter_ge_4")].any()
    target = Target("bench", "bench", "grid", None, "tile", 0, 5)
    search = RuleSearch(features, matrix, SearchSettings(), used)
    (law,) = search.laws_for(target, tile, tile_after)
    assert law.effect.kind == "set" and law.effect.value == 5
    assert [(l.feature.name, l.positive) for l in law.literals] == [
        ("sticks_ge_2", True),
        ("act_2", True),
        ("target_open", True),
    ]
    assert law.held == law.matched == law.explained == int(build.sum())
    # without the spent items the shorter, coincidental condition wins
    (plain,) = RuleSearch(features, matrix, SearchSettings()).laws_for(
        target, tile, tile_after
    )
    assert "counter_ge_4" in [l.feature.name for l in plain.literals]


def test_induction_a_made_thing_beside_every_craft_enters_the_precondition():
    """Every craft try holding a stick happened beside the bench (a value the
    player made), so the data cannot show a craft without it: the bench stays
    in the precondition. Grass, around the player on every transition, and a
    bench that is not a station add nothing."""
    rng = np.random.default_rng(3)
    total = 400
    action = rng.integers(0, 4, total)
    sticks = rng.integers(0, 3, total)
    bench = rng.random(total) < 0.3
    action = np.where((action == 3) & (sticks >= 1) & ~bench, 0, action)
    craft = (action == 3) & (sticks >= 1) & bench
    assert int(craft.sum()) >= 10
    widgets = rng.integers(0, 5, total)
    columns = {
        **{f"act_{a}": (action == a, "action", None, None) for a in range(4)},
        "sticks_ge_1": (sticks >= 1, "site", 0, 1),
        "near_1": (np.ones(total, bool), "window", None, None),
        "near_5": (bench, "window", None, None),
    }
    features = [
        Feature(name, name, name, family, site=site, threshold=value)
        for name, (_, family, site, value) in columns.items()
    ]
    matrix = np.stack([c[0] for c in columns.values()], 1)
    target = Target("widget", "widget", "widgets", 1, "state.widgets", 0, 9)
    names = [f.name for f in features]
    stations = [names.index("near_1"), names.index("near_5")]
    search = RuleSearch(features, matrix, SearchSettings(), stations=stations)
    (law,) = search.laws_for(target, widgets, widgets + craft)
    assert law.effect.kind == "change" and law.effect.value == 1
    assert sorted(l.feature.name for l in law.literals) == [
        "act_3",
        "near_5",
        "sticks_ge_1",
    ]
    assert law.held == law.matched == law.explained == int(craft.sum())
    (plain,) = RuleSearch(features, matrix, SearchSettings()).laws_for(
        target, widgets, widgets + craft
    )
    assert sorted(l.feature.name for l in plain.literals) == ["act_3", "sticks_ge_1"]


def test_induction_made_values_are_the_grid_values_absent_at_the_start():
    schema = _schema()
    geometry = SimpleNamespace(has_grid=True, grid=schema.attributes[1])
    encoded = np.array([[3, 0, 1, 2, 0, 1, 0, 1], [3, 0, 1, 2, 3, 1, 0, 1]])
    following = np.array([[3, 0, 1, 2, 3, 1, 0, 1], [3, 0, 1, 1, 3, 1, 0, 1]])
    assert made_values(schema, geometry, encoded, following) == {3}
    assert made_values(schema, geometry, encoded[:0], following[:0]) == set()
