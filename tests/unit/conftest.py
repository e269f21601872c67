from datetime import date

import pytest

from healthspace.kernel.identifiers import make_ins
from healthspace.records.access import Caller
from healthspace.records.model import Holder, Limits, Role
from healthspace.wiring.compose import compose_medical_file
from tests.fakes import FakeBlobs, FakeClock, FakeKeys, FakeStore, SequentialIds

ALICE_INS = make_ins("2850675123456")
BOB_INS = make_ins("1790113045001")
CHILD_INS = make_ins("2150699000123")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    return FakeStore()


@pytest.fixture
def blobs():
    return FakeBlobs()


@pytest.fixture
def keys():
    return FakeKeys()


@pytest.fixture
def medical_file(store, blobs, keys, clock):
    return compose_medical_file(
        store, blobs, keys, clock, SequentialIds(), Limits(max_upload_bytes=1000)
    )


@pytest.fixture
def alice():
    return Caller(subject="sub-alice", ins=ALICE_INS, display_name="Alice Martin")


@pytest.fixture
def bob():
    return Caller(subject="sub-bob", ins=BOB_INS, display_name="Bob Durand")


@pytest.fixture
def spaces(medical_file):
    """Alice has a space and represents her child; Bob has his own space."""
    alice_space = medical_file.spaces.open_space(
        ALICE_INS, Holder(given_name="Alice", family_name="Martin", birth_date=date(1985, 6, 1))
    )
    child_space = medical_file.spaces.open_space(
        CHILD_INS,
        Holder(given_name="Léa", family_name="Martin", birth_date=date(2015, 6, 1)),
        {ALICE_INS: Role.LEGAL_REPRESENTATIVE},
    )
    bob_space = medical_file.spaces.open_space(
        BOB_INS, Holder(given_name="Bob", family_name="Durand", birth_date=date(1979, 1, 1))
    )
    return {"alice": alice_space, "child": child_space, "bob": bob_space}
