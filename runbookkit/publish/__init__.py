"""Publish runbooks and their run history as a docs site.

:mod:`runbookkit.publish.plugin` is the MkDocs plugin (registered as ``runbookkit``); the other
modules are pure render functions that take the model and run records and return HTML or
Markdown, so they are tested without MkDocs.
"""
