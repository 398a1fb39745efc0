"""What every capability stands on: errors, safe paths, the clock, atomic files, env names.

Imports nothing from the rest of naas_lab_ext, and nothing of a server.
"""

from .errors import Conflict, Forbidden, InvalidInput, NaasError, NotFound

__all__ = ["Conflict", "Forbidden", "InvalidInput", "NaasError", "NotFound"]
