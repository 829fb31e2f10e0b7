"""Tools for developing runbookkit (screenshots of the docs site); not used at run time."""
