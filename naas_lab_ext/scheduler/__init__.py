"""The scheduler: a product's pipelines run on cron schedules, from its active deployment.

Modules: :mod:`.cron` (cron expressions with croniter, in a timezone), :mod:`.spec` (a schedule
as setup.ipynb declares it).
"""
