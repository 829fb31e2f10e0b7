"""runbookkit's version, in a module of its own that imports nothing: every stage may read it
without importing the package's public API (``runbookkit/__init__.py``) above them all."""

__version__ = "0.1.0"
