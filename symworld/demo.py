"""``symworld demo``: every capability on built-in defaults, in one report.

Each section is a function ``(seed) -> dict`` registered in :data:`SECTIONS`; it
returns a JSON-serialisable summary with a ``"lines"`` entry holding the report's
human-readable lines. Sections must stay small: the whole demo runs in under five
minutes on two CPU cores.
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

# (title, "module:function"), in report order.
SECTIONS: list[tuple[str, str]] = [
    ("Rollouts and trajectory files", "symworld.demos.trajectories:run"),
    ("Crafter-OO rollout", "symworld.demos.crafter:run"),
    ("Law models (switches)", "symworld.demos.laws:run"),
    ("Equations from a Pendulum-v1 rollout", "symworld.demos.equations:run"),
]


def run_demo(seed: int = 0, only: list[str] | None = None) -> dict[str, Any]:
    """Run every section (or those whose title contains one of ``only``).

    Returns ``{title: summary}`` with each summary's ``seconds`` added.
    """
    report: dict[str, Any] = {}
    for title, target in SECTIONS:
        if only and not any(word.lower() in title.lower() for word in only):
            continue
        module_name, function_name = target.split(":")
        function = getattr(importlib.import_module(module_name), function_name)
        logger.info("demo: %s", title)
        start = time.perf_counter()
        summary = function(seed)
        summary["seconds"] = round(time.perf_counter() - start, 2)
        report[title] = summary
    return report
