"""Symbolic codes of an AL-RNN: subregion symbols, transition graphs, region equations.

The ``P`` rectified units of an :class:`~symworld.alrnn.models.ALRNN` split latent
space into ``2**P`` linear subregions by the signs of those units. The *symbol* of a
state is the sign pattern, written as a bit string ``"b_1 ... b_P"`` with ``b_i = 1``
when the ``i``-th rectified unit (latent index ``M - P + i - 1``) is positive. A
trajectory's symbol sequence is its symbolic code.

Three transition graphs (networkx ``DiGraph``, nodes are symbols with attributes
``share`` — fraction of time — and ``mean_dwell``):

- :func:`step_graph`: the step-level Markov chain, edge ``weight`` ``P(s_{t+1} = b |
  s_t = a)`` (row-stochastic, self-loops hold the probability of staying).
- :func:`jump_graph`: the jump chain of the run-length compressed sequence (no
  self-loops), edge ``weight`` ``P(next region = b | leaving a)`` and ``count``.
- :func:`dwell_times`: per symbol, the distribution of visit lengths (in steps).

:func:`region_equations` gives the affine map of one subregion as sympy equations, in
latent coordinates (``z_i' = ...``) and in observation coordinates (the first ``N``
units, ``x_i' = ...`` in terms of ``x`` and the unobserved ``z_{N+1..M}``).
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import jax.numpy as jnp
import networkx as nx
import numpy as np
import sympy

from symworld.alrnn.models import ALRNN


def region_symbol(bits: np.ndarray) -> str:
    """The symbol string of a 0/1 vector of length ``P`` (``""`` when ``P = 0``)."""
    return "".join(str(int(b)) for b in bits)


def symbol_bits(symbol: str) -> np.ndarray:
    """Inverse of :func:`region_symbol`: ``(P,)`` int array."""
    return np.array([int(c) for c in symbol], dtype=np.int64)


def all_symbols(num_relu: int) -> list[str]:
    """All ``2**P`` symbols in binary counting order (``"00", "01", "10", "11"``)."""
    return [format(i, f"0{num_relu}b") if num_relu else "" for i in range(2**num_relu)]


def symbol_sequence(model: ALRNN, states: np.ndarray) -> list[str]:
    """Symbols of latent states ``(T, M)``: one string per row."""
    states = np.asarray(states)
    bits = (states[:, model.num_linear :] > 0).astype(np.int64)
    return ["".join(map(str, row)) for row in bits]


def region_shares(symbols: list[str]) -> dict[str, float]:
    """Fraction of time in each visited symbol, most visited first."""
    counts = Counter(symbols)
    total = sum(counts.values())
    return {s: c / total for s, c in counts.most_common()}


def run_lengths(symbols: list[str]) -> list[tuple[str, int]]:
    """Run-length encoding: ``[(symbol, length), ...]`` of consecutive repeats."""
    runs: list[tuple[str, int]] = []
    for symbol in symbols:
        if runs and runs[-1][0] == symbol:
            runs[-1] = (symbol, runs[-1][1] + 1)
        else:
            runs.append((symbol, 1))
    return runs


def dwell_times(symbols: list[str]) -> dict[str, np.ndarray]:
    """Visit lengths per symbol (steps), as int arrays. The first and last visit are
    included although the trajectory cuts them."""
    lengths: dict[str, list[int]] = {}
    for symbol, length in run_lengths(symbols):
        lengths.setdefault(symbol, []).append(length)
    return {s: np.asarray(v, dtype=np.int64) for s, v in lengths.items()}


def _add_nodes(graph: nx.DiGraph, symbols: list[str]) -> None:
    shares = region_shares(symbols)
    dwell = dwell_times(symbols)
    for symbol, share in shares.items():
        graph.add_node(symbol, share=share, mean_dwell=float(dwell[symbol].mean()))


def step_graph(symbols: list[str]) -> nx.DiGraph:
    """Step-level transition graph: edge weights ``P(s_{t+1} | s_t)``, self-loops
    included; each node's out-weights sum to 1 (a state seen only last has none)."""
    graph = nx.DiGraph()
    _add_nodes(graph, symbols)
    pairs = Counter(zip(symbols[:-1], symbols[1:], strict=True))
    leaving = Counter(symbols[:-1])
    for (a, b), count in pairs.items():
        graph.add_edge(a, b, weight=count / leaving[a], count=count)
    return graph


def jump_graph(symbols: list[str]) -> nx.DiGraph:
    """Jump chain: transitions between *different* symbols, edge weights ``P(next
    region | leaving the current one)``; no self-loops."""
    graph = nx.DiGraph()
    _add_nodes(graph, symbols)
    visits = [s for s, _ in run_lengths(symbols)]
    pairs = Counter(zip(visits[:-1], visits[1:], strict=True))
    leaving = Counter(visits[:-1])
    for (a, b), count in pairs.items():
        graph.add_edge(a, b, weight=count / leaving[a], count=count)
    return graph


def transition_matrix(graph: nx.DiGraph, order: list[str] | None = None) -> np.ndarray:
    """The weight matrix of a transition graph, rows/columns in ``order``."""
    order = list(graph.nodes) if order is None else order
    return nx.to_numpy_array(graph, nodelist=order, weight="weight")


def topological_entropy(graph: nx.DiGraph) -> float:
    """``log`` of the spectral radius of the 0/1 adjacency matrix of ``graph``."""
    adjacency = (nx.to_numpy_array(graph, weight=None) > 0).astype(float)
    if adjacency.size == 0:
        return 0.0
    radius = float(np.max(np.abs(np.linalg.eigvals(adjacency))))
    return float(np.log(radius)) if radius > 0 else float("-inf")


class RegionMap(NamedTuple):
    """The affine map ``z' = J z + h`` of one subregion (float64 numpy)."""

    symbol: str
    jacobian: np.ndarray  # (M, M)
    offset: np.ndarray  # (M,)


def region_map(model: ALRNN, symbol: str) -> RegionMap:
    """``J = diag(A) + W D`` and ``h`` of the subregion ``symbol``."""
    if len(symbol) != model.num_relu:
        raise ValueError(f"symbol {symbol!r} must have P={model.num_relu} bits")
    active = np.concatenate([np.ones(model.num_linear), symbol_bits(symbol)]).astype(
        float
    )
    a = np.asarray(model.A, dtype=np.float64)
    w = np.asarray(model.W, dtype=np.float64)
    return RegionMap(
        symbol, np.diag(a) + w * active[None, :], np.asarray(model.h, np.float64)
    )


def _rounded(value: float, digits: int) -> sympy.Float:
    return sympy.Float(round(float(value), digits), digits + 2)


def region_equations(
    model: ALRNN, symbol: str, *, digits: int = 3, threshold: float = 1e-3
) -> dict[str, list[sympy.Eq]]:
    """Sympy equations of subregion ``symbol``.

    **Returns:** ``{"latent": [Eq(z_i', sum_j J_ij z_j + h_i) for i < M],
    "observation": [Eq(x_i', ...) for i < N]}`` with coefficients rounded to
    ``digits`` decimals and those below ``threshold`` in magnitude dropped; in the
    observation form ``z_i`` for ``i < N`` is written ``x_i`` and the unobserved units
    stay ``z_i``. Symbols: ``z0 ... z{M-1}``, ``x0 ... x{N-1}``; primes mark the next
    step. The region's half-space conditions are on the rectified units (``z_i > 0``
    for a ``1`` bit, ``z_i <= 0`` for ``0``).
    """
    affine = region_map(model, symbol)
    m, n = model.num_latent, model.num_observed
    z = sympy.symbols(f"z0:{m}")
    x = sympy.symbols(f"x0:{n}")
    observed = list(x) + list(z[n:])

    def expression(row: int, variables) -> sympy.Expr:
        terms = [
            _rounded(affine.jacobian[row, j], digits) * variables[j]
            for j in range(m)
            if abs(affine.jacobian[row, j]) >= threshold
        ]
        if abs(affine.offset[row]) >= threshold:
            terms.append(_rounded(affine.offset[row], digits))
        return sympy.Add(*terms)

    latent = [sympy.Eq(sympy.Symbol(f"z{i}'"), expression(i, z)) for i in range(m)]
    observation = [
        sympy.Eq(sympy.Symbol(f"x{i}'"), expression(i, observed)) for i in range(n)
    ]
    return {"latent": latent, "observation": observation}


def region_conditions(model: ALRNN, symbol: str) -> list[sympy.Rel]:
    """The half-space conditions defining subregion ``symbol`` on the latent ``z``."""
    conditions = []
    for bit, index in zip(
        symbol, range(model.num_linear, model.num_latent), strict=True
    ):
        variable = sympy.Symbol(f"z{index}")
        conditions.append(variable > 0 if bit == "1" else variable <= 0)
    return conditions


def latent_symbols(model: ALRNN, states: jnp.ndarray) -> np.ndarray:
    """Symbols of latent states ``(T, M)`` as integers ``sum_i b_i 2**(P-1-i)``
    (the binary value of the symbol string); ``(T,)`` int64."""
    bits = (np.asarray(states)[:, model.num_linear :] > 0).astype(np.int64)
    weights = 2 ** np.arange(model.num_relu - 1, -1, -1)
    return bits @ weights
