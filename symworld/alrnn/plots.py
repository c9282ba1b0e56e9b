"""Figures of an AL-RNN reconstruction (matplotlib, Agg backend, files only).

- :func:`plot_attractor_overlay`: true and generated trajectories in the first two or
  three observed coordinates, side by side (a single coordinate against time).
- :func:`plot_subregions`: the generated trajectory coloured by subregion symbol.
- :func:`plot_symbol_graph`: the transition graph, node size by time share, edge
  width by transition probability.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402


def _axes3d(figure, position: int, dims: int):
    return figure.add_subplot(1, 2, position, projection="3d" if dims >= 3 else None)


def _coordinates(points: np.ndarray, steps: np.ndarray) -> list[np.ndarray]:
    """The first three columns of ``points`` ``(T, N)``; a single column is drawn
    against its time steps ``(T,)``."""
    if points.shape[1] == 1:
        return [steps, points[:, 0]]
    return [points[:, d] for d in range(min(points.shape[1], 3))]


def _draw(ax, points: np.ndarray, **kwargs) -> None:
    ax.plot(*_coordinates(points, np.arange(points.shape[0])), **kwargs)


def _save(figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.tmp{path.suffix}")
    figure.savefig(temporary, dpi=110, bbox_inches="tight")
    plt.close(figure)
    temporary.replace(path)
    return path


def plot_attractor_overlay(
    true: np.ndarray,
    generated: np.ndarray,
    path: str | Path,
    *,
    max_points: int = 20_000,
) -> Path:
    """True (left) and generated (right) trajectories ``(T, N)``; returns the path."""
    dims = min(true.shape[1], 3)
    figure = plt.figure(figsize=(10, 4.5))
    for position, (points, title, colour) in enumerate(
        [(true, "data", "tab:blue"), (generated, "AL-RNN free run", "tab:orange")],
        start=1,
    ):
        ax = _axes3d(figure, position, dims)
        _draw(ax, np.asarray(points)[:max_points, :dims], lw=0.3, color=colour)
        ax.set_title(title)
    return _save(figure, path)


def plot_subregions(
    generated: np.ndarray,
    symbols: list[str],
    path: str | Path,
    *,
    max_points: int = 20_000,
) -> Path:
    """Generated observations ``(T, N)`` coloured by their subregion symbol."""
    generated = np.asarray(generated)[:max_points]
    symbols = symbols[:max_points]
    dims = min(generated.shape[1], 3)
    figure = plt.figure(figsize=(6, 5))
    ax = figure.add_subplot(1, 1, 1, projection="3d" if dims >= 3 else None)
    steps = np.arange(generated.shape[0])
    for index, symbol in enumerate(sorted(set(symbols))):
        mask = np.array([s == symbol for s in symbols])
        coords = _coordinates(generated[mask], steps[mask])
        ax.scatter(*coords, s=0.5, color=f"C{index}", label=f"region {symbol}")
    ax.legend(markerscale=10)
    ax.set_title("subregions of the free run")
    return _save(figure, path)


def plot_symbol_graph(graph: nx.DiGraph, path: str | Path) -> Path:
    """The transition graph (see :mod:`symworld.alrnn.symbolic`)."""
    figure, ax = plt.subplots(figsize=(5, 4))
    layout = nx.circular_layout(graph)
    sizes = [3000 * graph.nodes[n].get("share", 0.1) + 300 for n in graph.nodes]
    widths = [0.5 + 4 * d["weight"] for _, _, d in graph.edges(data=True)]
    nx.draw_networkx_nodes(graph, layout, node_size=sizes, ax=ax, node_color="tab:blue")
    nx.draw_networkx_labels(graph, layout, ax=ax, font_color="white")
    nx.draw_networkx_edges(
        graph, layout, width=widths, ax=ax, arrows=True, connectionstyle="arc3,rad=0.15"
    )
    labels = {
        (a, b): f"{d['weight']:.2f}" for a, b, d in graph.edges(data=True) if a != b
    }
    nx.draw_networkx_edge_labels(graph, layout, edge_labels=labels, ax=ax, font_size=8)
    ax.set_axis_off()
    return _save(figure, path)
