"""Real recorded behavior, read at run time from packages that ship it (optional extras).

Nothing is copied into this repository and nothing is read on import. Install the data
packages with ``--no-deps`` (they pin old numpy versions; their files are read directly and
the packages are never imported):

- Drosophila larvae (:func:`load_larvae`): ``pip install --no-deps larvaworld==2.5.1`` (MIT);
- zebrafish larvae (:func:`load_zebrafish`): ``pip install --no-deps megabouts==0.1.2``
  (non-commercial research use only).
"""

from bams.datasets.larva_states import STATES, StateRules, derive_states
from bams.datasets.larvae import larvae_available, load_larvae, midline_features, read_track
from bams.datasets.zebrafish import load_zebrafish, zebrafish_available

__all__ = [
    "STATES",
    "StateRules",
    "derive_states",
    "larvae_available",
    "load_larvae",
    "load_zebrafish",
    "midline_features",
    "read_track",
    "zebrafish_available",
]
