"""Candidate strategies for the Crafter-OO goals (the strategy-ranking experiment).

Each goal has two or three option programs whose success within the goal's step
budget differs for a reason a good world model must know: a detour costs steps, a
missing ingredient makes a crafting step fail, a wrong order wastes an option, a
sword may or may not pay for the time it takes to make.
"""

from __future__ import annotations

from symworld.planning.ranking import Strategy

W = "collect_wood"

STRATEGIES: tuple[Strategy, ...] = (
    Strategy("collect_wood", "nearest tree", (W,), 20),
    Strategy("collect_wood", "drink first", ("collect_drink", W), 20),
    Strategy("collect_wood", "wait first", ("wait", W), 20),
    Strategy("collect_drink", "nearest water", ("collect_drink",), 30),
    Strategy("collect_drink", "wood first", (W, "collect_drink"), 30),
    Strategy("collect_drink", "wait first", ("wait", "collect_drink"), 30),
    Strategy("place_table", "two wood", (W, W, "place_table"), 40),
    Strategy("place_table", "one wood", (W, "place_table"), 40),
    Strategy("place_table", "four wood", (W, W, W, W, "place_table"), 40),
    Strategy(
        "make_wood_pickaxe",
        "three wood, table, pickaxe",
        (W, W, W, "place_table", "make_wood_pickaxe"),
        60,
    ),
    Strategy(
        "make_wood_pickaxe",
        "two wood, table, pickaxe",
        (W, W, "place_table", "make_wood_pickaxe"),
        60,
    ),
    Strategy(
        "make_wood_pickaxe",
        "pickaxe before table",
        (W, W, W, "make_wood_pickaxe", "place_table"),
        60,
    ),
    Strategy(
        "collect_stone",
        "pickaxe first",
        (W, W, W, "place_table", "make_wood_pickaxe", "collect_stone"),
        100,
    ),
    Strategy("collect_stone", "bare hands", ("collect_stone",), 100),
    Strategy(
        "make_stone_pickaxe",
        "four wood",
        (
            W,
            W,
            W,
            W,
            "place_table",
            "make_wood_pickaxe",
            "collect_stone",
            "make_stone_pickaxe",
        ),
        150,
    ),
    Strategy(
        "make_stone_pickaxe",
        "three wood",
        (
            W,
            W,
            W,
            "place_table",
            "make_wood_pickaxe",
            "collect_stone",
            "make_stone_pickaxe",
        ),
        150,
    ),
    Strategy("eat_cow", "chase cow", ("eat_cow",), 60),
    Strategy("eat_cow", "wood first", (W, W, "eat_cow"), 60),
    Strategy("eat_cow", "wait first", ("wait", "eat_cow"), 60),
    Strategy("defeat_zombie", "bare hands", ("attack_zombie",), 100),
    Strategy(
        "defeat_zombie",
        "sword first",
        (W, W, W, "place_table", "make_wood_sword", "attack_zombie"),
        100,
    ),
)

# Option names any strategy uses, in library order.
STRATEGY_OPTIONS = (
    "collect_wood",
    "collect_drink",
    "collect_stone",
    "eat_cow",
    "attack_zombie",
    "place_table",
    "make_wood_pickaxe",
    "make_wood_sword",
    "make_stone_pickaxe",
    "wait",
)
