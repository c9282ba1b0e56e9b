"""Change detection: what each transition changed, and how.

For every transition and every site whose value differs between the state and
the next state, a :class:`ChangeSet` records the site, the value before and
after, and the kind of change read from the attribute's role:

- ``"born"`` / ``"removed"``: an object table's alive mask (role
  ``entity.alive``) turned on / off;
- ``"tile"``: a cell of a grid (role ``map``) took a new value;
- ``"relative"``: any other site (its ``after - before`` is the change, its
  ``after`` the new value).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np

from symworld.programs.attributes import Schema, site_names

KINDS = ("relative", "tile", "born", "removed")


@dataclasses.dataclass(frozen=True)
class ChangeSet:
    """All changes of ``T`` transitions (``C`` changed sites in all).

    - ``transition``: int64 ``(C,)`` the transition index.
    - ``site``: int64 ``(C,)`` the flat site index in the encoded state.
    - ``before``, ``after``: int32 ``(C,)`` the site's values.
    - ``kind``: int8 ``(C,)`` index into :data:`KINDS`.
    - ``num_transitions``: ``T``.
    """

    transition: np.ndarray
    site: np.ndarray
    before: np.ndarray
    after: np.ndarray
    kind: np.ndarray
    num_transitions: int

    @property
    def delta(self) -> np.ndarray:
        """int32 ``(C,)``: ``after - before``."""
        return self.after - self.before

    def changed_sites(self) -> np.ndarray:
        """The distinct sites that changed at least once."""
        return np.unique(self.site)

    def counts_by_site(self) -> dict[int, int]:
        """``{site: number of transitions in which it changed}``."""
        sites, counts = np.unique(self.site, return_counts=True)
        return {int(s): int(c) for s, c in zip(sites, counts, strict=True)}

    def summary(self, schema: Schema, limit: int = 20) -> list[dict]:
        """The most frequently changing sites in words: name, kind, how often,
        and the most common changes (JSON-serialisable)."""
        rows = []
        attribute_of = schema.site_attribute()
        by_attribute: dict[int, list[int]] = {}
        for index in range(self.site.shape[0]):
            by_attribute.setdefault(int(attribute_of[self.site[index]]), []).append(
                index
            )
        for k, indices in sorted(by_attribute.items(), key=lambda item: -len(item[1])):
            indices = np.asarray(indices)
            kinds = Counter(KINDS[i] for i in self.kind[indices])
            deltas = Counter(int(d) for d in self.delta[indices]).most_common(3)
            rows.append(
                {
                    "attribute": schema.attributes[k].name,
                    "changes": int(indices.size),
                    "transitions": int(np.unique(self.transition[indices]).size),
                    "sites": int(np.unique(self.site[indices]).size),
                    "kinds": dict(kinds),
                    "common_deltas": deltas,
                    "example_site": site_names(schema, [int(self.site[indices[0]])])[0],
                }
            )
        return rows[:limit]


def detect_changes(
    schema: Schema, encoded: np.ndarray, next_encoded: np.ndarray
) -> ChangeSet:
    """Compare encoded states ``(T, N)`` with their next states ``(T, N)``."""
    encoded = np.asarray(encoded)
    next_encoded = np.asarray(next_encoded)
    if encoded.shape != next_encoded.shape:
        raise ValueError(
            f"states {encoded.shape} and next states {next_encoded.shape} "
            "differ in shape"
        )
    transition, site = np.nonzero(encoded != next_encoded)
    before = encoded[transition, site].astype(np.int32)
    after = next_encoded[transition, site].astype(np.int32)
    roles = np.asarray([a.role for a in schema.attributes])[
        schema.site_attribute()[site]
    ]
    kind = np.zeros(site.shape[0], np.int8)
    kind[roles == "map"] = KINDS.index("tile")
    alive = roles == "entity.alive"
    kind[alive & (after > before)] = KINDS.index("born")
    kind[alive & (after < before)] = KINDS.index("removed")
    return ChangeSet(
        transition=transition.astype(np.int64),
        site=site.astype(np.int64),
        before=before,
        after=after,
        kind=kind,
        num_transitions=int(encoded.shape[0]),
    )
