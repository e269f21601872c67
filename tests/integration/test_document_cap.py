"""The documents' cap on DynamoDB (moto): the space's counter changes in the same transaction
as the document it counts, so racing writers never pass the cap; a deletion takes one off."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from healthspace.kernel.errors import LimitReached
from healthspace.records.model import Action, DocumentFilter, Limits, Role
from tests.unit.test_partner_push import DOCTOR, FACTS, PDF

CAP = 3


def test_concurrent_pushes_never_pass_the_cap_and_a_deletion_makes_room(person):
    from healthspace.wiring.records import medical_file

    lea = person("Léa")
    files = medical_file()
    filing = dataclasses.replace(files.filing, limits=Limits(max_documents=CAP))
    space = files.spaces.space_of(lea.ins)
    writers = CAP + 5
    start_together = Barrier(writers)

    def push(source: str) -> bool:
        try:
            return filing.push_document(space, DOCTOR, FACTS, PDF, "bilan.pdf", source)[1]
        except LimitReached:
            return False

    def push_together(n: int) -> bool:
        start_together.wait()
        return push(f"urn:lab|{n}")

    with ThreadPoolExecutor(max_workers=writers) as pool:
        filed = list(pool.map(push_together, range(writers)))

    assert filed.count(True) == CAP
    assert files.store.count_documents(space.space_id) == CAP
    assert not push("urn:lab|one-too-many")
    first = files.store.list_documents(space.space_id, DocumentFilter(), 10, None).items[0]
    audit = files.history.entry_of(
        space.space_id, DOCTOR, Role.PROFESSIONAL, Action.DELETE, "document", first.document_id
    )
    files.store.delete_document(first, None, audit)
    assert files.store.count_documents(space.space_id) == CAP - 1
    assert push("urn:lab|after-the-deletion")
