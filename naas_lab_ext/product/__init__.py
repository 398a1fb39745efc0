"""The domain of naas_lab_ext: importable without a server, shared by REST, CLI and notebooks."""

from .errors import Conflict, Forbidden, InvalidInput, NaasError, NotFound

__all__ = ["Conflict", "Forbidden", "InvalidInput", "NaasError", "NotFound"]
