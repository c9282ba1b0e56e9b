"""Symbolic equations from data: a JAX symbolic-regression engine, sparse regression,
an optional PySR adapter, and the shared result types (:mod:`.frontier`).

The estimator is :class:`SymbolicRegressor`; the expression representation is
:class:`Expression`; results are :class:`ParetoFront` s of :class:`Equation` records.
"""

from symworld.equations.expression import Expression
from symworld.equations.frontier import (
    Equation,
    HallOfFame,
    HallOfFameFileError,
    ParetoFront,
    compute_scores,
    read_hall_of_fame,
    select_index,
    write_hall_of_fame,
)
from symworld.equations.regressor import SymbolicRegressor, VectorField
from symworld.equations.search import SearchOptions, SearchResult, search

__all__ = [
    "Equation",
    "Expression",
    "HallOfFame",
    "HallOfFameFileError",
    "ParetoFront",
    "SearchOptions",
    "SearchResult",
    "SymbolicRegressor",
    "VectorField",
    "compute_scores",
    "read_hall_of_fame",
    "search",
    "select_index",
    "write_hall_of_fame",
]
