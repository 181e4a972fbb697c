"""The application: the ``llmiso`` command, the demo, reading CSV files, backtests and
forecast plots. It calls the library; nothing in the library imports it."""

from ._backtest import NO_LLM, PLAIN_AVERAGE, backtest, comparison_models, describe_head
from ._plots import plot_fan_chart

__all__ = ["NO_LLM", "PLAIN_AVERAGE", "backtest", "comparison_models", "describe_head",
           "plot_fan_chart"]
