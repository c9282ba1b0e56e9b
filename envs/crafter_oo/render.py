"""Rendering of a Crafter-OO state: a text map (``ansi``) and plain coloured tiles
(``rgb_array``). No textures of the original are used.

Both work on host NumPy copies (``jax.device_get``) and draw either the 9 x 7 local
view around the player (default) or the whole 64 x 64 map.
"""

from __future__ import annotations

import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.observation import HALF_HEIGHT, HALF_WIDTH

# One character per material id (0 = off the map) and per object kind.
MATERIAL_CHARS = " ~.#_:T%cid+F"  # unknown water grass stone path sand tree lava ...
OBJECT_CHARS = {
    rules.COW: "C",
    rules.ZOMBIE: "Z",
    rules.SKELETON: "S",
    rules.PLANT: "p",
}
PLAYER_CHARS = "<>^v"  # by facing
ARROW_CHARS = "<>^v"

MATERIAL_COLORS = np.array(
    [
        (127, 127, 127),  # off the map (grey, as in the original's local view)
        (50, 90, 200),  # water
        (90, 170, 60),  # grass
        (120, 120, 120),  # stone
        (190, 160, 110),  # path
        (220, 210, 150),  # sand
        (30, 100, 30),  # tree
        (230, 90, 20),  # lava
        (40, 40, 40),  # coal
        (200, 150, 120),  # iron
        (150, 240, 240),  # diamond
        (140, 90, 40),  # table
        (90, 60, 60),  # furnace
    ],
    dtype=np.uint8,
)
OBJECT_COLORS = {
    rules.PLAYER: (255, 255, 255),
    rules.COW: (150, 100, 60),
    rules.ZOMBIE: (20, 160, 120),
    rules.SKELETON: (230, 230, 230),
    rules.ARROW: (0, 0, 0),
    rules.PLANT: (200, 230, 80),
}


def _grids(state, view: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(material, objects, facing-or-direction) grids for ``view`` ("local"/"full")."""
    from symworld.envs.crafter_oo.observation import object_map

    material = np.asarray(state.material)
    objects = np.asarray(object_map(state))
    facing = np.full(material.shape, -1, np.int32)
    table = state.objects
    alive = np.asarray(table.alive)
    kinds = np.asarray(table.kind)
    for slot in np.flatnonzero(alive & (kinds == rules.ARROW)):
        x, y = np.asarray(table.pos[slot])
        facing[x, y] = int(table.facing[slot])
    px, py = np.asarray(state.player.pos)
    facing[px, py] = int(state.player.facing)
    if view == "full":
        return material, objects, facing
    if view != "local":
        raise ValueError(f"view must be 'local' or 'full', got {view!r}")
    pad = ((HALF_WIDTH, HALF_WIDTH), (HALF_HEIGHT, HALF_HEIGHT))
    window = (
        slice(px, px + rules.LOCAL_VIEW[0]),
        slice(py, py + rules.LOCAL_VIEW[1]),
    )
    return (
        np.pad(material, pad)[window],
        np.pad(objects, pad)[window],
        np.pad(facing, pad, constant_values=-1)[window],
    )


def render_text(state, view: str = "local") -> str:
    """A text map (rows = y, columns = x) followed by a status line."""
    material, objects, facing = _grids(state, view)
    lines = []
    for y in range(material.shape[1]):
        row = []
        for x in range(material.shape[0]):
            kind = int(objects[x, y])
            if kind == rules.PLAYER:
                row.append(PLAYER_CHARS[facing[x, y]])
            elif kind == rules.ARROW:
                row.append(ARROW_CHARS[max(facing[x, y], 0)])
            elif kind:
                row.append(OBJECT_CHARS[kind])
            else:
                row.append(MATERIAL_CHARS[int(material[x, y])])
        lines.append("".join(row))
    inventory = np.asarray(state.player.inventory)
    status = " ".join(
        f"{name}={int(count)}"
        for name, count in zip(rules.ITEMS, inventory, strict=True)
        if count > 0 or name in ("health", "food", "drink", "energy")
    )
    lines.append(
        f"step={int(state.step)} daylight={float(state.daylight):.2f} "
        f"sleeping={bool(state.player.sleeping)} {status}"
    )
    return "\n".join(lines)


def render_rgb(state, view: str = "local", unit: int = 8) -> np.ndarray:
    """``uint8[H, W, 3]`` image: one ``unit`` x ``unit`` tile per cell, objects as
    inset squares; in the local view a strip below shows the four vitals as bars."""
    material, objects, _ = _grids(state, view)
    width, height = material.shape
    tiles = MATERIAL_COLORS[material]  # [W, H, 3]
    image = np.repeat(np.repeat(tiles, unit, 0), unit, 1)
    inset = max(unit // 4, 1)
    for kind, color in OBJECT_COLORS.items():
        for x, y in zip(*np.nonzero(objects == kind), strict=True):
            image[
                x * unit + inset : (x + 1) * unit - inset,
                y * unit + inset : (y + 1) * unit - inset,
            ] = color
    image = image.transpose(1, 0, 2)  # (H, W, C) with rows = y
    if view == "local":
        strip = np.zeros((2 * unit, width * unit, 3), np.uint8)
        vitals = np.asarray(state.player.inventory[:4])
        colors = [(220, 40, 40), (200, 130, 40), (40, 120, 220), (220, 220, 40)]
        bar = (width * unit) // 4
        for index, (value, color) in enumerate(zip(vitals, colors, strict=True)):
            length = int(round(bar * int(value) / rules.ITEM_MAX))
            strip[unit // 2 : unit + unit // 2, index * bar : index * bar + length] = (
                color
            )
        image = np.concatenate([image, strip], 0)
    return np.ascontiguousarray(image)
