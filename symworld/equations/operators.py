"""The operator table: every operator an equation may use, defined once.

Each :class:`Operator` carries everything the package needs about it: its arity, its
JAX function (used by the compiled stack machine of the search engine), its NumPy
function (float64 polish), its SymPy constructor (export to SymPy, LaTeX and text),
its complexity, and the names PySR uses for it (to read and write PySR's
``hall_of_fame.csv`` and to map options to ``PySRRegressor``).

Domain errors are not hidden: ``log`` of a negative number, ``sqrt`` of a negative
number and division by zero give NaN/inf, and the search assigns such candidates an
infinite loss (PySR behaves the same way with its default operators).
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Operator:
    """One operator of the expression language.

    **Fields:**

    - `name`: our name, used in option lists and in text (``"add"``, ``"sin"``).
    - `arity`: 1 or 2.
    - `jax`: elementwise JAX function of `arity` arrays.
    - `numpy`: the same function on float64 NumPy arrays.
    - `sympy`: builds the SymPy expression from `arity` SymPy arguments.
    - `complexity`: how much one use of the operator adds to an equation's complexity.
    - `pysr`: the name PySR uses in ``binary_operators`` / ``unary_operators``.
    - `aliases`: other spellings accepted in option lists (``"+"`` for ``"add"``).
    """

    name: str
    arity: int
    jax: Callable
    numpy: Callable
    sympy: Callable
    complexity: int = 1
    pysr: str = ""
    aliases: tuple[str, ...] = ()


def _np_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(a, b)


def _np_safe(fn):
    def wrapped(*args):
        with np.errstate(all="ignore"):
            return fn(*args)

    return wrapped


OPERATORS: tuple[Operator, ...] = (
    Operator("add", 2, jnp.add, np.add, lambda a, b: a + b, pysr="+", aliases=("+",)),
    Operator(
        "sub",
        2,
        jnp.subtract,
        np.subtract,
        lambda a, b: a - b,
        pysr="-",
        aliases=("-",),
    ),
    Operator(
        "mul",
        2,
        jnp.multiply,
        np.multiply,
        lambda a, b: a * b,
        pysr="*",
        aliases=("*",),
    ),
    Operator(
        "div", 2, jnp.divide, _np_div, lambda a, b: a / b, pysr="/", aliases=("/",)
    ),
    Operator(
        "pow",
        2,
        jnp.power,
        _np_safe(np.power),
        lambda a, b: a**b,
        pysr="^",
        aliases=("^", "**"),
    ),
    Operator("neg", 1, jnp.negative, np.negative, lambda a: -a, pysr="neg"),
    Operator("square", 1, jnp.square, np.square, lambda a: a**2, pysr="square"),
    Operator(
        "cube", 1, lambda a: a * a * a, lambda a: a * a * a, lambda a: a**3, pysr="cube"
    ),
    Operator("sqrt", 1, jnp.sqrt, _np_safe(np.sqrt), sp.sqrt, pysr="sqrt"),
    Operator("exp", 1, jnp.exp, _np_safe(np.exp), sp.exp, pysr="exp"),
    Operator("log", 1, jnp.log, _np_safe(np.log), sp.log, pysr="log"),
    Operator("sin", 1, jnp.sin, np.sin, sp.sin, pysr="sin"),
    Operator("cos", 1, jnp.cos, np.cos, sp.cos, pysr="cos"),
    Operator("tan", 1, jnp.tan, np.tan, sp.tan, pysr="tan"),
    Operator("tanh", 1, jnp.tanh, np.tanh, sp.tanh, pysr="tanh"),
    Operator("sinh", 1, jnp.sinh, _np_safe(np.sinh), sp.sinh, pysr="sinh"),
    Operator("cosh", 1, jnp.cosh, _np_safe(np.cosh), sp.cosh, pysr="cosh"),
    Operator("atan", 1, jnp.arctan, np.arctan, sp.atan, pysr="atan"),
    Operator("abs", 1, jnp.abs, np.abs, sp.Abs, pysr="abs"),
    Operator(
        "inv",
        1,
        lambda a: 1.0 / a,
        lambda a: _np_div(1.0, a),
        lambda a: 1 / a,
        pysr="inv",
    ),
)

BY_NAME: dict[str, Operator] = {}
for _op in OPERATORS:
    for _name in (_op.name, *_op.aliases):
        BY_NAME[_name] = _op

DEFAULT_BINARY = ("add", "sub", "mul", "div")
DEFAULT_UNARY: tuple[str, ...] = ()


def get_operator(name: str) -> Operator:
    """The operator called `name` (our name or an alias such as ``"+"``).

    Raises `ValueError` naming the known operators when `name` is unknown.
    """
    try:
        return BY_NAME[name.strip()]
    except KeyError:
        known = ", ".join(op.name for op in OPERATORS)
        raise ValueError(
            f"unknown operator {name!r}; known operators: {known}"
        ) from None


def resolve_operators(names) -> tuple[Operator, ...]:
    """Operators for a list of names, duplicates removed, order kept."""
    seen: dict[str, Operator] = {}
    for name in names:
        op = get_operator(name)
        seen.setdefault(op.name, op)
    return tuple(seen.values())


# Names that may appear in equation text (ours and PySR's) mapped to SymPy callables.
# PySR writes e.g. ``square(x0)``, ``pow_abs(x, y)``, ``sqrt_abs(x)``; we read them all.
SYMPY_FUNCTIONS: dict[str, Callable] = {
    op.name: op.sympy for op in OPERATORS if op.name.isidentifier()
}
SYMPY_FUNCTIONS.update(
    {
        "Abs": sp.Abs,
        "pow": lambda a, b: a**b,
        "pow_abs": lambda a, b: sp.Abs(a) ** b,
        "sqrt_abs": lambda a: sp.sqrt(sp.Abs(a)),
        "log_abs": lambda a: sp.log(sp.Abs(a)),
        "log10": lambda a: sp.log(a, 10),
        "log2": lambda a: sp.log(a, 2),
        "exp": sp.exp,
        "asin": sp.asin,
        "acos": sp.acos,
        "asinh": sp.asinh,
        "acosh": sp.acosh,
        "atanh": sp.atanh,
        "sign": sp.sign,
        "relu": lambda a: sp.Max(a, 0),
        "max": sp.Max,
        "min": sp.Min,
        "mult": lambda a, b: a * b,
        "plus": lambda a, b: a + b,
        "fma": lambda a, b, c: a * b + c,
        "muladd": lambda a, b, c: a * b + c,
    }
)


# Names a variable may not take: the operators and functions equation text is read
# with, and sympy's constants.
RESERVED_CONSTANTS = ("pi", "E", "I", "oo", "nan")


def check_variable_names(names: Sequence[str], d: int) -> None:
    """Raise ``ValueError`` unless ``names`` are ``d`` unique Python identifiers,
    none a keyword nor an operator, function or constant name (``sin``, ``pi``):
    such a name would be read as the function or constant, not as the variable.
    ``SymbolicRegressor`` and ``SparseRegressor`` both check their inputs with it."""
    if len(names) != d:
        raise ValueError(f"expected {d} variable names, got {len(names)}: {names}")
    if len(set(names)) != len(names):
        raise ValueError(f"variable names must be unique, got {names}")
    for name in names:
        if (
            not isinstance(name, str)
            or not name.isidentifier()
            or keyword.iskeyword(name)
        ):
            raise ValueError(f"variable name {name!r} is not a valid Python identifier")
        if name in SYMPY_FUNCTIONS or name in RESERVED_CONSTANTS:
            raise ValueError(
                f"variable name {name!r} collides with an operator or constant name"
            )
