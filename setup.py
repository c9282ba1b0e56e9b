"""Map the repository layout onto the installed package.

``symworld/`` is the library; ``envs/`` installs as ``symworld.envs`` and ``laws/`` as
``symworld.laws``. Subpackages are discovered, so adding one needs no edit here.
"""

from setuptools import find_packages, setup

ROOTS = {"symworld": "symworld", "symworld.envs": "envs", "symworld.laws": "laws"}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages, package_dir = [], {}
    for name, folder in ROOTS.items():
        packages.append(name)
        package_dir[name] = folder
        for sub in find_packages(folder):
            if name == "symworld" and sub.split(".")[0] in ("envs", "laws"):
                continue
            packages.append(f"{name}.{sub}")
            package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()

setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={"symworld": ["py.typed"], "symworld.laws": ["*.py"]},
)
