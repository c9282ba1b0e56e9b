"""Symbolic equations from data: a JAX symbolic-regression engine, sparse regression,
an optional PySR adapter, and the shared result types (:mod:`.frontier`)."""

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

__all__ = [
    "Equation",
    "HallOfFame",
    "HallOfFameFileError",
    "ParetoFront",
    "compute_scores",
    "read_hall_of_fame",
    "select_index",
    "write_hall_of_fame",
]
