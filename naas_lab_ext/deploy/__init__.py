"""Deploy a product: run its tests, freeze a production copy, prepare its environment, run its
setup.ipynb and replace its schedules by the declared set."""
