"""What a notebook gets of its data product: where it is (:mod:`.product`), its parameters
(:mod:`.params`) and its ``utils/`` code (:mod:`.utils_loader`). ``naas_data_product`` is the
facade notebooks import."""
