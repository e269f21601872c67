"""Documents' encryption (healthspace.kernel.crypto): AES-256-GCM under the space's data key,
bound to the space and the document by the associated data; the data keys KMS wraps per space."""

import pytest

from healthspace.kernel.crypto import (
    DataKeyCache,
    DecryptionFailed,
    decrypt_document,
    encrypt_document,
)
from tests.fakes import FakeKeys, WrongEncryptionContext

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
TEXT = b"%PDF-1.4 compte rendu"


def test_a_document_comes_back_as_it_was_sealed():
    assert (
        decrypt_document(KEY, "space-1", "doc-1", encrypt_document(KEY, "space-1", "doc-1", TEXT))
        == TEXT
    )


def test_every_sealing_takes_a_new_nonce():
    """GCM under one key must never reuse a nonce: the same bytes sealed twice differ."""
    blobs = [encrypt_document(KEY, "space-1", "doc-1", TEXT) for _ in range(50)]
    nonces = {blob[1:13] for blob in blobs}
    assert len(nonces) == 50
    assert len(set(blobs)) == 50


@pytest.mark.parametrize(
    ("key", "space_id", "document_id"),
    [
        (KEY, "space-1", "doc-2"),  # another document's id: a blob cannot be swapped
        (KEY, "space-2", "doc-1"),  # another space's id
        (OTHER_KEY, "space-1", "doc-1"),  # another space's key
    ],
)
def test_a_blob_opens_only_for_its_own_document_space_and_key(key, space_id, document_id):
    blob = encrypt_document(KEY, "space-1", "doc-1", TEXT)
    with pytest.raises(DecryptionFailed):
        decrypt_document(key, space_id, document_id, blob)


def test_an_altered_blob_is_refused():
    blob = bytearray(encrypt_document(KEY, "space-1", "doc-1", TEXT))
    blob[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        decrypt_document(KEY, "space-1", "doc-1", bytes(blob))


def test_a_data_key_is_unwrapped_only_for_its_own_space():
    keys = FakeKeys()
    plaintext, wrapped = keys.generate_data_key("space-1")
    assert DataKeyCache(keys).data_key("space-1", wrapped) == plaintext
    with pytest.raises(WrongEncryptionContext):
        DataKeyCache(keys).data_key("space-2", wrapped)


def test_each_space_gets_its_own_key_from_one_cache():
    keys = FakeKeys()
    cache = DataKeyCache(keys)
    first, wrapped_first = keys.generate_data_key("space-1")
    second, wrapped_second = keys.generate_data_key("space-2")
    assert cache.data_key("space-1", wrapped_first) == first
    assert cache.data_key("space-2", wrapped_second) == second
    assert cache.data_key("space-1", wrapped_first) == first
    assert keys.unwraps == 2  # the third read came from the cache


def test_a_cached_key_is_unwrapped_again_after_five_minutes():
    """A purged space's key does not linger in a warm function."""
    now = [0.0]
    keys = FakeKeys()
    cache = DataKeyCache(keys, timer=lambda: now[0])
    _, wrapped = keys.generate_data_key("space-1")
    cache.data_key("space-1", wrapped)
    now[0] = 299.9
    cache.data_key("space-1", wrapped)
    assert keys.unwraps == 1
    now[0] = 300.0
    cache.data_key("space-1", wrapped)
    assert keys.unwraps == 2


def test_a_blob_of_another_format_is_refused():
    blob = encrypt_document(KEY, "space-1", "doc-1", TEXT)
    with pytest.raises(DecryptionFailed):
        decrypt_document(KEY, "space-1", "doc-1", b"\x02" + blob[1:])
