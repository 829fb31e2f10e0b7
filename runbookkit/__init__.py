"""runbookkit: executable operations runbooks."""

__version__ = "0.1.0"
