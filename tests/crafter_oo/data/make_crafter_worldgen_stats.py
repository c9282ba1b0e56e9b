"""Regenerate ``crafter_worldgen_stats.json``: crafter 1.8.3 worlds for 50 seeds.

Run from the repository root (about 1 minute; each crafter reset costs ~1 s):

    python tests/crafter_oo/data/make_crafter_worldgen_stats.py

For every seed ``s`` in ``0..49`` the script builds ``crafter.Env(seed=s)``, calls
``reset()`` once (episode 1) and records, for the world it generated:

- ``materials``: the number of cells of each of the 12 materials (data.yaml names);
- ``objects``: the number of cows, zombies and skeletons placed by world generation;
- ``chunks``: the number of 12x12 chunk keys that hold an object (the player included),
  i.e. the chunks that chunk balancing will visit.

It also stores the per-quantity mean and standard deviation over the seeds. The
Crafter-OO world-generation test compares our generator's live statistics with these
numbers and re-runs a few crafter seeds live to check the file is still reproducible.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile

import crafter
import numpy as np
from crafter import constants, objects

SEEDS = list(range(50))
OUT = pathlib.Path(__file__).with_name("crafter_worldgen_stats.json")


def world_statistics(env: crafter.Env) -> dict:
    """Count materials, creatures and populated chunks of a just-reset crafter env."""
    world = env._world
    materials = {
        name: int((world._mat_map == world._mat_ids[name]).sum())
        for name in constants.materials
    }
    kinds = {"cow": objects.Cow, "zombie": objects.Zombie, "skeleton": objects.Skeleton}
    counts = {
        name: sum(isinstance(obj, cls) for obj in world.objects)
        for name, cls in kinds.items()
    }
    chunks = sum(1 for objs in world._chunks.values() if objs)
    return {"materials": materials, "objects": counts, "chunks": chunks}


def main() -> None:
    per_seed = {}
    for seed in SEEDS:
        env = crafter.Env(seed=seed)
        env.reset()
        per_seed[str(seed)] = world_statistics(env)

    def summary(values: list[float]) -> dict:
        arr = np.asarray(values, dtype=np.float64)
        return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1))}

    rows = list(per_seed.values())
    stats = {
        "materials": {
            name: summary([r["materials"][name] for r in rows])
            for name in constants.materials
        },
        "objects": {
            name: summary([r["objects"][name] for r in rows])
            for name in ("cow", "zombie", "skeleton")
        },
        "chunks": summary([r["chunks"] for r in rows]),
    }
    payload = {
        "generator": "tests/crafter_oo/data/make_crafter_worldgen_stats.py",
        "crafter_version": "1.8.3",
        "how": "crafter.Env(seed=s).reset() once per seed (episode 1)",
        "seeds": SEEDS,
        "per_seed": per_seed,
        "summary": stats,
    }
    fd, tmp = tempfile.mkstemp(dir=OUT.parent, suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(payload, f, indent=1, sort_keys=True)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, OUT)


if __name__ == "__main__":
    main()
