"""The customary seasonal period of a time index, from its frequency."""

# By the class name of the index's pandas offset (MonthEnd, QuarterBegin, Week, ...):
# a name rather than the frequency string, where "min" and "ms" start like months.
_SEASONS = {"Month": 12, "Quarter": 4, "Week": 52, "BusinessDay": 5, "Day": 7, "Hour": 24}


def seasonal_period(index):
    """12 for a monthly index, 4 quarterly, 52 weekly, 7 daily, 24 hourly; 1 when unknown."""
    name = type(getattr(index, "freq", None)).__name__
    return next((season for prefix, season in _SEASONS.items() if name.startswith(prefix)), 1)
