"""``python -m runbookkit``."""

from runbookkit.cli import main

main()
