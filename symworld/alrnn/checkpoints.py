"""Saving and loading models and training checkpoints as JSON + NPZ (never pickle).

A model is stored as two files next to each other: ``<stem>.json`` (model kind and
constructor arguments) and ``<stem>.npz`` (its array leaves, named ``leaf_0 ...`` in
``jax.tree_util`` order). Both are written atomically (temporary file in the same
folder, then ``os.replace``), the NPZ first, so a reader never sees a half-written
model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.alrnn.models import ALRNN, PLRNN, LatentModel, ShallowPLRNN, build_model
from symworld.atomic import write_atomic


def model_config(model: LatentModel) -> tuple[str, dict[str, Any]]:
    """``(kind, constructor arguments)`` that rebuild a model of the same shape."""
    if isinstance(model, ALRNN):
        return "alrnn", {
            "num_latent": model.num_latent,
            "num_relu": model.num_relu,
            "num_observed": model.num_observed,
        }
    if isinstance(model, PLRNN):
        return "plrnn", {
            "num_latent": model.num_latent,
            "num_observed": model.num_observed,
        }
    if isinstance(model, ShallowPLRNN):
        return "shplrnn", {
            "num_latent": model.num_latent,
            "num_hidden": model.W1.shape[1],
            "num_observed": model.num_observed,
            "clipped": model.clipped,
        }
    raise TypeError(f"cannot serialise a {type(model).__name__}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`symworld.atomic.write_atomic`)."""
    write_atomic(path, data)


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats replaced by ``None`` (strict JSON) and numpy
    scalars turned into Python numbers."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def atomic_write_json(path: Path, value: Any) -> None:
    """JSON-encode ``value`` (indented, non-finite numbers as ``null``) and write it
    atomically."""
    text = json.dumps(json_safe(value), indent=2, sort_keys=True, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())


def atomic_write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write named arrays as an uncompressed NPZ atomically."""
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def tree_to_arrays(tree: Any, prefix: str) -> dict[str, np.ndarray]:
    """The array leaves of a pytree as ``{prefix_i: array}``."""
    leaves = jax.tree_util.tree_leaves(tree)
    return {f"{prefix}_{i}": np.asarray(leaf) for i, leaf in enumerate(leaves)}


def arrays_to_tree(like: Any, arrays: Any, prefix: str, source: str) -> Any:
    """Replace the leaves of ``like`` by ``arrays[prefix_i]``, checking their shapes."""
    leaves, treedef = jax.tree_util.tree_flatten(like)
    loaded = []
    for i, leaf in enumerate(leaves):
        name = f"{prefix}_{i}"
        if name not in arrays:
            raise ValueError(f"{source}: missing array {name!r}")
        value = np.asarray(arrays[name])
        if value.shape != np.shape(leaf):
            raise ValueError(
                f"{source}: array {name!r} has shape {value.shape}, "
                f"expected {np.shape(leaf)}"
            )
        loaded.append(jnp.asarray(value, dtype=jnp.asarray(leaf).dtype))
    return jax.tree_util.tree_unflatten(treedef, loaded)


def save_model(model: LatentModel, stem: str | Path) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.npz``; returns both paths."""
    stem = Path(stem)
    kind, config = model_config(model)
    npz_path = stem.with_suffix(".npz")
    json_path = stem.with_suffix(".json")
    atomic_write_npz(npz_path, tree_to_arrays(model, "leaf"))
    atomic_write_json(
        json_path, {"format": "symworld.alrnn.model/1", "kind": kind, "config": config}
    )
    return json_path, npz_path


def load_model(stem: str | Path) -> LatentModel:
    """Read a model written by :func:`save_model`: ``stem`` with or without
    suffix, or a folder holding ``model.json``/``model.npz`` (the output folder of
    ``symworld encode`` and of the reconstruction example)."""
    stem = Path(stem)
    if stem.is_dir():
        stem = stem / "model"
    if stem.suffix in (".json", ".npz"):
        stem = stem.with_suffix("")
    json_path = stem.with_suffix(".json")
    npz_path = stem.with_suffix(".npz")
    try:
        header = json.loads(json_path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no AL-RNN model at {stem}: {json_path} does not exist (give the "
            "folder that holds model.json/model.npz, or the files' stem)"
        ) from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{json_path}: not valid JSON ({error})") from error
    if header.get("format") != "symworld.alrnn.model/1":
        raise ValueError(f"{json_path}: not a symworld AL-RNN model file")
    like = build_model(header["kind"], header["config"], key=jax.random.PRNGKey(0))
    with np.load(npz_path, allow_pickle=False) as arrays:
        return arrays_to_tree(like, arrays, "leaf", str(npz_path))
