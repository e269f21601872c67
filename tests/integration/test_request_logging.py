"""What a request's log lines carry is its own: the keys one request appends (its space, the
caller's role, a professional's relationship) never label the next request of a warm instance."""

from healthspace.kernel.observability import logger


def test_a_request_does_not_inherit_the_previous_ones_log_keys(api, person):
    # Given a warm instance that served Alice: her space labels that request's lines
    alice = person("Alice")
    status, _, _ = api("GET", "/me/documents", alice)
    assert status == 200
    assert logger.get_current_keys().get("space_id") == alice.space_id
    # When the next request fails before naming any space (no identity)
    status, _, _ = api("GET", "/me/documents", alice, claims={})
    assert status == 401
    # Then its lines carry no space, no role: nothing of Alice's request
    keys = logger.get_current_keys()
    assert "space_id" not in keys and "role" not in keys, keys
