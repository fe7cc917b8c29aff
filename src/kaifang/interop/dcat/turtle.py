"""rdflib's Turtle, asking for prefixed names only in the namespaces the outputs bind.

rdflib looks every IRI up in its namespace manager, which files each new namespace (here, each
dataset's and each distribution's own address) in a trie whose insertion time grows with its
size: a page of 336 datasets took six seconds to write, most of it there. Our own addresses are
written in full anyway, so only the bound vocabularies are looked up.
"""

from __future__ import annotations

from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node, URIRef

from kaifang.interop.dcat.vocab import PREFIXES

_BOUND = (
    *(str(ns) for ns in PREFIXES.values()),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2001/XMLSchema#",
)


class BoundTurtleSerializer(TurtleSerializer):
    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        if not isinstance(uri, URIRef) or not str.startswith(uri, _BOUND):
            return None
        return super().get_pname(uri, gen_prefix=False)
