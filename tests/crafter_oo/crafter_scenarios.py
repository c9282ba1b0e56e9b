"""Deterministic scenarios for the differential tests against crafter 1.8.3.

Every scenario is built so that crafter's random generator cannot change its outcome:
the world is sand (no chunk ever has enough grass or path for balancing to spawn, and
no chunk holds more creatures than its balancing maximum), creatures in range are
walled in so that every random move fails, and creature scenarios end before step 10
(the first balancing). Each scenario carries an ``expect`` check on crafter's own
outcome, so a scenario that stopped exercising its rule would fail loudly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from crafter_diff_harness import ACTION, Scenario, add, blank, enclose, paint

from symworld.envs.crafter_oo import rules

A = ACTION
LEFT, RIGHT, UP, DOWN = (-1, 0), (1, 0), (0, -1), (0, 1)
MOVE = {
    LEFT: A["move_left"],
    RIGHT: A["move_right"],
    UP: A["move_up"],
    DOWN: A["move_down"],
}


@dataclasses.dataclass
class Case:
    scenario: Scenario
    expect: Callable  # (start snapshot, end snapshot) -> bool


CASES: list[Case] = []


def case(name, start, actions, expect):
    CASES.append(Case(Scenario(name, start, list(actions)), expect))


def mat(snap, offset):
    x, y = snap.player_pos
    return rules.MATERIALS[int(snap.material[x + offset[0], y + offset[1]]) - 1]


def inv(snap, name):
    return snap.inventory[name]


def ach(snap, name):
    return snap.achievements[name]


def kinds(snap):
    return [o.kind for o in snap.objects]


# ------------------------------------------------------------------------- movement
for direction in (LEFT, RIGHT, UP, DOWN):
    for ground in ("sand", "grass", "path"):
        s = paint(blank(), ground, direction)
        case(
            f"move {direction} onto {ground}",
            s,
            [MOVE[direction]],
            lambda a, b, d=direction: (
                b.player_pos == (32 + d[0], 32 + d[1]) and b.facing == d
            ),
        )
for blocker in (
    "water",
    "stone",
    "tree",
    "table",
    "furnace",
    "coal",
    "iron",
    "diamond",
):
    s = paint(blank(), blocker, LEFT)
    case(
        f"move blocked by {blocker}",
        s,
        [A["move_left"]],
        lambda a, b: b.player_pos == (32, 32) and b.facing == LEFT,
    )
case(
    "move blocked by an object (plant)",
    add(paint(blank(), "grass", UP), "plant", UP),
    [A["move_up"]],
    lambda a, b: b.player_pos == (32, 32) and b.facing == UP,
)
case(
    "move off the map is blocked",
    blank(pos=(0, 10)),
    [A["move_left"], A["move_up"]],
    lambda a, b: b.player_pos == (0, 9) and b.facing == UP,
)
case(
    "walk into lava and die",
    paint(blank(), "lava", RIGHT),
    [A["move_right"]],
    lambda a, b: b.player_pos == (33, 32) and inv(b, "health") == 0,
)
case("noop", blank(), [A["noop"]] * 3, lambda a, b: b.player_pos == (32, 32))
case(
    "walk a path of mixed ground",
    paint(blank(), "grass", (1, 0), (2, 0), (2, 1)),
    [A["move_right"], A["move_right"], A["move_down"], A["move_down"], A["move_left"]],
    lambda a, b: b.player_pos == (33, 34),
)

# -------------------------------------------------------------------------- collect
COLLECT_CASES = [
    # material, inventory, collected item or None
    ("tree", {}, "wood"),
    ("stone", {}, None),
    ("stone", {"wood_pickaxe": 1}, "stone"),
    ("coal", {}, None),
    ("coal", {"wood_pickaxe": 1}, "coal"),
    ("iron", {"wood_pickaxe": 1}, None),
    ("iron", {"stone_pickaxe": 1}, "iron"),
    ("diamond", {"stone_pickaxe": 1}, None),
    ("diamond", {"iron_pickaxe": 1}, "diamond"),
    ("water", {"drink": 5}, "drink"),
    ("sand", {}, None),
    ("path", {}, None),
    ("lava", {}, None),
    ("table", {}, None),
    ("furnace", {}, None),
]
LEAVES = {"tree": "grass", "water": "water"}
for material, items, got in COLLECT_CASES:
    s = paint(blank(counters=(0, 7, 0, 0), **items), material, DOWN)
    if got is None:
        expect = lambda a, b, m=material: (  # noqa: E731
            mat(b, DOWN) == m and b.inventory == a.inventory
        )
    else:
        expect = lambda a, b, m=material, g=got: (  # noqa: E731
            inv(b, g) == inv(a, g) + 1 and mat(b, DOWN) == LEAVES.get(m, "path")
        )
    case(f"collect {material} with {items or 'nothing'}", s, [A["do"]], expect)
case(
    "collect wood at the cap of 9",
    paint(blank(wood=9), "tree", DOWN),
    [A["do"]],
    lambda a, b: (
        inv(b, "wood") == 9 and ach(b, "collect_wood") == 1 and mat(b, DOWN) == "grass"
    ),
)
case(
    "collect a tree twice: the tree is consumed",
    paint(blank(), "tree", DOWN),
    [A["do"], A["do"]],
    lambda a, b: inv(b, "wood") == 1,
)
case(
    "drinking resets thirst, even at drink 9",
    paint(blank(counters=(3, 15, 2, 1)), "water", DOWN),
    [A["do"]],
    lambda a, b: b.thirst == 1 and ach(b, "collect_drink") == 1,
)
case(
    "do facing off the map does nothing",
    blank(pos=(5, 0), facing=UP),
    [A["do"]],
    lambda a, b: b.inventory == a.inventory,
)
case(
    "do on an arrow does nothing",
    add(blank(), "arrow", DOWN, facing=DOWN),
    [A["do"]],
    lambda a, b: kinds(b) == ["arrow"] and b.objects[0].pos == (32, 34),
)

# ---------------------------------------------------------------------------- place
PLACE_CASES = [
    # placed, target material, inventory, succeeds
    ("stone", "grass", {"stone": 1}, True),
    ("stone", "sand", {"stone": 2}, True),
    ("stone", "path", {"stone": 1}, True),
    ("stone", "water", {"stone": 1}, True),
    ("stone", "lava", {"stone": 1}, True),
    ("stone", "tree", {"stone": 1}, False),
    ("stone", "stone", {"stone": 1}, False),
    ("stone", "grass", {}, False),
    ("table", "grass", {"wood": 2}, True),
    ("table", "sand", {"wood": 3}, True),
    ("table", "path", {"wood": 2}, True),
    ("table", "water", {"wood": 2}, False),
    ("table", "grass", {"wood": 1}, False),
    ("furnace", "sand", {"stone": 4}, True),
    ("furnace", "path", {"stone": 9}, True),
    ("furnace", "lava", {"stone": 4}, False),
    ("furnace", "sand", {"stone": 3}, False),
    ("plant", "grass", {"sapling": 1}, True),
    ("plant", "sand", {"sapling": 1}, False),
    ("plant", "grass", {}, False),
]
for placed, target, items, ok in PLACE_CASES:
    s = paint(blank(**items), target, DOWN)
    if not ok:
        expect = lambda a, b, t=target: mat(b, DOWN) == t and not b.objects  # noqa: E731
    elif placed == "plant":
        expect = lambda a, b: kinds(b) == ["plant"] and ach(b, "place_plant") == 1  # noqa: E731
    else:
        expect = (  # noqa: E731
            lambda a, b, p=placed: mat(b, DOWN) == p and ach(b, f"place_{p}") == 1
        )
    verdict = "succeeds" if ok else "fails"
    case(
        f"place {placed} on {target} with {items} {verdict}",
        s,
        [A[f"place_{placed}"]],
        expect,
    )
for placed in ("stone", "table", "furnace", "plant"):
    s = add(paint(blank(stone=9, wood=9, sapling=9), "grass", DOWN), "plant", DOWN)
    case(
        f"place {placed} onto an object fails",
        s,
        [A[f"place_{placed}"]],
        lambda a, b: mat(b, DOWN) == "grass" and len(b.objects) == 1,
    )

# ----------------------------------------------------------------------------- make
TOOLS = {
    "wood_pickaxe": ({"wood": 1}, ("table",)),
    "stone_pickaxe": ({"wood": 1, "stone": 1}, ("table",)),
    "iron_pickaxe": ({"wood": 1, "coal": 1, "iron": 1}, ("table", "furnace")),
    "wood_sword": ({"wood": 1}, ("table",)),
    "stone_sword": ({"wood": 1, "stone": 1}, ("table",)),
    "iron_sword": ({"wood": 1, "coal": 1, "iron": 1}, ("table", "furnace")),
}
for tool, (cost, stations) in TOOLS.items():
    rich = {k: v + 1 for k, v in cost.items()}
    # success: stations on diagonal cells of the 3x3 square
    s = blank(**rich)
    for station, cell in zip(stations, ((1, 1), (-1, -1)), strict=False):
        paint(s, station, cell)
    case(
        f"make {tool}",
        s,
        [A[f"make_{tool}"]],
        lambda a, b, t=tool, c=cost: (
            inv(b, t) == 1 and all(inv(b, k) == inv(a, k) - v for k, v in c.items())
        ),
    )
    # missing resources (one short of each cost item in turn)
    for short in cost:
        poor = dict(cost)
        poor[short] -= 1
        s = blank(**poor)
        for station, cell in zip(stations, ((1, 1), (-1, -1)), strict=False):
            paint(s, station, cell)
        case(
            f"make {tool} without {short} fails",
            s,
            [A[f"make_{tool}"]],
            lambda a, b: b.inventory == a.inventory,
        )
    # missing station: the last listed station absent; table two cells away
    s = blank(**rich)
    paint(s, "table", (2, 0))
    if "furnace" in stations:
        paint(s, "table", (1, 0))
    case(
        f"make {tool} without its station nearby fails",
        s,
        [A[f"make_{tool}"]],
        lambda a, b: b.inventory == a.inventory,
    )
case(
    "make on map column 0 fails (crafter's slicing quirk)",
    paint(blank(pos=(0, 20), wood=2), "table", (1, 0)),
    [A["make_wood_pickaxe"]],
    lambda a, b: inv(b, "wood_pickaxe") == 0,
)
case(
    "make on map row 0 fails (crafter's slicing quirk)",
    paint(blank(pos=(20, 0), wood=2), "table", (0, 1)),
    [A["make_wood_sword"]],
    lambda a, b: inv(b, "wood_sword") == 0,
)
case(
    "make on the last map column works",
    paint(blank(pos=(63, 20), wood=2), "table", (-1, 1)),
    [A["make_wood_pickaxe"]],
    lambda a, b: inv(b, "wood_pickaxe") == 1,
)
case(
    "make two tools in a row, capped inventory",
    paint(blank(wood=9, wood_pickaxe=9), "table", (0, -1)),
    [A["make_wood_pickaxe"], A["make_wood_sword"]],
    lambda a, b: inv(b, "wood_pickaxe") == 9 and inv(b, "wood") == 7,
)

# --------------------------------------------------------------------------- combat
SWORDS = {None: 1, "wood_sword": 2, "stone_sword": 3, "iron_sword": 5}
HEALTH = {"cow": 3, "zombie": 5, "skeleton": 3}
for creature, health in HEALTH.items():
    ground = "path" if creature == "skeleton" else "sand"
    for sword, damage in SWORDS.items():
        hits = -(-health // damage)
        items = {sword: 1} if sword else {}
        s = paint(blank(**items), ground, DOWN)
        enclose(s, DOWN)
        add(s, creature, DOWN)
        achievement = {"cow": "eat_cow", "zombie": "defeat_zombie"}.get(
            creature, "defeat_skeleton"
        )
        case(
            f"kill a {creature} with {sword or 'bare hands'} in {hits} hits",
            s,
            [A["do"]] * hits + [A["noop"]],
            lambda a, b, ach_=achievement: not b.objects and ach(b, ach_) == 1,
        )
        if hits > 1:
            case(
                f"hit a {creature} with {sword or 'bare hands'} once",
                s,
                [A["do"]],
                lambda a, b, h=health - damage: b.objects[0].health == h,
            )
case(
    "eating a cow resets hunger and gives food 6",
    add(
        enclose(blank(iron_sword=1, food=2, counters=(20, 3, 4, 5)), DOWN), "cow", DOWN
    ),
    [A["do"]],
    lambda a, b: inv(b, "food") == 8 and b.hunger == 1,
)
case(
    "zombie next to an awake player: 2 damage, cooldown 5",
    add(enclose(blank(), RIGHT), "zombie", RIGHT),
    [A["noop"]] * 9,
    lambda a, b: inv(b, "health") == 5,
)
case(
    "zombie next to a sleeping player: 7 damage, player wakes the next step",
    add(enclose(blank(sleeping=True, energy=3), RIGHT), "zombie", RIGHT),
    [A["noop"]] * 3,
    lambda a, b: not b.sleeping and ach(b, "wake_up") == 0,
)
case(
    "zombie with cooldown 2 waits",
    add(enclose(blank(), LEFT), "zombie", LEFT, timer=2),
    [A["noop"]] * 4,
    lambda a, b: inv(b, "health") == 7,
)
case(
    "a zombie's cooldown does not tick while it is not adjacent",
    add(enclose(blank(), (2, 0)), "zombie", (2, 0), timer=3),
    [A["noop"]] * 4,
    lambda a, b: b.objects[0].timer == 3 and inv(b, "health") == 9,
)
case(
    "a zombie killed this step still hits (its update finishes)",
    add(enclose(blank(), DOWN), "zombie", DOWN, health=1),
    [A["do"], A["noop"]],
    lambda a, b: not b.objects and inv(b, "health") == 7,
)
case(
    "walled-in skeleton next to the player cannot shoot into it",
    add(enclose(paint(blank(), "path", DOWN), DOWN), "skeleton", DOWN, timer=2),
    [A["noop"]] * 4,
    lambda a, b: kinds(b) == ["skeleton"] and b.objects[0].timer == 0,
)
case(
    "hitting a plant does not harm it",
    add(paint(blank(), "grass", DOWN), "plant", DOWN, timer=5),
    [A["do"]] * 2,
    lambda a, b: b.objects[0].health == 1 and b.objects[0].timer == 7,
)

# --------------------------------------------------------------------------- arrows
case(
    "arrow flies over sand, water and lava",
    paint(add(blank(), "arrow", (2, 0), facing=RIGHT), "water", (4, 0), (5, 0)),
    [A["noop"]] * 6,
    lambda a, b: b.objects[0].pos == (40, 32),
)
for wall, left in (
    ("stone", "stone"),
    ("tree", "tree"),
    ("table", "path"),
    ("furnace", "path"),
):
    case(
        f"arrow hits {wall}",
        paint(add(blank(), "arrow", (2, 0), facing=RIGHT), wall, (4, 0)),
        [A["noop"]] * 3,
        lambda a, b, left_=left: not b.objects and mat(b, (4, 0)) == left_,
    )
case(
    "arrow leaves the map",
    add(blank(pos=(10, 10)), "arrow", (-9, 0), facing=LEFT),
    [A["noop"]] * 3,
    lambda a, b: not b.objects,
)
case(
    "arrow hits the player for 2",
    add(blank(), "arrow", (0, 2), facing=UP),
    [A["noop"]] * 3,
    lambda a, b: inv(b, "health") == 7 and not b.objects,
)
case(
    "arrow hits a sleeping player: 2 damage, wakes without achievement",
    add(blank(sleeping=True, energy=2), "arrow", (0, -2), facing=DOWN),
    [A["noop"]] * 3,
    lambda a, b: inv(b, "health") == 7 and not b.sleeping and ach(b, "wake_up") == 0,
)
# The creature is walled in on three sides; the fourth is water, which arrows cross
# and creatures cannot enter. The skeleton's reload keeps it from shooting.
for target in ("cow", "zombie", "skeleton"):
    ground = "path" if target == "skeleton" else "sand"
    s = paint(blank(), ground, (3, 0))
    enclose(s, (3, 0))
    paint(s, "water", (2, 0))
    add(s, target, (3, 0), timer=4 if target == "skeleton" else 0)
    add(s, "arrow", (1, 0), facing=RIGHT)
    case(
        f"arrow hits a walled-in {target}",
        s,
        [A["noop"]] * 3,
        lambda a, b, t=target: kinds(b) == [t] and b.objects[0].health == HEALTH[t] - 2,
    )
s = paint(blank(), "sand", (3, 0))
enclose(s, (3, 0))
paint(s, "water", (2, 0))
add(s, "cow", (3, 0), health=2)
add(s, "arrow", (1, 0), facing=RIGHT)
case(
    "arrow kills a cow: removed on its next update, no food",
    s,
    [A["noop"]] * 3,
    lambda a, b: not b.objects and inv(b, "food") == 9 and ach(b, "eat_cow") == 0,
)
case(
    "arrow hits a plant, the plant dies",
    add(
        add(paint(blank(), "grass", (3, 0)), "plant", (3, 0)),
        "arrow",
        (1, 0),
        facing=RIGHT,
    ),
    [A["noop"]] * 3,
    lambda a, b: not b.objects,
)
case(
    "arrow hits another arrow",
    add(add(blank(), "arrow", (3, 0), facing=RIGHT), "arrow", (4, 0), facing=DOWN),
    [A["noop"]] * 3,
    lambda a, b: kinds(b) == ["arrow"] and b.objects[0].pos == (36, 35),
)
case(
    "two arrows cross without meeting",
    add(add(blank(), "arrow", (4, 0), facing=LEFT), "arrow", (2, 0), facing=UP),
    [A["noop"]],
    lambda a, b: kinds(b) == ["arrow", "arrow"],
)

# --------------------------------------------------------------------------- plants
case(
    "plant ripens and is eaten",
    add(paint(blank(food=3), "grass", DOWN), "plant", DOWN, timer=299),
    [A["do"], A["noop"], A["do"], A["do"]],
    lambda a, b: (
        inv(b, "food") == 7 and ach(b, "eat_plant") == 1 and b.objects[0].timer == 2
    ),
)
case(
    "eating a plant keeps the hunger counter",
    add(
        paint(blank(food=3, counters=(11, 0, 0, 0)), "grass", DOWN),
        "plant",
        DOWN,
        timer=400,
    ),
    [A["do"]],
    lambda a, b: b.hunger == 12 and inv(b, "food") == 7,
)
for eater in ("cow", "zombie", "skeleton"):
    ground = "path" if eater == "skeleton" else "sand"
    s = paint(blank(), "grass", (5, 0))
    paint(s, ground, (6, 0))
    enclose(s, (6, 0))  # walls around the eater, the plant on its west
    paint(s, "grass", (5, 0))
    add(s, eater, (6, 0))  # the eater updates before the plant, while still walled in
    add(s, "plant", (5, 0))
    case(
        f"a {eater} next to a sapling eats it",
        s,
        [A["noop"]],
        lambda a, b, e=eater: kinds(b) == [e] and b.objects[0].pos == (38, 32),
    )
s = paint(blank(), "grass", (17, 0), (18, 0), (0, -17))
add(s, "plant", (17, 0), timer=10)
add(s, "plant", (18, 0), timer=10)
add(s, "plant", (0, -17), timer=10)
case(
    "objects 18 or more cells away are frozen",
    s,
    [A["noop"]] * 2,
    lambda a, b: [o.timer for o in b.objects] == [12, 10, 12],
)

s = paint(blank(), "grass", (18, 0), (-17, 0))
add(s, "plant", (18, 0), timer=10)
add(s, "plant", (-17, 0), timer=10)
case(
    "update range is measured after the player's move",
    s,
    [A["move_right"]],
    lambda a, b: [o.timer for o in b.objects] == [11, 10],
)
for creature, achievement in (
    ("cow", "eat_cow"),
    ("zombie", "defeat_zombie"),
    ("skeleton", "defeat_skeleton"),
):
    ground = "path" if creature == "skeleton" else "sand"
    s = enclose(paint(blank(counters=(9, 0, 0, 0)), ground, DOWN), DOWN)
    add(s, creature, DOWN, health=0)
    case(
        f"hitting a {creature} already at health 0 (an arrow's kill) counts again",
        s,
        [A["do"]],
        lambda a, b, ach_=achievement: ach(b, ach_) == 1 and not b.objects,
    )

# ---------------------------------------------------------------------- sleep/vitals
case(
    "sleep with full energy does nothing",
    blank(),
    [A["sleep"]],
    lambda a, b: not b.sleeping,
)
case(
    "sleep, stay asleep whatever the action, wake with the achievement",
    paint(blank(energy=7, counters=(4, 5, 6, 7)), "grass", LEFT),
    [A["sleep"]] + [A["move_left"]] * 30,
    lambda a, b: ach(b, "wake_up") == 1 and inv(b, "energy") == 9,
)
case(
    "on the waking step the chosen action runs",
    paint(blank(energy=8, sleeping=True, counters=(0, 0, -10, 0)), "tree", DOWN),
    [A["do"], A["do"], A["noop"]],
    lambda a, b: ach(b, "wake_up") == 1 and inv(b, "wood") == 1,
)
rng = np.random.default_rng(7)
case(
    "vitals over 330 steps of random noop/sleep/do",
    paint(blank(counters=(3, 9, 1, 5)), "water", DOWN),
    rng.choice([A["noop"], A["sleep"], A["sleep"], A["do"]], size=330).tolist(),
    lambda a, b: b.step == 330,
)
case(
    "vitals over 320 awake steps from low health",
    blank(health=3, counters=(5, 1, 7, -3)),
    [A["noop"]] * 320,
    lambda a, b: inv(b, "food") < 9 and inv(b, "energy") < 9,
)
case(
    "vitals over 320 steps asleep from exhaustion",
    blank(energy=0, health=6, sleeping=True),
    [A["noop"]] * 320,
    lambda a, b: ach(b, "wake_up") == 1,
)
case(
    "starving and thirsty awake: health degenerates to death",
    blank(food=0, drink=1, counters=(0, 0, 0, -14)),
    [A["noop"]] * 330,
    lambda a, b: inv(b, "health") == 0,
)
case(
    "starving asleep: slower degeneration",
    blank(food=0, energy=1, health=4, sleeping=True, counters=(0, 0, 0, -10)),
    [A["noop"]] * 320,
    lambda a, b: inv(b, "health") < 4,
)
case(
    "exhausted awake: energy 0 drains health",
    blank(energy=0, counters=(0, 0, 25, 0)),
    [A["noop"]] * 40,
    lambda a, b: inv(b, "health") < 9,
)

# ------------------------------------------------------------------------ balancing
# At step 10 a chunk with 3 cows (or 3 skeletons) tries a despawn with p 0.1, but the
# chosen creature must be at L1 distance >= 5 (cows) or >= 7 (skeletons): walled-in
# creatures closer than that are never removed, whatever crafter draws.
for creature, ground, distance in (("cow", "sand", 2), ("skeleton", "path", 3)):
    s = blank(step=9)
    for offset in ((distance, 0), (-distance, 0), (0, distance)):
        paint(s, ground, offset)
        enclose(s, offset)
        add(s, creature, offset, timer=4 if creature == "skeleton" else 0)
    case(
        f"balancing never despawns a {creature} near the player",
        s,
        [A["noop"]],
        lambda a, b, c=creature: kinds(b) == [c] * 3 and b.step == 10,
    )

# ---------------------------------------------------------------------- time/episode
case(
    "daylight across dusk",
    blank(step=140),
    [A["noop"]] * 20,
    lambda a, b: b.step == 160,
)
case(
    "truncation at step 10000",
    blank(step=9998),
    [A["noop"]] * 2,
    lambda a, b: b.step == 10000,
)
case(
    "reward: first unlock +1, health change /10",
    paint(blank(health=5), "tree", DOWN, LEFT),
    [A["do"], A["move_left"], A["do"]],
    lambda a, b: ach(b, "collect_wood") == 2,
)


def scenarios_named(part: str) -> list[Case]:
    """Cases whose name contains ``part``."""
    return [c for c in CASES if part in c.scenario.name]
