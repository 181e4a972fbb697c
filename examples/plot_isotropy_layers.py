"""
The isotropy of every layer, each measure beside its isotropic null
===================================================================

How isotropic are a language model's states, layer by layer, for windows of a
series written as text? :func:`~llmiso.isotropy_profile` embeds the windows once,
reading every layer's state from one forward pass, and computes each isotropy
measure on each layer. A raw measure depends on how many rows and dimensions it is
computed on, so each is also shown *adjusted* to what isotropic Gaussian data of
the same size scores: 1 (the IsoScores, the effective dimension) or 0 (the cosines,
the top component's share) means isotropic, whatever the size.
"""

# %%
# Windows of the airline series, every layer
# ------------------------------------------
import os
import warnings

import pandas as pd
from sktime.datasets import load_airline

from llmiso import LLMEmbedder, isotropy_profile, plot_isotropy_profile
from llmiso.forecasting import sliding_windows

MODEL = os.environ.get("LLMISO_EXAMPLE_MODEL", "smollm2-135m")

windows = sliding_windows(load_airline(), 24)[::2]  # every other window, for time
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # fewer windows than dimensions
    profile = isotropy_profile(LLMEmbedder(MODEL), windows)
print(f"{len(windows)} windows; the adjusted measures per layer:")
print(profile[["isoscore", "uncentered_isoscore", "cluster_cosine",
               "average_cosine"]].round(3).to_string())

# %%
# The null each measure is compared with
# --------------------------------------
# The raw value isotropic data of this size scores, and the band of the adjusted
# value over draws of such data: a layer inside the band is as isotropic as noise.
null = pd.DataFrame(profile.attrs["isotropic"],
                    index=["raw, isotropic data", "adjusted: band low", "adjusted: band high"])
print(null.T.round(3).to_string())

# %%
# The profile
# -----------
# The uncentered measures see the common direction every state shares (the reason
# the head's features are centered); the centered ones see what is left.
fig = plot_isotropy_profile(profile, title=f"{MODEL}, airline windows: isotropy per layer")
