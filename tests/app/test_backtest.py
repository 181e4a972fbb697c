
import pandas as pd


def test_verdict_and_seasonal_period():
    from llmiso.app._backtest import verdict
    from llmiso.forecasting._seasons import seasonal_period

    table = pd.DataFrame({"MASE": [0.8, 1.0, 1.2]}, index=["LLM", "no LLM", "seasonal naive"])
    assert verdict(table, "LLM", "no LLM").startswith("On these folds the LLM helps: MASE 0.800")
    assert "(20% lower)" in verdict(table, "LLM", "no LLM")
    assert "does not help" in verdict(table.iloc[[1, 0, 2]].set_axis(table.index), "LLM", "no LLM")
    # With each origin's MASE: "helps" only when better at every origin.
    table["MASE, origin 1"], table["MASE, origin 2"] = [0.5, 1.0, 1.0], [1.1, 1.0, 1.4]
    assert "neither clearly helps nor hurts" in verdict(table, "LLM", "no LLM")
    assert "better at 1 of 2 origins" in verdict(table, "LLM", "no LLM")
    table["MASE, origin 2"] = [0.9, 1.0, 1.4]
    assert "the LLM helps" in verdict(table, "LLM", "no LLM")
    assert "better at 2 of 2 origins" in verdict(table, "LLM", "no LLM")
    assert seasonal_period(pd.period_range("2020-01", periods=3, freq="M")) == 12
    assert seasonal_period(pd.period_range("2020Q1", periods=3, freq="Q")) == 4
    assert seasonal_period(pd.RangeIndex(3)) == 1


# -- many series: a long file, and a Dask cluster ---------------------------------------


