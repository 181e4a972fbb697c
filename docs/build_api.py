"""Write docs/api.md, the API reference, from the docstrings.

    python docs/build_api.py        # tests/test_docs.py checks that it is current
"""

import inspect
from pathlib import Path

import llmiso
import llmiso.embedding
import llmiso.forecasting
import llmiso.head
import llmiso.metrics

SECTIONS = [
    ("Estimators", llmiso, ["LLMEmbedder", "IsotropyCenterer", "SoftmaxHeadForecaster",
                            "SoftmaxHeadForecasterCV", "MeanScaledRegressor", "mean_abs_scale"]),
    ("Head weights (`llmiso.head`)", llmiso.head, ["HeadWeights"]),
    ("sktime forecaster and its parts (`llmiso.forecasting`)", llmiso.forecasting,
     ["LLMForecaster", "Combination", "WindowPrompts", "SeriesPass", "forecasting_embedder",
      "PretrainedHead", "pretrain_head", "IncompatibleHeadError", "synthetic_series",
      "encode", "evidence_weights", "interval_scale"]),
    ("Prompts (`llmiso.embedding`)", llmiso.embedding, ["PromptFormat", "load_model"]),
    ("Isotropy profile", llmiso, ["isotropy_profile", "plot_isotropy_profile"]),
    ("Metrics and scorers (`llmiso.metrics`)", llmiso.metrics, llmiso.metrics.__all__),
    ("Errors", llmiso, ["ModelNotAvailableError"]),
]
PUBLIC_METHODS = ["fit", "transform", "embed_series", "prompts", "token_ids", "series_prompts",
                  "attention_outputs", "predict", "predict_quantiles", "predict_bin_proba",
                  "negative_log_likelihood", "inverse_transform", "score",
                  "get_feature_names_out", "head_features", "head_isotropy", "combine",
                  "write", "write_with_reads", "member_quantiles", "chunk_stride", "weights",
                  "from_weights", "pretrain", "save", "load", "regressor", "check"]


def render():
    lines = ["# API reference", "", "Generated from the docstrings by `docs/build_api.py`.", ""]
    for title, module, names in SECTIONS:
        lines += [f"## {title}", ""]
        for name in names:
            obj = getattr(module, name)
            if not callable(obj) or isinstance(obj, type) and issubclass(obj, Exception):
                text = inspect.getdoc(obj) if isinstance(obj, type) else repr(obj)
                lines += [f"### `{module.__name__}.{name}`", "", "```text", text, "```", ""]
                continue
            signature = str(inspect.signature(obj))
            lines += [f"### `{module.__name__}.{name}{signature}`", "", "```text",
                      inspect.getdoc(obj) or "", "```", ""]
            if inspect.isclass(obj):
                for method in PUBLIC_METHODS:
                    # available_if wraps some methods in a descriptor; .fn is the method
                    found = vars(obj).get(method)
                    found = getattr(found, "__func__", found)  # classmethods
                    function = getattr(found, "fn", found)
                    if function is not None and inspect.getdoc(function):
                        lines += [f"#### `{name}.{method}{inspect.signature(function)}`", "",
                                  "```text", inspect.getdoc(function), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(__file__).with_name("api.md")
    path.write_text(render())
    print(f"wrote {path}")
