"""Pipelines: notebooks chained into a DAG and run with papermill, every run recorded.

A pipeline is data; a runner runs it (the graph never imports the runner):
:mod:`.graph` (steps and wiring), :mod:`.steps` (NotebookStep, DummyStep), :mod:`.plan`
(validate a graph into a plan), :mod:`.runner` (run a plan), :mod:`.jobs` (what each step
gets), :mod:`.options`, :mod:`.results`, :mod:`.retention`, :mod:`.executors` (where a
notebook step runs), :mod:`.store` (the run store), :mod:`.describe` (read a notebook's DAG
without running a step), :mod:`.parameters` (the run form), :mod:`.api` (the notebook-facing
``Pipeline`` with ``run()``, above all of them), :mod:`.service` (pipelines and runs under a
Jupyter root), :mod:`.handlers` (REST), :mod:`.cli` (``naas-lab run|runs|pipelines``).

Importing this package imports none of them: a notebook that only defines a pipeline loads
neither SQLAlchemy nor papermill.
"""
