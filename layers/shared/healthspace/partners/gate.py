"""The partners' door: what a partner system's request goes through before and after the HTTP
layer reads it. Its signature is checked against the URL we publish (configuration, never the
Host header a caller chooses), and the documents it pushes are filed on behalf of their author,
named as sent by the partner."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import PreconditionFailed
from healthspace.partners.fhir import PartnerDocument
from healthspace.partners.keys import NonceStore, PartnerKeys
from healthspace.partners.signatures import VerifiedPartner, verify_request
from healthspace.records.filing import Filing
from healthspace.records.model import Author, Document
from healthspace.records.spaces import Spaces

# Reads that serve nobody's data, so are made for no professional: FHIR's capabilities.
IMPERSONAL_READS = frozenset({"/fhir/metadata"})
# FHIR's POST search ([type]/_search): a read, made for a professional, though a POST.
SEARCH_SUFFIX = "/_search"


@dataclass(eq=False)
class PartnerGate:
    keys: PartnerKeys
    nonces: NonceStore
    clock: Clock
    base_url: str  # as the settings give it: no trailing slash
    spaces: Spaces
    filing: Filing

    def url(self, path: str, pairs: Sequence[tuple[str, str]] = ()) -> str:
        """Our URL for `path` (as API Gateway gives it: decoded) in the canonical form partners
        sign: the path percent-encoded but for unreserved characters and "/", the query's names
        sorted, its values percent-encoded but for unreserved characters (so `|` is `%7C`)."""
        query = "&".join(
            f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in sorted(pairs)
        )
        return f"{self.base_url}{quote(path, safe='/')}" + (f"?{query}" if query else "")

    def verify(
        self,
        method: str,
        path: str,
        pairs: Sequence[tuple[str, str]],
        headers: Mapping[str, str | Sequence[str]] | None,
        body: bytes,
    ) -> VerifiedPartner:
        """The partner whose key signed this request, or SignatureRefused."""
        return verify_request(
            method,
            self.url(path, pairs),
            headers,
            body,
            keys=self.keys,
            nonces=self.nonces,
            clock=self.clock,
            for_professional=False
            if path in IMPERSONAL_READS
            else True
            if path.endswith(SEARCH_SUFFIX)
            else None,
        )

    def existing(
        self, partner: VerifiedPartner, pushed: PartnerDocument, criterion: tuple[str | None, str]
    ) -> Document | None:
        """FHIR's conditional create (If-None-Exist): the one document this partner sent this
        patient that the identifier criterion (system or None for any, value) matches, None if
        none does, MultipleMatches if several do. Only the partner's own documents are
        searched: a partner learns nothing of what others sent."""
        space = self.spaces.space_of(pushed.patient_ins)
        system, value = criterion
        found = self.filing.documents_known_as(space, _alias(partner.partner_id, system, value), 2)
        if len(found) > 1:
            raise MultipleMatches("If-None-Exist matches several documents: be more selective")
        return found[0] if found else None

    def file(self, partner: VerifiedPartner, pushed: PartnerDocument) -> tuple[Document, bool]:
        """File a pushed document (read with its author required) in its patient's space; sent
        again, the same document comes back (False)."""
        assert pushed.author_rpps is not None
        aliases = [
            _alias(partner.partner_id, one_system, value)
            for system, value in pushed.identifiers
            for one_system in (system, None)
        ]
        return self.filing.push_document(
            self.spaces.space_of(pushed.patient_ins),
            Author.professional(pushed.author_rpps, pushed.author_name),
            pushed.facts,
            pushed.content,
            pushed.filename,
            source=f"{partner.partner_id}|{pushed.identifier}",
            hold_for_announcement=pushed.hold_for_announcement,
            confidential_from_representatives=pushed.confidential,
            via=partner.partner_id,
            as_sent=pushed.as_sent,
            aliases=aliases,
        )


class MultipleMatches(PreconditionFailed, code="MULTIPLE_MATCHES"):
    """A conditional create whose criterion matches several documents (FHIR: 412)."""


def _alias(partner_id: str, system: str | None, value: str) -> str:
    """How a partner's identifier is found: with its system, or (None) with any."""
    return json.dumps(["identifier", partner_id, system, value])
