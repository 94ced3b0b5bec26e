"""dir(groundset) lists the package's API, not the helpers its __init__ imports."""

from __future__ import annotations

import groundset


def test_dir_lists_the_public_names_only() -> None:
    listed = dir(groundset)
    assert set(groundset.__all__) <= set(listed) and {"cli", "experiments", "errors"} <= set(listed)
    assert not {"Any", "TYPE_CHECKING", "annotations", "importlib", "_LAZY", "_MODULE_OF"} & set(listed)
    assert "__version__" in listed and all(not name.startswith("_") or name.startswith("__") for name in listed)
