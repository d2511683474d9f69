"""Study protocols: the analysis choices of a study, read from TOML."""

from oncorwe.protocol.load import builtin_protocols, load_protocol, protocol_from_dict
from oncorwe.protocol.model import Protocol

__all__ = ["Protocol", "builtin_protocols", "load_protocol", "protocol_from_dict"]
