"""A den: two cells in a row, walled on every side but one gate, that the player
can seal from inside by building on the gate, and open again by digging it.

Facing follows the last move in a grid world with a facing (the player faces
the cell it would enter), so a player cannot face an open neighbour without
stepping onto it. A one-cell hole therefore cannot be sealed from inside; a
straight two-cell dead end can: walk in to the inner cell, step back to the
outer one (now facing the gate), build on the gate. The inner and outer cells
may also be dug out of blocking cells first. Everything here is learnt by the
explorer: which values block, which action builds a blocking value on which
values (and what it costs), and which action digs which blocking value.

All maps are indexed ``[x, y]`` like the schema's ``map`` grid. :func:`find_den`
finds a den; :class:`Sheltering` is the explorer's part that seeks, enters,
seals, keeps and leaves it, flees close threats and picks a sheltered cell.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from symworld.induction.explorer_settings import (
    CRITICAL_VITAL,
    DEN_PATIENCE,
    DEN_RADIUS,
    DEN_STUCK,
    HABITAT_RADIUS,
    HARM_MEMORY,
    HARM_PENALTY,
    HARM_RADIUS,
    LURK_RADIUS,
    SHELTER_RADIUS,
    STOCK_REACH,
)
from symworld.induction.navigation import UNREACHED, shift

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Den:
    """``inner`` and ``outer`` cells, the ``gate`` beyond the outer cell and the
    unit step ``(dx, dy)`` from inner to outer to gate."""

    inner: tuple[int, int]
    outer: tuple[int, int]
    gate: tuple[int, int]
    step: tuple[int, int]


def find_den(
    open_cells: np.ndarray,
    diggable: np.ndarray,
    gate_ok: np.ndarray,
    distance: np.ndarray,
    steps: tuple[tuple[int, int], ...],
    *,
    radius: int,
    exit_wall: bool = False,
    closed: np.ndarray | None = None,
    cost: np.ndarray | None = None,
) -> Den | None:
    """The den whose gate is nearest (at most ``radius`` steps away), or ``None``;
    with ``cost`` (float ``(W, H)``, in steps), the one whose gate has the
    least distance plus cost.

    **Arguments:**

    - ``open_cells``: bool ``(W, H)``, cells the player can stand on.
    - ``diggable``: bool ``(W, H)``, blocking cells the player can dig open.
    - ``gate_ok``: bool ``(W, H)``, open cells the player can build on.
    - ``distance``: int32 ``(W, H)``, steps from the player
      (:data:`~symworld.induction.navigation.UNREACHED` where not reachable).
    - ``steps``: the four unit steps of the grid.

    Every side cell of the inner and outer cells and the cell behind the inner
    one must be closed (not open; a diggable wall still blocks walkers). With
    ``exit_wall`` (the gate, once built, cannot be dug open again), at least one
    of these walls must be diggable, so that the player can leave through it.
    ``closed`` (bool ``(W, H)``): the cells known to block walkers, when a cell
    that is not open may still let creatures through (a value never tried);
    default: every cell that is not open.
    """
    walled = ~open_cells if closed is None else closed
    room = open_cells | diggable
    reached = (distance != UNREACHED) & (distance <= radius)
    best: tuple[float, tuple[int, int], tuple[int, int]] | None = None
    for dx, dy in steps:
        sides = [(ex, ey) for ex, ey in steps if ex * dx + ey * dy == 0]
        # indexed by the gate g: outer g - s, inner g - 2s, behind g - 3s
        ok = gate_ok & reached
        ok &= shift(room, -dx, -dy) & shift(room, -2 * dx, -2 * dy)
        ok &= shift(walled, -3 * dx, -3 * dy, True)
        walls = [(-3 * dx, -3 * dy)]
        for ex, ey in sides:
            ok &= shift(walled, ex - dx, ey - dy, True)
            ok &= shift(walled, ex - 2 * dx, ey - 2 * dy, True)
            walls += [(ex - dx, ey - dy), (ex - 2 * dx, ey - 2 * dy)]
        if exit_wall:
            way_out = np.zeros_like(ok)
            for wx, wy in walls:
                way_out |= shift(diggable, wx, wy)
            ok &= way_out
        if not ok.any():
            continue
        extra = 0.0 if cost is None else cost
        costs = np.where(ok, distance + extra, np.inf)
        index = int(np.argmin(costs))
        gate = np.unravel_index(index, ok.shape)
        if best is None or costs.flat[index] < best[0]:
            best = (float(costs.flat[index]), (int(gate[0]), int(gate[1])), (dx, dy))
    if best is None:
        return None
    _, (gx, gy), (dx, dy) = best
    return Den(
        inner=(gx - 2 * dx, gy - 2 * dy),
        outer=(gx - dx, gy - dy),
        gate=(gx, gy),
        step=(dx, dy),
    )


class Sheltering:
    """The explorer's den-keeping and hiding, a part of
    :class:`~symworld.induction.exploration._GridExplorer` (it reads the
    explorer's memory: ``builds``, ``digs``, ``dig_fails``, ``blocked``,
    ``walkable``, ``hazards``, ``den``, ``habitat``, ``harm_spots``): the evening's
    tries on walls that could open a den, the choice of a den and every step of
    entering, sealing, staying in and leaving it, fleeing close threats and the
    most sheltered cell to wait in."""

    def _opening(
        self,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next step to try a working action on a blocking value (not a
        hazard) that it was never tried on under the current holding, within
        :data:`STOCK_REACH` steps: a dig that could open a den."""
        holding = self.current_holding
        moving = self.moving()
        values = [
            int(v)
            for v in np.unique(view["grid"])
            if int(v) not in self.walkable and int(v) not in self.hazards
        ]
        pairs = [
            (action, ("c", v), 0.0)
            for v in values
            for action in sorted(self.working)
            if action not in moving and not self.tries[(holding, ("c", v))][action]
        ]
        if not pairs:
            return None
        return self._plan(pairs, view, distance, facing, directions, limit=STOCK_REACH)

    def _den_tools(self, encoded: np.ndarray) -> tuple[int, int, set, bool] | None:
        """An affordable build to seal a den with: (build action, built value,
        values it builds on, whether the player can dig the built value open
        again). A build it can dig open comes first; one it cannot serves a den
        with a diggable wall (the way out)."""
        affordable = [
            (not self._digs_of(value, encoded), action, value, sources)
            for action, (value, cost, sources) in sorted(self.builds.items())
            if all(encoded[s] >= c for s, c in cost.items())
        ]
        if not affordable:
            return None
        shut, action, value, sources = min(affordable, key=lambda t: t[:2])
        return action, value, sources, not shut

    def _den_costs(self) -> list[dict[int, int]]:
        """The item costs of the known builds (a den's seal)."""
        return [cost for _, (_, cost, _) in sorted(self.builds.items())]

    def _digs_of(
        self, value: int, encoded: np.ndarray, strict: bool = True
    ) -> list[int]:
        """Actions that dig ``value`` open with the items held now (not
        ``strict``: whatever is held)."""
        return [
            action
            for (action, dug), (after, needs) in sorted(self.digs.items())
            if dug == value
            and (after in self.walkable or not self.blocked[after])
            and (
                not strict
                or all(encoded[s] > 0 for s in self._needs(action, dug, needs))
            )
        ]

    def _needs(self, action: int, value: int, held: set) -> set:
        """The items a dig needs: of those held at every dig (``held``), the
        ones missing from some failed try (a try without them did not dig);
        all of them while no failed try tells them apart."""
        needed = set()
        for failed in self.dig_fails.get((action, value), ()):
            needed |= held - failed
        return needed or set(held)

    def _known_closed(self, grid: np.ndarray) -> np.ndarray:
        """Cells of values that blocked a move of the player (a value never
        tried may let creatures through) or that it built (it cannot stand
        there), except hazards."""
        built = [value for value, _, _ in self.builds.values()]
        values = [v for v, n in self.blocked.items() if n] + built
        values = [v for v in values if v not in self.walkable]
        return np.isin(grid, values) & ~np.isin(grid, self.hazards)

    def _enterable(self, value: int) -> bool:
        """Whether the player can step onto a cell of ``value``: it stood on
        one, or a dig leaves it (the outer cell of a den dug out of a wall:
        a value never walked on yet) and a move into it never failed."""
        if value in self.walkable:
            return True
        dug = {after for after, _ in self.digs.values()}
        return value in dug and not self.blocked[value] and value not in self.hazards

    def _sealed(self, view: dict) -> bool:
        den = self.den
        if den is None or view["pos"] not in (den.inner, den.outer):
            return False
        grid = view["grid"]
        gate = int(grid[den.gate])
        # closed by a value known to block or built: a gate broken into a value
        # never tried (something destroyed the build) does not seal the den
        built = {value for value, _, _ in self.builds.values()}
        return gate not in self.walkable and (gate in built or self.blocked[gate] > 0)

    def _seek_den(self, view: dict, distance: np.ndarray) -> bool:
        """Choose the nearest den (when one can be sealed now) and head for it."""
        if self.denning:
            return True
        encoded = view["encoded"]
        tools = self._den_tools(encoded)
        if tools is None:
            return False
        _, _, sources, reopens = tools
        grid = view["grid"]
        values = np.unique(grid)
        diggable = np.isin(
            grid,
            [v for v in values if v not in self.hazards and self._digs_of(v, encoded)],
        )
        open_cells = np.isin(grid, list(self.walkable)) & ~np.isin(grid, self.hazards)
        gate_ok = np.isin(grid, list(sources)) & ~view["occupied"]
        den = find_den(
            open_cells,
            diggable,
            gate_ok,
            distance,
            tuple(self.directions()),
            radius=DEN_RADIUS,
            exit_wall=not reopens,
            closed=self._known_closed(grid) | diggable,
            cost=self._exposure(grid),
        )
        if den is None:
            return False
        logger.debug("den chosen: %s", den)
        self.den, self.denning, self.den_steps, self.den_stuck = den, True, 0, 0
        return True

    def _den_step(
        self,
        encoded: np.ndarray,
        view: dict,
        distance: np.ndarray,
        facing: tuple[int, int] | None,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The next action of entering, sealing, staying in or leaving the den
        (``None``: the den is given up)."""
        den, grid, pos = self.den, view["grid"], view["pos"]
        s = den.step
        back = (-s[0], -s[1])
        if s not in directions or back not in directions:
            self.denning = False
            return None
        if self._sealed(view):
            rest = [
                a
                for a in sorted(self._rest_actions())
                if any(encoded[v] < self._high(v) for v in self._rest_vitals(a))
            ]
            needy = any(
                encoded[v] <= CRITICAL_VITAL * self._high(v)
                for v in self.vitals
                if v != self.health and not any(v in self._rest_vitals(a) for a in rest)
            )
            if rest and not needy:
                return rest[0]
            if not rest:  # sealed in: the safest place for a hinted rest never tried
                hinted = self._last_resort(encoded)
                if self.dark and not needy:  # and the night is the time to rest
                    started = {a for _, a in self.mode_starts}
                    hinted = hinted or sorted(self.rest_hints - started)
                if hinted:
                    return hinted[0]
            if (self.alert > 0 or self.dark) and not needy:
                return self.idle_action()
            lurking = any(
                self.proven(kind) and abs(x - pos[0]) + abs(y - pos[1]) <= LURK_RADIUS
                for _, x, y, kind in view["objects"]
            )
            # a threat by the den: leaving lets it in, so wait; but not in full
            # (hinted) daylight while a vital is critical: waiting drains health
            # as surely, and the threat can be fought by day
            if lurking and not (needy and self.bright()):
                return self.idle_action()
            self.den_stuck += 1  # steps spent trying to leave
            dig = self._digs_of(int(grid[den.gate]), encoded)
            if pos == den.outer and facing == s and dig:
                self.denning = False
                return dig[0]
            if not dig:  # a gate it cannot open: leave through a diggable wall
                for step, mover in directions.items():
                    wall = (pos[0] + step[0], pos[1] + step[1])
                    if wall in (den.inner, den.outer, den.gate):
                        continue
                    if not (
                        0 <= wall[0] < grid.shape[0] and 0 <= wall[1] < grid.shape[1]
                    ):
                        continue
                    way = self._digs_of(int(grid[wall]), encoded) or (
                        self._digs_of(int(grid[wall]), encoded, strict=False)
                        if self.den_stuck > DEN_STUCK
                        else []
                    )
                    if way and int(grid[wall]) not in self.hazards:
                        if facing != step:
                            return mover  # a blocked move turns the player
                        self.denning = False
                        return way[0]
            return directions[s] if pos == den.inner else directions[back]
        tools = self._den_tools(encoded)
        self.den_steps += 1
        if (
            tools is None
            or int(grid[den.gate]) not in tools[2]
            or self.den_steps > DEN_PATIENCE
        ):
            self.denning = False
            return None
        build, _, sources, _ = tools

        def open_cell(cell: tuple[int, int]) -> bool:
            return self._enterable(int(grid[cell]))

        def dig_or_turn(cell: tuple[int, int], step: tuple[int, int]) -> int | None:
            dig = self._digs_of(int(grid[cell]), encoded)
            if not dig:
                return None
            return dig[0] if facing == step else directions[step]

        if pos == den.inner:
            return directions[s] if open_cell(den.outer) else dig_or_turn(den.outer, s)
        if pos == den.outer:
            if facing == s and int(grid[den.gate]) in sources:
                return build if not view["occupied"][den.gate] else self.idle_action()
            if open_cell(den.inner):
                return directions[back]
            return dig_or_turn(den.inner, back)
        if pos == den.gate:
            if open_cell(den.outer):
                return directions[back]
            return dig_or_turn(den.outer, back)
        if distance[den.gate] == UNREACHED or int(grid[den.gate]) not in sources:
            self.denning = False
            return None
        return self._toward(distance, den.gate, directions)

    def _flee(
        self,
        pos: tuple[int, int],
        threats: list[tuple[int, int]],
        passable: np.ndarray,
        directions: dict[tuple[int, int], int],
    ) -> int | None:
        """The move to a free neighbour that is farthest (L1) from the nearest
        threat, if it gains distance."""

        def gap(x: int, y: int) -> int:
            return min(abs(x - tx) + abs(y - ty) for tx, ty in threats)

        best = (gap(*pos), None)
        for (dx, dy), action in directions.items():
            x, y = pos[0] + dx, pos[1] + dy
            inside = 0 <= x < passable.shape[0] and 0 <= y < passable.shape[1]
            if inside and passable[x, y] and gap(x, y) > best[0]:
                best = (gap(x, y), action)
        return best[1]

    def _shelter_cell(
        self,
        view: dict,
        distance: np.ndarray,
        directions: dict[tuple[int, int], int],
    ) -> tuple[int, int] | None:
        """The most sheltered reachable cell (few walkable neighbours, few cells
        where harmful creatures stood, close by); kept while it stays reachable."""
        if self.shelter is not None and distance[self.shelter] != UNREACHED:
            return self.shelter
        grid = view["grid"]
        open_sides = np.zeros(grid.shape, np.int32)
        walkable = np.isin(grid, list(self.walkable))
        for dx, dy in directions:
            open_sides += shift(walkable, dx, dy)
        exposure = self._exposure(grid)
        reached = (distance != UNREACHED) & (distance <= SHELTER_RADIUS)
        if not reached.any():
            return None
        score = np.where(
            reached, 25.0 * open_sides + exposure + 0.25 * distance, np.inf
        )
        goal = np.unravel_index(int(np.argmin(score)), grid.shape)
        self.shelter = (int(goal[0]), int(goal[1]))
        return self.shelter

    def _exposure(self, grid: np.ndarray) -> np.ndarray:
        """float ``(W, H)``: how exposed each cell is, in steps: the share of
        sightings of proven harmful creatures on the values around it
        (:data:`HABITAT_RADIUS`) and the places where the player was hurt in
        the last :data:`HARM_MEMORY` steps."""
        exposure = np.zeros(grid.shape, float)
        total = sum(self.habitat.values())
        if total:
            density = np.zeros(grid.shape, float)
            for value, count in self.habitat.items():
                density += (grid == value) * (count / total)
            size = 2 * HABITAT_RADIUS + 1
            padded = np.pad(density, HABITAT_RADIUS)
            windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))
            exposure = 20.0 * windows.mean(axis=(2, 3))
        now = int(self.uses.sum())
        xs, ys = np.indices(grid.shape)
        for when, x, y in self.harm_spots[-16:]:
            if now - when <= HARM_MEMORY:
                near = np.abs(xs - x) + np.abs(ys - y) <= HARM_RADIUS
                exposure = exposure + HARM_PENALTY * near
        return exposure
