"""Enrollment codes' reading and digests (healthspace.enrollment.codes) at their edges."""

import pytest

from healthspace.enrollment.codes import code_digest, code_matches, normalize_code, pseudonym

PEPPER = b"test-pepper"
INS = "180017500000147"
CODE = "ABCD-EFGH-JKMN"


@pytest.mark.parametrize("value", [None, 123, b"ABCDEFGHJKMN"])
def test_what_is_not_text_is_not_a_code(value):
    assert normalize_code(value) is None


def test_a_code_is_read_from_up_to_forty_characters():
    """Spaces around and inside a typed code are dropped, within a bound on what is read."""
    assert normalize_code(CODE.center(40)) == "ABCDEFGHJKMN"
    assert normalize_code(CODE.center(41)) is None


def test_a_malformed_code_never_matches_and_costs_the_same_work():
    digest = code_digest(PEPPER, INS, CODE)
    assert code_matches(PEPPER, INS, CODE, digest)
    assert not code_matches(PEPPER, INS, "not a code", digest)
    assert not code_matches(PEPPER, INS, "not a code", None)


def test_a_pseudonym_is_32_hex_characters_stable_and_keyed():
    """It stands in for the INS in DynamoDB keys and logs."""
    assert pseudonym(PEPPER, INS) == pseudonym(PEPPER, INS)
    assert len(pseudonym(PEPPER, INS)) == 32
    assert int(pseudonym(PEPPER, INS), 16) >= 0
    assert pseudonym(b"other-pepper", INS) != pseudonym(PEPPER, INS)
