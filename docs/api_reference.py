"""The API reference's contents: every public name, in sections (docs/conf.py
writes ``api.rst`` and the constants' pages from it; tests/test_docs.py checks that
every name in the public modules' ``__all__`` is listed under the module it is
documented at, and has a docstring or, for a constant, a ``#:`` comment)."""

import importlib
import pkgutil

# The modules whose __all__ is public, in order: a name exported by several (the
# top-level shortcuts) is documented at the first.
MODULES = ["llmiso", "llmiso.forecasting", "llmiso.metrics", "llmiso.isotropy",
           "llmiso.embedding", "llmiso.head", "llmiso.app"]

SECTIONS = [
    ("Estimators", "llmiso",
     "The scikit-learn estimators: they fit, transform and predict in a "
     ":class:`~sklearn.pipeline.Pipeline` and a :class:`~sklearn.model_selection.GridSearchCV`.",
     ["LLMEmbedder", "IsotropyCenterer", "SoftmaxHeadForecaster", "SoftmaxHeadForecasterCV",
      "SoftmaxBinRegressor", "SoftmaxBinRegressorCV", "MeanScaledRegressor",
      "mean_abs_scale"]),
    ("Isotropy profile", "llmiso",
     "Every isotropy measure at every layer, from one forward pass.",
     ["isotropy_profile", "plot_isotropy_profile"]),
    ("Models and errors", "llmiso", "", ["DEFAULT_MODEL", "ModelNotAvailableError"]),
    ("Forecasting", "llmiso.forecasting",
     "The sktime forecaster and its parts (:class:`~sktime.forecasting.base.BaseForecaster`).",
     ["LLMForecaster", "Combination", "StatisticalModels", "WindowPrompts", "SeriesPass",
      "forecasting_embedder", "encode", "PretrainedHead", "pretrain_head", "pretrain_rows",
      "IncompatibleHeadError", "synthetic_series", "sliding_windows", "seasonal_period",
      "is_seasonal", "season_window", "training_windows", "evidence_weights",
      "interval_scale", "stretch_intervals", "mix_quantiles", "FIT_HEAD_FROM",
      "FORECASTING_EMBEDDER", "ENCODINGS", "ONE_PASS_ABOVE", "STRATEGIES", "SHIPPED_HEADS"]),
    ("Metrics and scorers", "llmiso.metrics",
     "Isotropy measures (each beside its isotropic null in :func:`isotropy_report`), "
     "scorers for :class:`~sklearn.model_selection.GridSearchCV`, and forecast errors.",
     ["isotropy_report", "isotropy_summary", "adjusted_isotropy", "isoscore",
      "cluster_cosine", "partition_isotropy", "average_cosine", "effective_dimension",
      "top_component_share", "isotropy_scorer", "make_isotropy_scorer",
      "mean_absolute_scaled_error", "weighted_quantile_loss", "pinball_loss",
      "negative_log_likelihood"]),
    ("Isotropy transforms", "llmiso.isotropy", "", ["CENTERING_METHODS"]),
    ("Prompts and models", "llmiso.embedding", "",
     ["PromptFormat", "load_model", "resolve_model_path", "clear_model_cache",
      "NUMBER_FORMATS"]),
    ("Head internals", "llmiso.head", "", ["HeadWeights", "softmax_objective"]),
    ("The command's building blocks", "llmiso.app",
     "What ``llmiso forecast`` and ``llmiso demo`` compose, for scripts that do the same.",
     ["backtest", "comparison_models", "describe_head", "plot_fan_chart", "NO_LLM",
      "PLAIN_AVERAGE"]),
]


def canonical_names():
    """{name: module} for every public name: the first module of MODULES exporting it."""
    out = {}
    for module in MODULES:
        for name in importlib.import_module(module).__all__:
            if not name.startswith("__"):
                out.setdefault(name, module)
    return out


def is_constant(module, name):
    obj = getattr(importlib.import_module(module), name)
    return not (callable(obj) or isinstance(obj, type))


def constant_doc(module, name):
    """The ``#:`` comment above the constant's assignment (as Sphinx's autodoc reads
    it), in the module or the package's submodule that defines it ('' if none)."""
    import ast
    import inspect

    package = importlib.import_module(module)
    candidates = [module] + [info.name for info in pkgutil.walk_packages(
        getattr(package, "__path__", []), prefix=f"{module}.")]
    for candidate in candidates:
        try:
            source = inspect.getsource(importlib.import_module(candidate))
        except (OSError, TypeError):
            continue
        lines = source.splitlines()
        for node in ast.parse(source).body:
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AnnAssign) else [])
            if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
                continue
            comment, row = [], node.lineno - 2  # the line above the assignment
            while row >= 0 and lines[row].startswith("#:"):
                comment.insert(0, lines[row][2:].strip())
                row -= 1
            if comment:
                return "\n".join(comment)
    return ""


def render(out_dir):
    """Write api.rst and one page per constant under ``out_dir`` (the docs folder)."""
    from pathlib import Path

    out_dir = Path(out_dir)
    (out_dir / "api").mkdir(exist_ok=True)
    lines = ["API reference", "=============", "",
             "Every public name, one page each, from the docstrings.", ""]
    declared = set()
    for title, module, text, names in SECTIONS:
        directive = "currentmodule" if module in declared else "module"
        declared.add(module)
        lines += [title, "-" * len(title), "", f".. {directive}:: {module}", ""]
        if text:
            lines += [text, ""]
        functions = [n for n in names if not is_constant(module, n)]
        constants = [n for n in names if is_constant(module, n)]
        if functions:
            lines += [".. autosummary::", "   :toctree: api/", "   :nosignatures:", ""]
            lines += [f"   {n}" for n in functions] + [""]
        if constants:
            lines += [".. list-table::", "   :widths: 30 70", ""]
            for n in constants:
                summary = constant_doc(module, n).split("\n\n")[0].replace("\n", " ")
                lines += [f"   * - :data:`{module}.{n}`", f"     - {summary}"]
            lines += ["", ".. toctree::", "   :hidden:", ""]
            lines += [f"   api/{module}.{n}" for n in constants] + [""]
            for n in constants:
                value = repr(getattr(importlib.import_module(module), n))
                if len(value) > 200:
                    value = value[:200] + " ..."
                page = [n, "=" * len(n), "", f".. py:data:: {module}.{n}", "",
                        "   .. code-block:: python", "", f"      {value}", ""]
                page += ["   " + line if line else ""
                         for line in constant_doc(module, n).splitlines()]
                (out_dir / "api" / f"{module}.{n}.rst").write_text("\n".join(page) + "\n")
    (out_dir / "api.rst").write_text("\n".join(lines) + "\n")
