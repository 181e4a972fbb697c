"""Synthetic series to pretrain a head on: KernelSynth and the shapes real series take.

Chronos pretrained on public series plus KernelSynth (draws from Gaussian-process
priors whose kernels are random compositions of a small bank). Here the same, plus
trends, seasonalities of several periods, level shifts, intermittent demand and
TSMixup mixtures (convex combinations of scaled series). Every series comes with
its season length, which the seasonal-naive anchor reads. Seeded, numpy only.
"""

import numpy as np

# Season lengths the corpus covers: none, quarterly, weekly (daily data), monthly,
# hourly (daily season), yearly (weekly data).
PERIODS = (1, 4, 7, 12, 24, 52)
KINDS = ("kernelsynth", "trend_season", "level_shifts", "intermittent", "mixup")


def synthetic_series(n_series, *, length=(48, 240), periods=PERIODS, random_state=0):
    """``n_series`` seeded series as ``[(values, period)]``, a fifth of each kind.

    Parameters
    ----------
    n_series : int
    length : (int, int), default=(48, 240)
        Range of the series' lengths (uniform).
    periods : tuple of int, default=PERIODS
        Season lengths to draw from.
    random_state : int, default=0

    Returns
    -------
    list of (ndarray, int)

    Examples
    --------
    >>> from llmiso.forecasting import synthetic_series
    >>> corpus = synthetic_series(10, random_state=0)
    >>> len(corpus), all(48 <= len(values) <= 240 for values, _ in corpus)
    (10, True)
    """
    rng = np.random.default_rng(random_state)
    makers = {"kernelsynth": _kernelsynth, "trend_season": _trend_season,
              "level_shifts": _level_shifts, "intermittent": _intermittent}
    out = []
    for k in range(n_series):
        kind = KINDS[k % len(KINDS)]
        n = int(rng.integers(length[0], length[1] + 1))
        period = int(rng.choice(periods))
        if kind == "mixup":
            parts = [makers[KINDS[int(rng.integers(0, 4))]](rng, n, period) for _ in range(
                int(rng.integers(2, 4)))]
            weights = rng.dirichlet(np.ones(len(parts)))
            values = sum(w * p / max(np.mean(np.abs(p)), 1e-9)
                         for w, p in zip(weights, parts, strict=True))
        else:
            values = makers[kind](rng, n, period)
        out.append((np.asarray(values, dtype=float), period))
    return out


def _kernelsynth(rng, n, period):
    """A draw from a GP prior whose kernel composes 1-3 kernels of the bank (+ or *)."""
    t = np.arange(n, dtype=float)

    def kernel():
        kind = int(rng.integers(0, 5))
        d = t[:, None] - t[None, :]
        if kind == 0:  # smooth (RBF)
            scale = rng.uniform(0.02, 0.5) * n
            return np.exp(-0.5 * (d / scale) ** 2)
        if kind == 1:  # periodic with the series' season (or a random one)
            p = period if period > 1 else int(rng.integers(3, 30))
            return np.exp(-2 * np.sin(np.pi * d / p) ** 2 / rng.uniform(0.5, 2) ** 2)
        if kind == 2:  # rational quadratic
            scale, alpha = rng.uniform(0.02, 0.5) * n, rng.uniform(0.5, 10)
            return (1 + d**2 / (2 * alpha * scale**2)) ** (-alpha)
        if kind == 3:  # linear (a trend)
            return rng.uniform(0, 1) + np.outer(t, t) / n**2
        return rng.uniform(0.01, 0.3) * np.eye(n)  # white noise

    cov = kernel()
    for _ in range(int(rng.integers(0, 3))):
        cov = cov + kernel() if rng.random() < 0.5 else cov * kernel()
    cov = cov + 1e-6 * np.eye(n)
    draw = np.linalg.cholesky(cov) @ rng.standard_normal(n)
    return 10 + draw * rng.uniform(0.5, 3)


def _trend_season(rng, n, period):
    t = np.arange(n, dtype=float)
    level = rng.uniform(10, 1000)
    trend = rng.normal(0, 0.01) * t
    season = 0.0
    if period > 1:
        season = rng.uniform(0, 0.4) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        season += rng.uniform(0, 0.15) * np.sin(4 * np.pi * t / period + rng.uniform(0, 6))
    noise = rng.normal(0, rng.uniform(0.01, 0.15), n)
    if rng.random() < 0.5:  # multiplicative
        return level * (1 + trend) * (1 + season) * (1 + noise)
    return level * (1 + trend + season + noise)


def _level_shifts(rng, n, period):
    base = _trend_season(rng, n, period)
    shifts = np.zeros(n)
    for point in rng.integers(n // 5, n, int(rng.integers(1, 4))):
        shifts[point:] += rng.normal(0, 0.3) * np.mean(np.abs(base))
    return base + shifts


def _intermittent(rng, n, period):
    rate = rng.uniform(0.1, 0.6)
    if period > 1:  # demand that comes with the season
        t = np.arange(n)
        rate = np.clip(rate * (1 + 0.8 * np.sin(2 * np.pi * t / period)), 0.02, 0.95)
    sizes = rng.lognormal(rng.uniform(0, 3), rng.uniform(0.2, 1.0), n)
    return np.where(rng.random(n) < rate, np.round(sizes), 0.0)
