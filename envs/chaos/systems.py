"""The chaotic flows we ship: every equation and number in one table.

Each :class:`FlowSystem` is an autonomous ODE ``dx/dt = f(x; p)`` written as text in
sympy syntax, one right-hand side per state variable, with its parameters, a
published initial condition on (or near) the attractor and two scales measured on
the attractor: ``period``, the dominant oscillation period in time units, and
``scale``, the standard deviation of each variable.

The forms, parameter values, initial conditions, periods and scales follow the
dysts collection (W. Gilpin, "Chaos as an interpretable benchmark for forecasting
and data-driven modelling", NeurIPS Datasets and Benchmarks 2021), so that a
trajectory here can be compared with one from ``dysts.flows``. Where dysts rounds a
classical value (Lorenz's beta = 2.667) we keep the published exact value (8/3);
the cross-check tests pass our parameters to dysts.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np
import sympy


@dataclasses.dataclass(frozen=True)
class FlowSystem:
    """An autonomous ODE ``dx/dt = f(x; p)`` given as text.

    **Fields:**

    - ``name``: the system's name (dysts' class name).
    - ``variables``: the state variable names, ``D`` of them (``("x", "y", "z")``).
    - ``equations``: ``D`` right-hand sides in sympy syntax, in terms of the
      variables and the parameter names.
    - ``parameters``: ``(name, value)`` pairs, the published values.
    - ``initial_condition``: ``D`` floats, a point on (or near) the attractor.
    - ``period``: dominant period of the attractor, in time units.
    - ``scale``: ``D`` floats, the standard deviation of each variable on the
      attractor.
    - ``reference``: where the system was published.
    """

    name: str
    variables: tuple[str, ...]
    equations: tuple[str, ...]
    parameters: tuple[tuple[str, float], ...]
    initial_condition: tuple[float, ...]
    period: float
    scale: tuple[float, ...]
    reference: str

    def __post_init__(self) -> None:
        dimension = len(self.variables)
        for field in ("equations", "initial_condition", "scale"):
            if len(getattr(self, field)) != dimension:
                raise ValueError(
                    f"{self.name}: {field} has {len(getattr(self, field))} entries "
                    f"but there are {dimension} variables"
                )

    # -- sizes and defaults ------------------------------------------------------

    @property
    def dimension(self) -> int:
        """The number of state variables ``D``."""
        return len(self.variables)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.parameters)

    @property
    def parameter_values(self) -> np.ndarray:
        """float64 ``(P,)``: the published parameter values in declaration order."""
        return np.array([value for _, value in self.parameters], dtype=np.float64)

    @property
    def default_dt(self) -> float:
        """The sampling interval used when none is given: ``period / 100``, i.e.
        100 samples per dominant period (dysts' "fine" granularity)."""
        return self.period / 100.0

    def parameter_vector(
        self, overrides: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """float64 ``(P,)``: the published values with ``overrides`` applied."""
        values = dict(self.parameters)
        for name, value in (overrides or {}).items():
            if name not in values:
                raise ValueError(
                    f"{self.name} has no parameter {name!r}; "
                    f"its parameters are {list(values)}"
                )
            values[name] = float(value)
        return np.array([values[name] for name in self.parameter_names])

    # -- symbolic form -----------------------------------------------------------

    @functools.cached_property
    def _symbols(self) -> tuple[tuple[sympy.Symbol, ...], tuple[sympy.Symbol, ...]]:
        states = tuple(sympy.Symbol(name, real=True) for name in self.variables)
        params = tuple(sympy.Symbol(name, real=True) for name in self.parameter_names)
        return states, params

    @functools.cached_property
    def _expressions(self) -> tuple[sympy.Expr, ...]:
        states, params = self._symbols
        names = {symbol.name: symbol for symbol in states + params}
        return tuple(sympy.sympify(text, locals=names) for text in self.equations)

    def sympy_equations(
        self, parameters: Mapping[str, float] | None = None, *, symbolic: bool = False
    ) -> dict[str, sympy.Expr]:
        """The right-hand sides as ``{variable: sympy expression}``.

        With ``symbolic=False`` (the default) the parameter values (published, with
        ``parameters`` applied) are substituted and the result expanded, which is
        the form an equation-discovery method should recover.
        """
        if symbolic:
            return dict(zip(self.variables, self._expressions, strict=True))
        _, params = self._symbols
        values = dict(
            zip(params, self.parameter_vector(parameters).tolist(), strict=True)
        )
        return {
            name: sympy.expand(expression.subs(values))
            for name, expression in zip(self.variables, self._expressions, strict=True)
        }

    # -- numeric form ------------------------------------------------------------

    @functools.cached_property
    def _lambdified(self) -> Callable[..., tuple]:
        states, params = self._symbols
        return sympy.lambdify(states + params, list(self._expressions), modules="jax")

    def vector_field(self, state: jax.Array, params: jax.Array) -> jax.Array:
        """``f(x; p)``: the time derivative of ``state``.

        **Arguments:**

        - ``state``: ``(D,)`` float array, one point of state space.
        - ``params``: ``(P,)`` float array in the order of :attr:`parameter_names`.

        **Returns:** ``(D,)``, the derivative per time unit, dtype of ``state``.
        """
        state = jnp.asarray(state)
        components = self._lambdified(
            *[state[i] for i in range(self.dimension)],
            *[params[i] for i in range(len(self.parameters))],
        )
        return jnp.stack(
            [jnp.broadcast_to(jnp.asarray(c, state.dtype), ()) for c in components]
        )


def _system(
    name: str,
    equations: Mapping[str, str],
    parameters: Mapping[str, float],
    initial_condition: tuple[float, ...],
    period: float,
    scale: tuple[float, ...],
    reference: str,
) -> FlowSystem:
    return FlowSystem(
        name=name,
        variables=tuple(equations),
        equations=tuple(equations.values()),
        parameters=tuple((key, float(value)) for key, value in parameters.items()),
        initial_condition=tuple(float(v) for v in initial_condition),
        period=float(period),
        scale=tuple(float(v) for v in scale),
        reference=reference,
    )


XYZ = ("x", "y", "z")

# name -> system. Equations are written in the form dysts integrates; numbers are
# dysts' (see the module docstring), except Lorenz's beta = 8/3.
SYSTEMS: dict[str, FlowSystem] = {
    system.name: system
    for system in [
        _system(
            "Lorenz",
            {"x": "sigma*(y - x)", "y": "x*(rho - z) - y", "z": "x*y - beta*z"},
            {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0},
            (-9.7869288, -15.03852, 20.533978),
            1.5008,
            (7.9062, 8.9993, 8.5795),
            "E. N. Lorenz, J. Atmos. Sci. 20, 130 (1963)",
        ),
        _system(
            "Rossler",
            {"x": "-y - z", "y": "x + a*y", "z": "b + z*(x - c)"},
            {"a": 0.2, "b": 0.2, "c": 5.7},
            (6.5134412, 0.4772013, 0.34164294),
            5.9086,
            (5.4122, 5.0155, 2.4968),
            "O. E. Rössler, Phys. Lett. A 57, 397 (1976)",
        ),
        _system(
            "Chen",
            {"x": "a*(y - x)", "y": "(c - a)*x - x*z + c*y", "z": "x*y - b*z"},
            {"a": 35.0, "b": 3.0, "c": 28.0},
            (3.2689697, 5.2990458, 19.435349),
            0.58689,
            (8.3601, 8.8935, 5.1349),
            "G. Chen, T. Ueta, Int. J. Bifurcat. Chaos 9, 1465 (1999)",
        ),
        _system(
            "LuChen",
            {"x": "a*(y - x)", "y": "c*y - x*z", "z": "x*y - b*z"},
            {"a": 36.0, "b": 3.0, "c": 18.0},
            (10.956479, 9.8813092, 22.676714),
            2.3385,
            (7.2241, 7.414, 5.2559),
            "J. Lü, G. Chen, Int. J. Bifurcat. Chaos 12, 659 (2002)",
        ),
        _system(
            "Chua",
            {
                "x": "alpha*(y - x - (m1*x + (m0 - m1)/2*(Abs(x + 1) - Abs(x - 1))))",
                "y": "x - y + z",
                "z": "-beta*y",
            },
            {"alpha": 15.6, "beta": 28.0, "m0": -1.142857, "m1": -0.71429},
            (1.1262351, -0.11386474, -0.78324421),
            1.4235,
            (1.4355, 0.1776, 1.8013),
            "L. O. Chua, M. Komuro, T. Matsumoto, IEEE Trans. Circuits Syst. 33 (1986)",
        ),
        _system(
            "Thomas",
            {
                "x": "-a*x + b*sin(y)",
                "y": "-a*y + b*sin(z)",
                "z": "-a*z + b*sin(x)",
            },
            {"a": 1.85, "b": 10.0},
            (2.199442, 2.3634225, 3.220197),
            4.969,
            (2.1377, 2.2161, 2.2432),
            "R. Thomas, Int. J. Bifurcat. Chaos 9, 1889 (1999), time-rescaled form",
        ),
        _system(
            "Halvorsen",
            {
                "x": "-a*x - b*(y + z) - y**2",
                "y": "-a*y - b*(z + x) - z**2",
                "z": "-a*z - b*(x + y) - x**2",
            },
            {"a": 1.4, "b": 4.0},
            (-8.6807408, -2.4741399, 0.070775762),
            1.4889,
            (4.5053, 4.1844, 4.5154),
            "J. C. Sprott, Elegant Chaos (World Scientific, 2010)",
        ),
        _system(
            "Aizawa",
            {
                "x": "x*z - b*x - d*y",
                "y": "d*x + y*z - b*y",
                "z": "c + a*z - z**3/3 - (x**2 + y**2)*(1 + e*z) + f*z*x**3",
            },
            {"a": 0.95, "b": 0.7, "c": 0.6, "d": 3.5, "e": 0.25, "f": 0.1},
            (-0.78450179, -0.62887672, -0.17620268),
            2.5837,
            (0.5509, 0.5545, 0.6959),
            "Y. Aizawa, T. Uezu, Prog. Theor. Phys. 67, 982 (1982)",
        ),
        _system(
            "HindmarshRose",
            {
                "x": "-x + (y - a*x**3 + b*x**2 + z)/tx",
                "y": "-a*x**3 - (d - b)*x**2 + z",
                "z": "(-s*x - z + c)/tz",
            },
            {
                "a": 0.49,
                "b": 1.0,
                "c": 0.0322,
                "d": 1.0,
                "s": 1.0,
                "tx": 0.03,
                "tz": 0.8,
            },
            (0.031111835, -0.021557059, 0.041475046),
            1.752,
            (0.3265, 0.1481, 0.118),
            "M. Marhl, M. Perc, Chaos Solitons Fractals 28, 822 (2006)",
        ),
        _system(
            "LorenzStenflo",
            {
                "x": "a*(y - x) + d*w",
                "y": "c*x - x*z - y",
                "z": "x*y - b*z",
                "w": "-x - a*w",
            },
            {"a": 2.0, "b": 0.7, "c": 26.0, "d": 1.5},
            (4.233438598886809, 9.08970605484108, 21.86662535600487, -1.40806951828338),
            3.8877142857142855,
            (3.5061, 5.6108, 6.4223, 1.3727),
            "L. Stenflo, Phys. Scr. 53, 83 (1996)",
        ),
        _system(
            "SprottA",
            {"x": "y", "y": "-x + y*z", "z": "1 - y**2"},
            {},
            (1.54131864, 1.43079727, -1.52555412),
            6.3728461538461545,
            (0.9661, 0.9784, 1.0525),
            "J. C. Sprott, Phys. Rev. E 50, R647 (1994)",
        ),
        _system(
            "SprottB",
            {"x": "y*z", "y": "x - y", "z": "1 - x*y"},
            {},
            (1.6878282, 1.4848132, -0.53706628),
            11.050142857142857,
            (1.4158, 0.9953, 1.7129),
            "J. C. Sprott, Phys. Rev. E 50, R647 (1994)",
        ),
        _system(
            "Rucklidge",
            {"x": "-a*x + b*y - y*z", "y": "x", "z": "-z + y**2"},
            {"a": 2.0, "b": 6.7},
            (1.9257158, 3.1923835, 5.7829655),
            6.0721,
            (2.581, 2.534, 2.9711),
            "A. M. Rucklidge, J. Fluid Mech. 237, 209 (1992)",
        ),
        _system(
            "NoseHoover",
            {"x": "y", "y": "-x + y*z", "z": "a - y**2"},
            {"a": 1.5},
            (-1.9758582, 0.24647527, 0.79024299),
            5.8673,
            (1.1041, 1.2398, 1.5077),
            "W. G. Hoover, Phys. Rev. A 31, 1695 (1985)",
        ),
        _system(
            "Dadras",
            {"x": "y - p*x + o*y*z", "y": "r*y - x*z + z", "z": "c*x*y - e*z"},
            {"c": 2.0, "e": 9.0, "o": 2.7, "p": 3.0, "r": 1.7},
            (1.0284085, -3.5348655, -0.72081646),
            3.2886,
            (3.2918, 2.6099, 1.69),
            "S. Dadras, H. R. Momeni, Phys. Lett. A 373, 3637 (2009)",
        ),
        _system(
            "Lorenz84",
            {
                "x": "-a*x - y**2 - z**2 + a*f",
                "y": "-y + x*y - b*x*z + g",
                "z": "-z + b*x*y + x*z",
            },
            {"a": 1.32, "b": 7.91, "f": 4.83, "g": 4.194},
            (1.926479236120359, -0.13402110197257552, -1.72146730664761),
            6.2586,
            (0.8214, 1.3201, 1.7355),
            "E. N. Lorenz, Tellus A 36, 98 (1984)",
        ),
        _system(
            "RabinovichFabrikant",
            {
                "x": "y*(z - 1 + x**2) + g*x",
                "y": "x*(3*z + 1 - x**2) + g*y",
                "z": "-2*z*(a + x*y)",
            },
            {"a": 1.1, "g": 0.87},
            (-1.8207276, 0.83440917, 0.2078248),
            2.3356,
            (0.3745, 0.6956, 0.3298),
            "M. I. Rabinovich, A. L. Fabrikant, Sov. Phys. JETP 50, 311 (1979)",
        ),
        _system(
            "Arneodo",
            {"x": "y", "y": "z", "z": "-a*x - b*y - c*z + d*x**3"},
            {"a": -5.5, "b": 4.5, "c": 1.0, "d": -1.0},
            (-2.7515698, 0.19079818, 3.4703629),
            3.1641,
            (1.0101, 1.5932, 3.3851),
            "A. Arneodo, P. Coullet, C. Tresser, Commun. Math. Phys. 79, 573 (1981)",
        ),
        _system(
            "GenesioTesi",
            {"x": "y", "y": "z", "z": "-c*x - b*y - a*z + x**2"},
            {"a": 0.44, "b": 1.1, "c": 1.0},
            (-0.053772565, -0.26162564, 0.33501557),
            5.9431,
            (0.4176, 0.4136, 0.4331),
            "R. Genesio, A. Tesi, Automatica 28, 531 (1992)",
        ),
        _system(
            "ShimizuMorioka",
            {"x": "y", "y": "x - a*y - x*z", "z": "-b*z + x**2"},
            {"a": 0.85, "b": 0.5},
            (0.016838697, 0.03489384, 0.35346848),
            12.038,
            (0.6549, 0.3085, 0.5619),
            "T. Shimizu, N. Morioka, Phys. Lett. A 76, 201 (1980)",
        ),
        _system(
            "BurkeShaw",
            {"x": "-n*(x + y)", "y": "y - n*x*z", "z": "n*x*y + e"},
            {"e": 13.0, "n": 10.0},
            (-0.79153188, 0.65244479, 0.22517831),
            0.78333,
            (1.1399, 1.731, 1.9182),
            "R. Shaw, Z. Naturforsch. A 36, 80 (1981)",
        ),
        _system(
            "ChenLee",
            {"x": "a*x - y*z", "y": "b*y + x*z", "z": "c*z + x*y/3"},
            {"a": 5.0, "b": -10.0, "c": -0.38},
            (0.17177112, 0.10360479, 6.2553878),
            2.8043,
            (4.1959, 2.9677, 3.0598),
            "H. K. Chen, C. I. Lee, Chaos Solitons Fractals 21, 957 (2004)",
        ),
        _system(
            "QiChen",
            {"x": "a*(y - x) + y*z", "y": "c*x + y - x*z", "z": "x*y - b*z"},
            {"a": 38.0, "b": 2.666, "c": 80.0},
            (17.420882, 5.5459627, 78.89139),
            0.39179,
            (25.6213, 9.7548, 9.4244),
            "G. Qi et al., Chaos Solitons Fractals 38, 705 (2008)",
        ),
    ]
}


def get_system(name: str | FlowSystem) -> FlowSystem:
    """The :class:`FlowSystem` called ``name`` (case-insensitive), or ``name`` itself
    when it already is one."""
    if isinstance(name, FlowSystem):
        return name
    for key, system in SYSTEMS.items():
        if key.lower() == str(name).lower():
            return system
    raise ValueError(f"unknown chaotic system {name!r}; known: {sorted(SYSTEMS)}")


def list_systems() -> list[str]:
    """The names of every shipped system, in table order."""
    return list(SYSTEMS)
