"""The tiny encoders of the test suite, importable by the fixtures and by standalone scripts.

(``ddp_two_nodes.py`` runs under ``torchrun``, outside pytest, so it cannot take them from
``conftest.py``.)
"""

TINY_ENCODERS = {
    "short_term": {"channels": [8, 8], "dilation_base": 2, "warmup": 4},
    "long_term": {
        "channels": [8, 8],
        "dilation_base": 4,
        "warmup": 8,
        "bootstrap_max_offset": None,
    },
}
