"""Every number of the Crafter 1.8.3 game, in one place.

The values restate ``crafter/data.yaml`` and the constants written inline in
``crafter/objects.py``, ``crafter/env.py`` and ``crafter/worldgen.py`` of the
original package. Names and orders (materials, items, achievements, actions) are the
original's, so ids and dictionary keys agree with ``crafter.Env``.

Coordinates are ``(x, y)`` with ``x`` the column (left/right) and ``y`` the row
(up/down), and maps are indexed ``[x, y]``, as in the original.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------- world
AREA = (64, 64)  # cells, (width, height)
VIEW = (9, 9)  # grid units of the original's image observation
LOCAL_VIEW = (9, 7)  # cells of the local map (width, height), centred on the player
CHUNK_SIZE = (12, 12)  # cells per balancing chunk
NUM_CHUNKS = (6, 6)  # ceil(64 / 12) per axis; the last row/column is only 4 wide
UPDATE_RANGE = 18  # objects with L1 distance < 18 from the player are updated
EPISODE_LENGTH = 10_000  # steps until truncation
BALANCE_INTERVAL = 10  # chunk balancing every 10 steps
DAY_LENGTH = 300  # steps per day cycle

# ------------------------------------------------------------------------- materials
# Material ids as in the original's engine: 0 is "unknown" (never on a generated map).
MATERIALS = (
    "water",
    "grass",
    "stone",
    "path",
    "sand",
    "tree",
    "lava",
    "coal",
    "iron",
    "diamond",
    "table",
    "furnace",
)
MATERIAL_IDS = {name: index + 1 for index, name in enumerate(MATERIALS)}
UNKNOWN = 0
WATER, GRASS, STONE, PATH, SAND, TREE, LAVA, COAL, IRON, DIAMOND, TABLE, FURNACE = (
    range(1, 13)
)
NUM_MATERIALS = 13  # including the unknown id 0

WALKABLE = (GRASS, SAND, PATH)  # cows, zombies, skeletons
PLAYER_WALKABLE = (GRASS, SAND, PATH, LAVA)  # entering lava kills
ARROW_WALKABLE = (GRASS, SAND, PATH, WATER, LAVA)
ARROW_BREAKS = (TABLE, FURNACE)  # an arrow hitting these turns them into path

# --------------------------------------------------------------------------- objects
# Object kinds. The original's semantic map uses id 12 + kind for objects.
NO_OBJECT, PLAYER, COW, ZOMBIE, SKELETON, ARROW, PLANT = range(7)
OBJECT_KINDS = ("none", "player", "cow", "zombie", "skeleton", "arrow", "plant")
NUM_KINDS = 7
SEMANTIC_OFFSET = 12  # info["semantic"] id = 12 + kind

INITIAL_HEALTH = {COW: 3, ZOMBIE: 5, SKELETON: 3, ARROW: 0, PLANT: 1}

# Directions: index -> (dx, dy). The move actions 1..4 map to indices 0..3.
DIRECTIONS = np.array([(-1, 0), (1, 0), (0, -1), (0, 1)], dtype=np.int32)
LEFT, RIGHT, UP, DOWN = range(4)
START_FACING = DOWN  # (0, +1)

# Cow
COW_MOVE_PROBABILITY = 0.5

# Zombie
ZOMBIE_CHASE_DISTANCE = 8  # L1 distance at or below which it may chase
ZOMBIE_CHASE_PROBABILITY = 0.9
ZOMBIE_LONG_AXIS_PROBABILITY = 0.8
ZOMBIE_ATTACK_DISTANCE = 1
ZOMBIE_DAMAGE = 2
ZOMBIE_SLEEPING_DAMAGE = 7
ZOMBIE_COOLDOWN = 5

# Skeleton
SKELETON_FLEE_DISTANCE = 3
SKELETON_FLEE_LONG_AXIS_PROBABILITY = 0.6
SKELETON_SHOOT_DISTANCE = 5
SKELETON_SHOOT_PROBABILITY = 0.5
SKELETON_APPROACH_DISTANCE = 8
SKELETON_APPROACH_PROBABILITY = 0.3
SKELETON_APPROACH_LONG_AXIS_PROBABILITY = 0.6
SKELETON_RANDOM_MOVE_PROBABILITY = 0.2
SKELETON_RELOAD = 4

# Arrow
ARROW_DAMAGE = 2

# Plant
PLANT_RIPE_AFTER = 300  # ripe when grown > 300
PLANT_EAT_FOOD = 4
PLANT_EATERS = (COW, ZOMBIE, SKELETON)

# ---------------------------------------------------------------------------- items
ITEMS = (
    "health",
    "food",
    "drink",
    "energy",
    "sapling",
    "wood",
    "stone",
    "coal",
    "iron",
    "diamond",
    "wood_pickaxe",
    "stone_pickaxe",
    "iron_pickaxe",
    "wood_sword",
    "stone_sword",
    "iron_sword",
)
ITEM_IDS = {name: index for index, name in enumerate(ITEMS)}
NUM_ITEMS = 16
ITEM_MAX = 9
ITEM_MIN = 0
INITIAL_INVENTORY = np.array([9, 9, 9, 9] + [0] * 12, dtype=np.int32)
(
    HEALTH,
    FOOD,
    DRINK,
    ENERGY,
    SAPLING,
    WOOD,
    STONE_ITEM,
    COAL_ITEM,
    IRON_ITEM,
    DIAMOND_ITEM,
    WOOD_PICKAXE,
    STONE_PICKAXE,
    IRON_PICKAXE,
    WOOD_SWORD,
    STONE_SWORD,
    IRON_SWORD,
) = range(16)

# Player damage: max(1, 2 if wood sword, 3 if stone sword, 5 if iron sword).
BARE_HAND_DAMAGE = 1
SWORD_DAMAGE = ((WOOD_SWORD, 2), (STONE_SWORD, 3), (IRON_SWORD, 5))
COW_EAT_FOOD = 6

# ---------------------------------------------------------------------- achievements
ACHIEVEMENTS = (
    "collect_coal",
    "collect_diamond",
    "collect_drink",
    "collect_iron",
    "collect_sapling",
    "collect_stone",
    "collect_wood",
    "defeat_skeleton",
    "defeat_zombie",
    "eat_cow",
    "eat_plant",
    "make_iron_pickaxe",
    "make_iron_sword",
    "make_stone_pickaxe",
    "make_stone_sword",
    "make_wood_pickaxe",
    "make_wood_sword",
    "place_furnace",
    "place_plant",
    "place_stone",
    "place_table",
    "wake_up",
)
ACHIEVEMENT_IDS = {name: index for index, name in enumerate(ACHIEVEMENTS)}
NUM_ACHIEVEMENTS = 22

# --------------------------------------------------------------------------- actions
ACTIONS = (
    "noop",
    "move_left",
    "move_right",
    "move_up",
    "move_down",
    "do",
    "sleep",
    "place_stone",
    "place_table",
    "place_furnace",
    "place_plant",
    "make_wood_pickaxe",
    "make_stone_pickaxe",
    "make_iron_pickaxe",
    "make_wood_sword",
    "make_stone_sword",
    "make_iron_sword",
)
NUM_ACTIONS = 17
NOOP, MOVE_LEFT, MOVE_RIGHT, MOVE_UP, MOVE_DOWN, DO, SLEEP = range(7)
PLACE_STONE, PLACE_TABLE, PLACE_FURNACE, PLACE_PLANT = range(7, 11)
MAKE_WOOD_PICKAXE, MAKE_STONE_PICKAXE, MAKE_IRON_PICKAXE = range(11, 14)
MAKE_WOOD_SWORD, MAKE_STONE_SWORD, MAKE_IRON_SWORD = range(14, 17)

# ------------------------------------------------------------------------ collecting
# material -> (required item counts, received item, leaves material, probability,
# achievement). Requirements are not consumed.
COLLECT = {
    TREE: ({}, WOOD, GRASS, 1.0, "collect_wood"),
    STONE: ({WOOD_PICKAXE: 1}, STONE_ITEM, PATH, 1.0, "collect_stone"),
    COAL: ({WOOD_PICKAXE: 1}, COAL_ITEM, PATH, 1.0, "collect_coal"),
    IRON: ({STONE_PICKAXE: 1}, IRON_ITEM, PATH, 1.0, "collect_iron"),
    DIAMOND: ({IRON_PICKAXE: 1}, DIAMOND_ITEM, PATH, 1.0, "collect_diamond"),
    WATER: ({}, DRINK, WATER, 1.0, "collect_drink"),
    GRASS: ({}, SAPLING, GRASS, 0.1, "collect_sapling"),
}

# ------------------------------------------------------------------------- placing
# action -> (cost {item: count}, allowed target materials, placed material or None for
# the plant object, achievement).
PLACE = {
    PLACE_STONE: (
        {STONE_ITEM: 1},
        (GRASS, SAND, PATH, WATER, LAVA),
        STONE,
        "place_stone",
    ),
    PLACE_TABLE: ({WOOD: 2}, (GRASS, SAND, PATH), TABLE, "place_table"),
    PLACE_FURNACE: ({STONE_ITEM: 4}, (GRASS, SAND, PATH), FURNACE, "place_furnace"),
    PLACE_PLANT: ({SAPLING: 1}, (GRASS,), None, "place_plant"),
}

# -------------------------------------------------------------------------- making
# action -> (cost {item: count}, nearby materials required in the 3x3 square, made
# item, achievement).
MAKE = {
    MAKE_WOOD_PICKAXE: ({WOOD: 1}, (TABLE,), WOOD_PICKAXE, "make_wood_pickaxe"),
    MAKE_STONE_PICKAXE: (
        {WOOD: 1, STONE_ITEM: 1},
        (TABLE,),
        STONE_PICKAXE,
        "make_stone_pickaxe",
    ),
    MAKE_IRON_PICKAXE: (
        {WOOD: 1, COAL_ITEM: 1, IRON_ITEM: 1},
        (TABLE, FURNACE),
        IRON_PICKAXE,
        "make_iron_pickaxe",
    ),
    MAKE_WOOD_SWORD: ({WOOD: 1}, (TABLE,), WOOD_SWORD, "make_wood_sword"),
    MAKE_STONE_SWORD: (
        {WOOD: 1, STONE_ITEM: 1},
        (TABLE,),
        STONE_SWORD,
        "make_stone_sword",
    ),
    MAKE_IRON_SWORD: (
        {WOOD: 1, COAL_ITEM: 1, IRON_ITEM: 1},
        (TABLE, FURNACE),
        IRON_SWORD,
        "make_iron_sword",
    ),
}
NEARBY_DISTANCE = 1  # the 3x3 square centred on the player

# -------------------------------------------------------------------------- vitals
# The original counts in steps of 0.5; we count in half-units so every value is an
# exact integer. "> 25" becomes "> 50" and so on.
HUNGER_AWAKE = 2  # +1.0 per awake step
HUNGER_ASLEEP = 1  # +0.5 per sleeping step
HUNGER_LIMIT = 50  # > 25.0 -> reset to 0, food - 1
THIRST_AWAKE = 2
THIRST_ASLEEP = 1
THIRST_LIMIT = 40  # > 20.0 -> reset to 0, drink - 1
# Fatigue moves in whole units in the original (kept in whole units here).
FATIGUE_AWAKE = 1  # +1 per awake step
FATIGUE_ASLEEP = -1  # min(fatigue - 1, 0) per sleeping step
FATIGUE_RESTED = -10  # < -10 -> reset to 0, energy + 1
FATIGUE_TIRED = 30  # > 30 -> reset to 0, energy - 1
RECOVER_AWAKE = 2  # +1.0 when fed, watered and rested (half-units)
RECOVER_ASLEEP = 4  # +2.0 while sleeping
DEGEN_AWAKE = -2  # -1.0 when a necessity is missing
DEGEN_ASLEEP = -1  # -0.5 while sleeping
RECOVER_LIMIT = 50  # > 25.0 -> reset to 0, health + 1
DEGEN_LIMIT = -30  # < -15.0 -> reset to 0, health - 1

# ------------------------------------------------------------------------- balance
# Chunk balancing, in the order the original processes the classes. Targets depend on
# the count S of the spawn material in the chunk and on daylight L.
BALANCE_ORDER = (ZOMBIE, SKELETON, COW)
BALANCE = {
    # kind: (spawn material, spawn min L1 distance, despawn min L1 distance,
    #        spawn probability, despawn probability)
    ZOMBIE: (GRASS, 6, 0, 0.3, 0.4),
    SKELETON: (PATH, 7, 7, 0.1, 0.1),
    COW: (GRASS, 5, 5, 0.01, 0.1),
}
ZOMBIE_MIN_SPACE = 50  # target min is 0 below this many grass cells
SKELETON_MIN_SPACE = 6
COW_MIN_SPACE = 30


def zombie_targets(space: int, daylight: float) -> tuple[float, float]:
    """(min, max) zombie targets of a chunk with ``space`` grass cells."""
    high = 3.5 - 3 * daylight
    return (0.0 if space < ZOMBIE_MIN_SPACE else high), high


def skeleton_targets(space: int, daylight: float) -> tuple[float, float]:
    """(min, max) skeleton targets of a chunk with ``space`` path cells."""
    return (0.0 if space < SKELETON_MIN_SPACE else 1.0), 2.0


def cow_targets(space: int, daylight: float) -> tuple[float, float]:
    """(min, max) cow targets of a chunk with ``space`` grass cells."""
    return (0.0 if space < COW_MIN_SPACE else 1.0), 1.5 + daylight


# -------------------------------------------------------------------------- reward
HEALTH_REWARD_SCALE = 0.1  # reward += (health_t - health_{t-1}) / 10
UNLOCK_REWARD = 1.0  # once per step in which any achievement is unlocked first


def daylight_of(step: int | np.ndarray) -> np.ndarray:
    """Daylight in [0, 1] after ``step`` steps (float64, as in the original)."""
    progress = (np.asarray(step, dtype=np.float64) / DAY_LENGTH) % 1 + 0.3
    return 1 - np.abs(np.cos(np.pi * progress)) ** 3


# ---------------------------------------------------------------- world generation
START = (32, 32)  # area // 2
WORLDGEN = {
    "start_noise": (8, 3),  # (z, size)
    "water_noise": (3, {15: 1.0, 5: 0.15}),  # unnormalised
    "mountain_noise": (0, {15: 1.0, 5: 0.3}),
    "cave_noise": (6, 7),
    "tunnel_noise": (7, 3),
    "coal_noise": (1, 8),
    "iron_noise": (2, 6),
    "lava_noise": (6, 5),
    "sand_noise": (4, 9),
    "tree_noise": (5, 7),
}
START_RADIUS = 4.0  # start = sigmoid(4 - distance + 2 * noise)
START_NOISE_WEIGHT = 2.0
WATER_OFFSET = 0.1
WATER_START_WEIGHT = 2.0
MOUNTAIN_START_WEIGHT = 4.0
MOUNTAIN_WATER_WEIGHT = 0.3
START_THRESHOLD = 0.5
MOUNTAIN_THRESHOLD = 0.15
CAVE_THRESHOLD = 0.15
CAVE_MOUNTAIN = 0.3
TUNNEL_THRESHOLD = 0.4
COAL_NOISE_THRESHOLD = 0.0
COAL_UNIFORM = 0.85
IRON_NOISE_THRESHOLD = 0.4
IRON_UNIFORM = 0.75
DIAMOND_MOUNTAIN = 0.18
DIAMOND_UNIFORM = 0.994
LAVA_MOUNTAIN = 0.3
LAVA_NOISE_THRESHOLD = 0.35
SAND_WATER_LOW = 0.25
SAND_WATER_HIGH = 0.35
SAND_NOISE_THRESHOLD = -0.2
WATER_THRESHOLD = 0.3
TREE_NOISE_THRESHOLD = 0.0
TREE_UNIFORM = 0.8
COW_SPAWN_DISTANCE = 3.0  # Euclidean, strictly greater
COW_SPAWN_UNIFORM = 0.985
ZOMBIE_SPAWN_DISTANCE = 10.0
ZOMBIE_SPAWN_UNIFORM = 0.993
SKELETON_SPAWN_UNIFORM = 0.95

# ------------------------------------------------------------------------ capacity
OBJECT_CAPACITY = 256  # slots of the object table (the original peaks near 125)
