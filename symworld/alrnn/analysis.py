"""Fixed points and cycles of an AL-RNN, region by region, with exact enumeration.

Inside subregion ``Omega`` the AL-RNN is ``z' = J_Omega z + h``, so its fixed point is
``z* = (I - J_Omega)^{-1} h``. It is *real* when ``z*`` lies in ``Omega`` (the sign
pattern of its rectified units is ``Omega``'s symbol), otherwise *virtual* (the map
never reaches it). Stability comes from the eigenvalues of ``J_Omega``: the number of
unstable directions is the count of eigenvalues with modulus > 1 (a complex pair
counts twice), so a stable node has 0 and a Lorenz lobe saddle-focus 2.

A ``k``-cycle visits regions ``Omega_1 ... Omega_k``; its first point solves
``(I - J_k ... J_1) z = sum_{j} J_k ... J_{j+1} h``. :func:`find_cycles` enumerates
every region sequence when ``(2**P)**k`` is at most ``max_sequences`` and otherwise
searches from random sequences in the manner of SCYFI (solve, iterate the true map,
re-seed with the regions actually visited); it keeps candidates whose visited regions
reproduce the assumed ones and whose minimal period is ``k``.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from symworld.alrnn.models import ALRNN
from symworld.alrnn.symbolic import all_symbols, region_map, symbol_bits


class FixedPoint(NamedTuple):
    """The fixed point of one subregion.

    - ``symbol``: the region; ``latent``: ``(M,)`` ``z*``; ``observation``: ``(N,)``.
    - ``eigenvalues``: ``(M,)`` complex eigenvalues of ``J_Omega``.
    - ``unstable_directions``: count of ``|lambda| > 1``.
    - ``spectral_radius``: ``max |lambda|``.
    - ``real``: ``z*`` lies in its own region.
    """

    symbol: str
    latent: np.ndarray
    observation: np.ndarray
    eigenvalues: np.ndarray
    unstable_directions: int
    spectral_radius: float
    real: bool

    def to_json(self) -> dict:
        """A JSON-serialisable summary (eigenvalues as ``[re, im]`` pairs)."""
        return {
            "region": self.symbol,
            "observation": [round(float(v), 6) for v in self.observation],
            "latent": [round(float(v), 6) for v in self.latent],
            "eigenvalues": [
                [round(float(v.real), 6), round(float(v.imag), 6)]
                for v in self.eigenvalues
            ],
            "unstable_directions": self.unstable_directions,
            "spectral_radius": round(self.spectral_radius, 6),
            "real": self.real,
        }


def _in_region(model: ALRNN, z: np.ndarray, symbol: str) -> bool:
    bits = (z[model.num_linear :] > 0).astype(np.int64)
    return bool(np.array_equal(bits, symbol_bits(symbol)))


def region_fixed_point(model: ALRNN, symbol: str) -> FixedPoint | None:
    """The fixed point of region ``symbol``; ``None`` when ``I - J`` is singular."""
    affine = region_map(model, symbol)
    m = model.num_latent
    system = np.eye(m) - affine.jacobian
    if np.linalg.cond(system) > 1e12:
        return None
    z = np.linalg.solve(system, affine.offset)
    eigenvalues = np.linalg.eigvals(affine.jacobian)
    moduli = np.abs(eigenvalues)
    order = np.argsort(-moduli)
    return FixedPoint(
        symbol=symbol,
        latent=z,
        observation=z[: model.num_observed],
        eigenvalues=eigenvalues[order],
        unstable_directions=int(np.sum(moduli > 1.0)),
        spectral_radius=float(moduli.max()),
        real=_in_region(model, z, symbol),
    )


def fixed_points(model: ALRNN, symbols: list[str] | None = None) -> list[FixedPoint]:
    """Fixed points of the given regions (all ``2**P`` by default), singular ones
    skipped."""
    symbols = all_symbols(model.num_relu) if symbols is None else symbols
    found = [region_fixed_point(model, s) for s in symbols]
    return [f for f in found if f is not None]


class Cycle(NamedTuple):
    """A real ``k``-cycle: ``symbols`` visited (length ``k``), ``latent`` ``(k, M)``
    points, the eigenvalues of the ``k``-step Jacobian product, its unstable count."""

    symbols: tuple[str, ...]
    latent: np.ndarray
    eigenvalues: np.ndarray
    unstable_directions: int


def _step(model: ALRNN, z: np.ndarray) -> np.ndarray:
    a = np.asarray(model.A, np.float64)
    w = np.asarray(model.W, np.float64)
    h = np.asarray(model.h, np.float64)
    phi = z.copy()
    phi[model.num_linear :] = np.maximum(phi[model.num_linear :], 0.0)
    return a * z + w @ phi + h


def _symbol(model: ALRNN, z: np.ndarray) -> str:
    return "".join(str(int(b)) for b in (z[model.num_linear :] > 0))


def _cycle_candidate(model: ALRNN, sequence: tuple[str, ...]):
    maps = [region_map(model, s) for s in sequence]
    m = model.num_latent
    product = np.eye(m)
    offset = np.zeros(m)
    for affine in maps:
        product = affine.jacobian @ product
        offset = affine.jacobian @ offset + affine.offset
    system = np.eye(m) - product
    if np.linalg.cond(system) > 1e12:
        return None, product
    return np.linalg.solve(system, offset), product


def _canonical(sequence: tuple[str, ...]) -> tuple[str, ...]:
    rotations = [sequence[i:] + sequence[:i] for i in range(len(sequence))]
    return min(rotations)


def _minimal_period(points: np.ndarray, tolerance: float) -> int:
    k = len(points)
    for period in range(1, k + 1):
        if k % period == 0 and np.allclose(
            points, np.roll(points, period, axis=0), atol=tolerance
        ):
            return period
    return k


def _check_cycle(model: ALRNN, sequence: tuple[str, ...], tolerance: float):
    """``(Cycle or None, visited symbols)`` for the candidate of ``sequence``."""
    z, product = _cycle_candidate(model, sequence)
    if z is None:
        return None, None
    points = [z]
    visited = [_symbol(model, z)]
    for _ in range(len(sequence) - 1):
        points.append(_step(model, points[-1]))
        visited.append(_symbol(model, points[-1]))
    visited = tuple(visited)
    closes = np.allclose(
        _step(model, points[-1]), z, atol=tolerance * (1 + np.abs(z).max())
    )
    if visited != sequence or not closes:
        return None, visited
    points = np.asarray(points)
    if _minimal_period(points, tolerance) != len(sequence):
        return None, visited
    eigenvalues = np.linalg.eigvals(product)
    cycle = Cycle(
        symbols=sequence,
        latent=points,
        eigenvalues=eigenvalues[np.argsort(-np.abs(eigenvalues))],
        unstable_directions=int(np.sum(np.abs(eigenvalues) > 1.0)),
    )
    return cycle, visited


def find_cycles(
    model: ALRNN,
    period: int,
    *,
    max_sequences: int = 4096,
    restarts: int = 40,
    iterations: int = 300,
    seed: int = 0,
    tolerance: float = 1e-7,
) -> list[Cycle]:
    """Real cycles of minimal period ``period`` (one per cycle, canonical rotation).

    Exhaustive over all region sequences when ``(2**P)**period <= max_sequences``;
    otherwise ``restarts`` random sequences each followed for up to ``iterations``
    re-seedings (SCYFI-style), seeded by ``seed``. Cycles of period 1 are the real
    fixed points.
    """
    if period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    symbols = all_symbols(model.num_relu)
    found: dict[tuple[str, ...], Cycle] = {}

    def consider(sequence: tuple[str, ...]):
        canonical = _canonical(sequence)
        if canonical in found:
            return None, None
        cycle, visited = _check_cycle(model, canonical, tolerance)
        if cycle is not None:
            found[canonical] = cycle
        return cycle, visited

    if len(symbols) ** period <= max_sequences:
        for sequence in itertools.product(symbols, repeat=period):
            if sequence == _canonical(sequence):
                consider(sequence)
    else:
        rng = np.random.default_rng(seed)
        for _ in range(restarts):
            sequence = tuple(rng.choice(symbols, size=period))
            for _ in range(iterations):
                cycle, visited = consider(sequence)
                if cycle is not None or visited is None or visited == sequence:
                    sequence = tuple(rng.choice(symbols, size=period))
                else:
                    sequence = visited
    return sorted(found.values(), key=lambda c: c.symbols)
