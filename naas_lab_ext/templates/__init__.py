"""The template library: a read-only ``__templates__`` folder synchronised from sources,
searched through an SQLite FTS5 index, copied into Lab or into a product's models.

Modules: :mod:`.sources` (where templates come from), :mod:`.sync` (fill the folder
atomically), :mod:`.periodic` (the sync inside a server), :mod:`.metadata` (what a template
says about itself), :mod:`.index` (the FTS5 index), :mod:`.table` and :mod:`.search`
(ranked search), :mod:`.copies` (Open in Lab, Add to models), :mod:`.library` (the one object
the REST API and the CLI use), :mod:`.guard` (the folder is read-only through Jupyter),
``bundled/`` (the templates shipped with naas_lab_ext), :mod:`.handlers` (REST), :mod:`.cli`
(``naas-lab templates``).
"""
