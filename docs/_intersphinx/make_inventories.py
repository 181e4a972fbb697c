"""Write the intersphinx inventories the offline docs build reads (docs/conf.py).

    python docs/_intersphinx/make_inventories.py

The build has no network, so the inventories of the sites our docs link to are
stored here, written from the installed packages: each public class and function of
the modules below, at the address its project's site gives it (the same patterns
their own Sphinx builds use). The files are Sphinx's inventory format, version 2.
"""

import importlib
import inspect
import pkgutil
import zlib
from pathlib import Path

HERE = Path(__file__).parent


def _public(module_name):
    """(qualified name, role) of a module's public classes and functions."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    out = []
    for name in names:
        obj = getattr(module, name, None)
        if inspect.isclass(obj):
            out.append((f"{module_name}.{name}", "class"))
            out += [(f"{module_name}.{name}.{m}", "method") for m, f in vars(obj).items()
                    if not m.startswith("_") and inspect.isfunction(f)]
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj) or callable(obj):
            out.append((f"{module_name}.{name}", "function"))
    return out


def _submodules(package, skip=("tests", "_", "externals", "utils._")):
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p in ("tests", "externals") for p in parts[1:]):
            continue
        names.append(info.name)
    return names


def _write(name, version, entries):
    lines = "".join(f"{qual} py:{role} 1 {uri} -\n" for qual, role, uri in sorted(set(entries)))
    header = (f"# Sphinx inventory version 2\n# Project: {name}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n").encode()
    (HERE / f"{name}.inv").write_bytes(header + zlib.compress(lines.encode()))
    print(f"{name}: {len(set(entries))} entries")


def sklearn():
    import sklearn as package

    entries = []
    for module in _submodules("sklearn"):
        try:
            found = _public(module)
        except Exception:  # noqa: BLE001 - a module that needs an optional dependency
            continue
        if module.count(".") > 1:  # the site documents names at their public module
            continue
        for qual, role in found:
            page = qual if role != "method" else qual.rsplit(".", 1)[0]
            entries.append((qual, role, f"modules/generated/{page}.html#{qual}"))
    _write("sklearn", package.__version__, entries)


def sktime():
    import sktime as package

    modules = ["sktime.forecasting.base", "sktime.forecasting.model_evaluation",
               "sktime.forecasting.naive", "sktime.forecasting.statsforecast",
               "sktime.forecasting.ets", "sktime.forecasting.theta",
               "sktime.forecasting.compose", "sktime.forecasting.model_selection",
               "sktime.split", "sktime.benchmarking.forecasting",
               "sktime.performance_metrics.forecasting", "sktime.datasets",
               "sktime.transformations.base"]
    entries = []
    for module in modules:
        for qual, role in _public(module):
            page = qual if role != "method" else qual.rsplit(".", 1)[0]
            entries.append((qual, role, f"api_reference/auto_generated/{page}.html#{qual}"))
    _write("sktime", package.__version__, entries)


def numpy():
    import numpy as package

    names = ["ndarray", "array", "asarray", "quantile", "mean", "median", "linspace",
             "random.default_rng", "random.Generator", "float32", "float64"]
    entries = [(f"numpy.{n}", "class" if n in ("ndarray", "random.Generator") else "function",
                f"reference/generated/numpy.{n}.html#numpy.{n}") for n in names]
    entries += [("numpy.ndarray", "class", "reference/generated/numpy.ndarray.html")]
    _write("numpy", package.__version__, entries)


def pandas():
    import pandas as package

    classes = ["DataFrame", "Series", "MultiIndex", "Index", "PeriodIndex", "DatetimeIndex"]
    functions = ["read_csv", "concat", "period_range", "date_range"]
    entries = [(f"pandas.{n}", "class", f"reference/api/pandas.{n}.html#pandas.{n}")
               for n in classes]
    entries += [(f"pandas.{n}", "function", f"reference/api/pandas.{n}.html#pandas.{n}")
                for n in functions]
    _write("pandas", package.__version__, entries)


def python():
    import sys

    entries = [(f"{n}", "class", f"library/{page}.html#{n}") for n, page in (
        ("str", "stdtypes"), ("int", "functions"), ("float", "functions"),
        ("bool", "functions"), ("dict", "stdtypes"), ("list", "stdtypes"),
        ("tuple", "stdtypes"), ("pathlib.Path", "pathlib"))]
    entries += [(f"{n}", "exception", f"library/exceptions.html#{n}")
                for n in ("ValueError", "TypeError", "RuntimeError", "OSError",
                          "FileNotFoundError")]
    entries += [("None", "data", "library/constants.html#None")]
    _write("python", ".".join(map(str, sys.version_info[:2])), entries)


if __name__ == "__main__":
    for write in (python, numpy, pandas, sklearn, sktime):
        write()
