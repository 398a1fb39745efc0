"""Deploy a product: run its tests, freeze a production copy, prepare its environment, run its
setup.ipynb and replace its schedules by the declared set.

Modules: :mod:`.declarations` (what setup.ipynb calls; light, imported by
``naas_data_product``), :mod:`.records` (a deployment and its steps), :mod:`.store` (the
deployments tables and the one-deploy-per-product lock), the steps :mod:`.product_tests`,
:mod:`.production_copy`, :mod:`.environment` and :mod:`.setup_notebook`, the helpers
:mod:`.commands` and :mod:`.notebooks` (run within a time limit, stoppable), :mod:`.service`
(:class:`~.service.DeployService`), :mod:`.handlers` (REST) and :mod:`.cli`.
"""
