"""Environments shipped with symworld, installed as ``symworld.envs``.

Each environment has a pure JAX core (``reset`` / ``step`` on pytree states, see
:class:`symworld.functional.FunctionalEnv`) and a thin gymnasium shell registered
under the ``symworld/`` namespace when this package is imported.
"""

from symworld.envs import registration as _registration

_registration.register_all()
