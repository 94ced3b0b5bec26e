"""``python -m groundset``: the ``groundset`` CLI."""

from groundset.cli import main

main()
