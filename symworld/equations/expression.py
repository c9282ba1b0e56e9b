"""One expression representation for every engine: a postfix program over the
operator table.

An :class:`Expression` is a tuple of :class:`Node` in postfix (reverse Polish) order —
leaves are constants and variables, inner nodes are operators from
:mod:`symworld.equations.operators` — plus the variable names. It converts to SymPy,
LaTeX, text (PySR's syntax), a NumPy float64 function and a jitted JAX function, and it
is built back from SymPy or from text. The search engine stores the same programs in
fixed-size integer arrays (:mod:`symworld.equations.encoding`).

Example::

    expr = Expression.parse("x0 * x1 / square(x2)", ["x0", "x1", "x2"])
    expr.complexity        # 6
    expr.latex()           # '\\frac{x_{0} x_{1}}{x_{2}^{2}}'
    f = expr.jax_function()
    f(X)                   # X: (n, 3) -> (n,)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from symworld.equations.frontier import format_equation, parse_equation
from symworld.equations.operators import BY_NAME, OPERATORS, get_operator


class Node(NamedTuple):
    """One postfix node: ``kind`` is ``"const"`` (``value``: float, ``exact``: an
    optional exact SymPy number), ``"var"`` (``value``: column index) or ``"op"``
    (``value``: operator name)."""

    kind: str
    value: float | int | str
    exact: sp.Expr | None = None


def const(value: float, exact: sp.Expr | None = None) -> Node:
    return Node("const", float(value), exact)


def var(index: int) -> Node:
    return Node("var", int(index))


def op(name: str) -> Node:
    return Node("op", get_operator(name).name)


def arity(node: Node) -> int:
    return BY_NAME[node.value].arity if node.kind == "op" else 0


def subtree_start(nodes: Sequence[Node], end: int) -> int:
    """Index of the first node of the subtree whose root is ``nodes[end]``."""
    need = 1
    i = end
    while True:
        need += arity(nodes[i]) - 1
        if need == 0:
            return i
        i -= 1


def check_postfix(nodes: Sequence[Node]) -> None:
    """Raise `ValueError` unless `nodes` is one complete postfix program."""
    depth = 0
    for node in nodes:
        depth += 1 - arity(node)
        if depth < 1:
            raise ValueError("postfix program pops from an empty stack")
    if depth != 1:
        raise ValueError(f"postfix program leaves {depth} values on the stack, not 1")


@dataclass(frozen=True)
class Expression:
    """A symbolic expression as a postfix program.

    **Fields:**

    - `nodes`: tuple of :class:`Node` in postfix order.
    - `variable_names`: names of the input columns; variable node ``i`` reads column
      ``i`` of ``X`` (shape ``(n, len(variable_names))``).
    """

    nodes: tuple[Node, ...]
    variable_names: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "variable_names", tuple(self.variable_names))
        check_postfix(self.nodes)
        for node in self.nodes:
            if node.kind == "var" and not 0 <= node.value < len(self.variable_names):
                raise ValueError(
                    f"variable index {node.value} out of range for "
                    f"{len(self.variable_names)} variables"
                )

    # ------------------------------------------------------------------ properties
    @property
    def complexity(self) -> int:
        """PySR's complexity: 1 per leaf, the operator's complexity per operator."""
        return sum(
            BY_NAME[n.value].complexity if n.kind == "op" else 1 for n in self.nodes
        )

    @property
    def constants(self) -> np.ndarray:
        """float64 (k,): the constants in postfix order."""
        return np.array(
            [n.value for n in self.nodes if n.kind == "const"], dtype=np.float64
        )

    def with_constants(self, values: Sequence[float]) -> Expression:
        """The same program with new constant values (exact values dropped)."""
        values = list(values)
        if len(values) != len(self.constants):
            raise ValueError(
                f"expected {len(self.constants)} constants, got {len(values)}"
            )
        it = iter(values)
        nodes = tuple(const(next(it)) if n.kind == "const" else n for n in self.nodes)
        return Expression(nodes, self.variable_names)

    # ------------------------------------------------------------------ exports
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(name, real=True) for name in self.variable_names)

    def to_sympy(self) -> sp.Expr:
        """The SymPy expression (constants as Floats unless an exact value is set)."""
        symbols = self.symbols()
        stack: list[sp.Expr] = []
        for node in self.nodes:
            if node.kind == "const":
                stack.append(
                    node.exact if node.exact is not None else sp.Float(node.value)
                )
            elif node.kind == "var":
                stack.append(symbols[node.value])
            else:
                operator = BY_NAME[node.value]
                args = stack[len(stack) - operator.arity :]
                del stack[len(stack) - operator.arity :]
                stack.append(operator.sympy(*args))
        return stack[0]

    def latex(self, precision: int = 3) -> str:
        """LaTeX of the SymPy expression, floats rounded to `precision` digits."""
        expr = self.to_sympy()
        expr = expr.xreplace({f: sp.Float(f, precision) for f in expr.atoms(sp.Float)})
        return sp.latex(expr)

    def __str__(self) -> str:
        return format_equation(self.to_sympy())

    def numpy(self, X: np.ndarray) -> np.ndarray:
        """Evaluate in float64 NumPy. `X`: (n, d) -> (n,)."""
        X = np.asarray(X, dtype=np.float64)
        stack: list[np.ndarray] = []
        n = X.shape[0]
        for node in self.nodes:
            if node.kind == "const":
                stack.append(np.full(n, node.value))
            elif node.kind == "var":
                stack.append(X[:, node.value])
            else:
                operator = BY_NAME[node.value]
                args = stack[len(stack) - operator.arity :]
                del stack[len(stack) - operator.arity :]
                stack.append(np.broadcast_to(operator.numpy(*args), (n,)))
        return np.asarray(stack[0], dtype=np.float64)

    def jax_function(self):
        """A jitted JAX function ``f(X) -> y`` with `X`: (n, d), `y`: (n,).

        The program is unrolled at trace time, so the compiled function is exactly the
        expression (differentiable, vmappable)."""
        nodes = self.nodes

        def f(X):
            X = jnp.asarray(X)
            stack = []
            for node in nodes:
                if node.kind == "const":
                    stack.append(jnp.full(X.shape[:-1], node.value, dtype=X.dtype))
                elif node.kind == "var":
                    stack.append(X[..., node.value])
                else:
                    operator = BY_NAME[node.value]
                    args = stack[len(stack) - operator.arity :]
                    del stack[len(stack) - operator.arity :]
                    stack.append(operator.jax(*args))
            return stack[0]

        return jax.jit(f)

    # ------------------------------------------------------------------ imports
    @classmethod
    def from_sympy(
        cls,
        expr: sp.Expr,
        variable_names: Sequence[str],
        operators: Sequence[str] | None = None,
    ) -> Expression:
        """Build the postfix program of a SymPy expression.

        Sums become chains of ``add``/``sub``, products chains of ``mul``/``div``
        (negative powers go to a denominator), ``x**2``/``x**3``/``x**-1``/``x**(1/2)``
        use ``square``/``cube``/``inv``/``sqrt`` when those are in `operators` (default:
        all operators), other powers ``pow``. Numbers become constants that remember
        their exact value. Raises `ValueError` for a symbol not in `variable_names` or a
        function outside the operator table.
        """
        allowed = (
            {o.name for o in OPERATORS}
            if operators is None
            else {get_operator(o).name for o in operators}
        )
        names = list(variable_names)
        nodes: list[Node] = []
        _emit(sp.sympify(expr), names, allowed, nodes)
        return cls(tuple(nodes), tuple(names))

    @classmethod
    def parse(
        cls,
        text: str,
        variable_names: Sequence[str],
        operators: Sequence[str] | None = None,
    ) -> Expression:
        """Parse text (ours or PySR's syntax, e.g. ``"square(x0) * 2.5f0"``)."""
        return cls.from_sympy(
            parse_equation(text, variable_names), variable_names, operators
        )


_UNARY_FUNCTIONS = {
    sp.exp: "exp",
    sp.log: "log",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.tanh: "tanh",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.atan: "atan",
    sp.Abs: "abs",
}


def _need(name: str, allowed: set[str]) -> str:
    if name not in allowed:
        raise ValueError(
            f"expression needs operator {name!r}, not in {sorted(allowed)}"
        )
    return name


def _emit(expr: sp.Expr, names: list[str], allowed: set[str], out: list[Node]) -> None:
    if expr.is_Symbol:
        if expr.name not in names:
            raise ValueError(f"unknown variable {expr.name!r}; variables: {names}")
        out.append(var(names.index(expr.name)))
        return
    if expr.is_number:
        if expr.is_real is False or not expr.is_finite:
            raise ValueError(f"constant {expr} is not a finite real number")
        exact = None if isinstance(expr, sp.Float) else expr
        out.append(const(float(expr), exact))
        return
    if isinstance(expr, sp.Add):
        terms = sorted(expr.args, key=_negative_term)  # positive terms first
        _emit(terms[0], names, allowed, out)
        for term in terms[1:]:
            if _negative_term(term) and "sub" in allowed:
                _emit(-term, names, allowed, out)
                out.append(op("sub"))
            else:
                _emit(term, names, allowed, out)
                out.append(op(_need("add", allowed)))
        return
    if isinstance(expr, sp.Mul):
        numbers = [a for a in expr.args if a.is_number]
        others = [a for a in expr.args if not a.is_number]
        coeff = sp.Mul(*numbers)
        if coeff == -1 and "neg" in allowed:
            _emit(sp.Mul(*others), names, allowed, out)
            out.append(op("neg"))
            return
        numerator, denominator = ([coeff] if numbers else []), []
        for arg in others:
            if arg.is_Pow and arg.exp.is_Number and arg.exp < 0 and "div" in allowed:
                denominator.append(arg.base ** (-arg.exp))
            else:
                numerator.append(arg)
        _emit_product(numerator, names, allowed, out)
        if denominator:
            if not numerator:
                if "inv" in allowed and len(denominator) == 1:
                    _emit(denominator[0], names, allowed, out)
                    out.append(op("inv"))
                    return
                out.append(const(1.0, sp.Integer(1)))
            _emit_product(denominator, names, allowed, out)
            out.append(op(_need("div", allowed)))
        return
    if isinstance(expr, sp.Pow):
        base, exponent = expr.args
        special = {2: "square", 3: "cube", -1: "inv", sp.Rational(1, 2): "sqrt"}
        name = special.get(exponent)
        if name is not None and name in allowed:
            _emit(base, names, allowed, out)
            out.append(op(name))
            return
        if exponent == -1 and "div" in allowed:
            out.append(const(1.0, sp.Integer(1)))
            _emit(base, names, allowed, out)
            out.append(op("div"))
            return
        if exponent.is_Integer and 2 <= int(exponent) <= 4 and "mul" in allowed:
            _emit(base, names, allowed, out)
            for _ in range(int(exponent) - 1):
                _emit(base, names, allowed, out)
                out.append(op("mul"))
            return
        _emit(base, names, allowed, out)
        _emit(exponent, names, allowed, out)
        out.append(op(_need("pow", allowed)))
        return
    if expr.func in _UNARY_FUNCTIONS:
        _emit(expr.args[0], names, allowed, out)
        out.append(op(_need(_UNARY_FUNCTIONS[expr.func], allowed)))
        return
    raise ValueError(f"no operator for {expr.func.__name__} in {expr}")


def _emit_product(factors, names, allowed, out) -> None:
    if not factors:
        return
    # Numbers first: c * x reads better than x * c.
    factors = sorted(factors, key=lambda f: 0 if f.is_number else 1)
    _emit(factors[0], names, allowed, out)
    for factor in factors[1:]:
        _emit(factor, names, allowed, out)
        out.append(op(_need("mul", allowed)))


def _negative_term(term: sp.Expr) -> bool:
    coeff, _ = term.as_coeff_Mul()
    return bool(coeff.is_number and coeff < 0)
