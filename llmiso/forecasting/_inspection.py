"""What the head sees: its features after the isotropy step, and their isotropy.

A mixin of :class:`LLMForecaster`'s read-only questions about a fitted forecaster;
it reads ``regressor_``, ``n_embedding_features_`` and the training rows ``fit``
kept, and embeds new series the way ``fit`` did.
"""

import numpy as np

from .._pipeline import final_step
from ._windows import Panel


class HeadFeaturesMixin:
    """``head_features``, ``head_isotropy`` and ``member_quantiles`` for a fitted
    LLMForecaster."""

    def member_quantiles(self, fh=None, alpha=(0.1, 0.5, 0.9)):
        """Each member's quantiles before they are combined: what the weights weigh.

        Parameters
        ----------
        fh : ForecastingHorizon, int or list, default=None
            As for ``predict`` (None: the ``fh`` of ``fit``).
        alpha : list of float, default=(0.1, 0.5, 0.9)
            Quantile levels.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``"head"``, then each statistical model of ``combine`` (as named in
            ``combiner_.member_names_``), each framed as ``predict_quantiles``.
        """
        self.check_is_fitted()
        fh = self._check_fh(fh)
        levels = list(alpha)
        paths = self._quantiles(fh, levels, members=True)
        names = ["head"] if self.combiner_ is None else self.combiner_.member_names_
        return {name: self._quantile_frame(fh, levels, member)
                for name, member in zip(names, paths, strict=True)}

    def head_features(self, y):
        """The features the head sees for each window of ``y``, after the isotropy step.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame
            A series at least ``window_length_`` long (each column of a DataFrame
            is one series), or a panel (MultiIndex: series, time).

        Returns
        -------
        ndarray of shape (n_windows, n_features)
            The LLM's part is the first ``n_embedding_features_`` columns.
        """
        self.check_is_fitted()
        series = Panel.series_of(y)
        shortest = min(len(v) for v in series)
        if shortest < self.window_length_:
            raise ValueError(f"head_features needs series of at least a window, "
                             f"{self.window_length_} values; one has {shortest}. Pass "
                             "longer series.")
        return self._transformed(np.vstack([rows for rows, _ in self._encode(series)]))

    def _transformed(self, features):
        return final_step(self.regressor_, features)[0]

    def head_isotropy(self, y=None):
        """:func:`llmiso.metrics.isotropy_report` of the LLM's part of the head's features.

        Each measure beside the band isotropic data of the same size falls in.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame or None, default=None
            Series to embed (as :meth:`head_features`). None: the training windows
            (a seeded sample of up to 2,000 of them), kept by ``fit``, so nothing
            is embedded again.

        Returns
        -------
        pandas.DataFrame or None
            None without an LLM, or when every window's features are the same (a
            constant series): isotropy is undefined there.
        """
        import warnings

        from ..isotropy import isotropy_report

        self.check_is_fitted()
        features = self._transformed(self._isotropy_rows) if y is None else self.head_features(y)
        features = features[:, : self.n_embedding_features_]
        if not features.shape[1] or len(features) < 2 or not np.ptp(features, axis=0).any():
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # few windows: the null accounts for it
            return isotropy_report(features, random_state=0)
