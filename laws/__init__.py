"""Law libraries shipped with symworld, installed as ``symworld.laws``.

One module per environment; each module defines its laws as readable Python.
"""
