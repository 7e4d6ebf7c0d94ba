"""The public datasets some benchmark tests read, and the reason they skip without them."""

import pytest

from bench.datasets import DATA_DIR_DEFAULT, data_dir

MISSING = f"{DATA_DIR_DEFAULT} not found: the public datasets are needed (they are never copied into the repository)"
needs_data = pytest.mark.skipif(data_dir() is None, reason=MISSING)
