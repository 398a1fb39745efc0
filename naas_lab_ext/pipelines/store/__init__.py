"""The run store: every pipeline run and its steps, in any database SQLAlchemy speaks.

:mod:`.orm` holds the tables, :mod:`.repository` the :class:`RunStore` that reads and writes
them.
"""
