"""Reading series from a CSV file for the command line, with errors a user can act on."""

from pathlib import Path

import numpy as np
import pandas as pd


class DataError(ValueError):
    """The input file cannot be used as given; the message says why and what to do."""


def read_input(path, *, time_column=None, value_columns=None, id_column=None, min_length=2,
               needed_for="the analysis", same_end=True):
    """The series of a CSV: a wide file (:func:`read_series`) or, with ``id_column``, a
    long one (:func:`read_long`, which needs ``time_column`` and one value column;
    ``same_end=False`` lets its series end at different times, as NaN after the end)."""
    if id_column is None:
        return read_series(path, time_column=time_column, value_columns=value_columns,
                           min_length=min_length, needed_for=needed_for)
    if not time_column or not value_columns or len(value_columns) != 1:
        raise DataError("a long file (--id) needs --time-column and one --value-column.")
    return read_long(path, id_column=id_column, time_column=time_column,
                     value_column=value_columns[0], min_length=min_length,
                     needed_for=needed_for, same_end=same_end)


def read_series(path, *, time_column=None, value_columns=None, min_length=2,
                needed_for="the analysis"):
    """Read a CSV with a time column and value columns into a regular-frequency frame.

    The delimiter (comma, semicolon, tab, ...) is detected. Returns a DataFrame
    indexed by a PeriodIndex (or a RangeIndex when the file has no time column), one
    float column per series. ``needed_for`` says, in the error about too few rows,
    what ``min_length`` rows are for.
    """
    path, frame = _read_csv(path)

    if time_column is not None and time_column not in frame.columns:
        raise DataError(
            f"{path}: no column {time_column!r}; the columns are {list(frame.columns)}."
        )
    if time_column is None:
        time_column = _detect_time_column(frame)
    if value_columns:
        missing = [c for c in value_columns if c not in frame.columns]
        if missing:
            raise DataError(
                f"{path}: no column(s) {missing}; the columns are {list(frame.columns)}."
            )
    else:
        # Mostly numbers makes a value column; a stray text cell is then named below.
        value_columns = [
            c for c in frame.columns
            if c != time_column
            and pd.to_numeric(frame[c], errors="coerce").notna().mean() >= 0.5
        ]
        if not value_columns:
            raise DataError(
                f"{path}: no numeric value column found; name one with --value-column."
            )

    values = frame[value_columns].apply(pd.to_numeric, errors="coerce").astype(float)
    checks = [
        (values.isna() & frame[value_columns].notna(), "a non-numeric value {cell!r}",
         "write it as a number"),
        (values.isna(), "missing values", "fill or drop them first"),
        (~np.isfinite(values) & values.notna(), "an infinite value ({cell!r})",
         "replace it with a number or drop the row"),
    ]
    for mask, what, fix in checks:
        if mask.any().any():
            column = mask.any().idxmax()
            row = int(mask[column].to_numpy().argmax())
            what = what.format(cell=frame[column].iloc[row])
            raise DataError(
                f"{path}: column {column!r} has {what} on data row {row + 1}; {fix}."
            )
    times = None if time_column is None else _parse_times(path, frame[time_column], time_column)
    if len(values) < min_length:
        raise DataError(
            f"{path}: {len(values)} rows, but at least {min_length} are needed "
            f"({needed_for}); use a longer series or a shorter --window-length."
        )
    if times is not None:
        values.index = _regular_index(path, times, time_column)
    return values


def _read_csv(path):
    """The file as a frame, with the delimiter sniffed; a DataError if it cannot be one."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    try:
        frame = pd.read_csv(path, sep=None, engine="python")  # sniffs the delimiter
    except Exception as error:  # pandas raises many types for malformed files
        raise DataError(f"{path}: not a readable CSV file ({error}).") from error
    if frame.empty:
        raise DataError(f"{path}: the file has no rows.")
    return path, frame


def _detect_time_column(frame):
    """The first non-numeric column that parses as dates, or None."""
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        parsed = pd.to_datetime(frame[column], errors="coerce", format="mixed")
        if parsed.notna().all():
            return column
    return None


def _parse_times(path, column, name):
    """The dates of ``column``, checked to parse and to increase strictly."""
    try:
        times = pd.to_datetime(column, format="mixed")
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{path}: cannot read the dates in column {name!r} ({error}); write them "
            "as YYYY-MM-DD or YYYY-MM."
        ) from error
    if not times.is_monotonic_increasing or times.duplicated().any():
        raise DataError(f"{path}: the dates in column {name!r} must increase strictly.")
    return times


def _regular_index(path, times, name):
    """A PeriodIndex at the frequency the dates follow."""
    freq = pd.infer_freq(times) if len(times) >= 3 else None
    if freq is None:
        raise DataError(
            f"{path}: the dates in column {name!r} are not evenly spaced, so no "
            "frequency could be inferred; resample the series to a regular frequency."
        )
    return pd.DatetimeIndex(times, freq=freq).to_period()


def read_long(path, *, id_column, time_column, value_column, min_length=2,
              needed_for="the analysis", same_end=True):
    """Read a long-format CSV (one row per series, time and value) into a wide frame.

    Returns a DataFrame indexed by time (a PeriodIndex when the times are dates at
    a regular frequency, else the sorted times), one float column per series id.
    Series may start at different times (NaN before their first value) and, with
    ``same_end=False``, end at different times (NaN after their last); no gaps.
    """
    path, frame = _read_csv(path)
    missing = [c for c in (id_column, time_column, value_column) if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: no column(s) {missing} for --id/--time-column/--value-column; "
                        f"the columns are {list(frame.columns)}.")
    values = pd.to_numeric(frame[value_column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.fillna(0))
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(f"{path}: column {value_column!r} has {frame[value_column].iloc[row]!r} "
                        f"on data row {row + 1}; write it as a finite number.")
    times = frame[time_column]
    if not pd.api.types.is_numeric_dtype(times):
        times = pd.to_datetime(times, format="mixed", errors="coerce")
        if times.isna().any():
            raise DataError(f"{path}: cannot read the dates in column {time_column!r}; write "
                            "them as YYYY-MM-DD or YYYY-MM.")
    long = pd.DataFrame({"id": frame[id_column].astype(str), "time": times, "value": values})
    if long.duplicated(["id", "time"]).any():
        first = long[long.duplicated(["id", "time"])].iloc[0]
        raise DataError(f"{path}: series {first['id']!r} has two values at {first['time']}; "
                        "keep one row per series and time.")
    wide = long.pivot(index="time", columns="id", values="value").sort_index()
    ends = wide.apply(lambda c: c.last_valid_index())
    if same_end and ends.nunique() > 1:
        early = ends[ends != ends.max()].index[0]
        raise DataError(f"{path}: series {early!r} ends at {ends[early]}, others at "
                        f"{ends.max()}; a backtest needs every series to end at the same "
                        "time (a forecast without --backtest takes each from its own end).")
    gaps = wide.apply(lambda c: c.loc[c.first_valid_index():c.last_valid_index()].isna().any())
    if gaps.any():
        raise DataError(f"{path}: series {gaps.idxmax()!r} has gaps; fill them first.")
    lengths = wide.notna().sum()
    if lengths.min() < min_length:
        raise DataError(f"{path}: series {lengths.idxmin()!r} has {lengths.min()} values, but at "
                        f"least {min_length} are needed ({needed_for}).")
    if pd.api.types.is_datetime64_any_dtype(wide.index):
        wide.index = _regular_index(path, pd.Series(wide.index), time_column)
    wide.columns.name = None
    return wide
