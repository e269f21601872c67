"""Spaces: opening one, who may act on it, its data key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.crypto import DataKeyCache, KeyService
from healthspace.kernel.errors import NotFound
from healthspace.kernel.identifiers import parse_ins
from healthspace.records.access import AccessPolicy, Caller
from healthspace.records.model import Holder, Role, Space, SpaceStatus
from healthspace.records.ports import SpaceStore


@dataclass(eq=False)
class Spaces:
    store: SpaceStore
    keys: KeyService
    clock: Clock
    ids: IdGenerator
    policy: AccessPolicy = field(init=False)
    data_keys: DataKeyCache = field(init=False)

    def __post_init__(self) -> None:
        self.policy = AccessPolicy(self.store)
        self.data_keys = DataKeyCache(self.keys)

    def open_space(
        self, ins: str, holder: Holder, representatives: Mapping[str, Role] | None = None
    ) -> Space:
        """Create an active space for `ins` and grant access to its holder and representatives
        (INS → role). Used by the demo data and tests; enrollment activates in one transaction."""
        ins = parse_ins(ins)
        space = self.new_space(ins, holder)
        self.store.create_space(space)
        for person_ins, role in {ins: Role.HOLDER, **(representatives or {})}.items():
            self.grant(parse_ins(person_ins), space.space_id, role)
        return space

    def new_space(self, ins: str, holder: Holder) -> Space:
        return Space(
            space_id=self.ids.new_id(),
            status=SpaceStatus.ACTIVE,
            holder=holder,
            created_at=self.clock.now(),
            holder_ins=ins,
        )

    def space_key(self, space: Space) -> bytes:
        """The space's data key (unwrapped, cached), created on first use."""
        if space.wrapped_key is None:
            _, wrapped = self.keys.generate_data_key(space.space_id)
            space = self.store.set_space_key(space, wrapped)
        assert space.wrapped_key is not None
        return self.data_keys.data_key(space.space_id, space.wrapped_key)

    def grant(self, ins: str, space_id: str, role: Role) -> None:
        self.store.put_grant(ins, space_id, role)
        self.policy.forget(ins)

    def me(self, caller: Caller) -> dict[str, Any]:
        person = self.policy.person(caller)
        spaces = {space.space_id: space for space in self.store.get_spaces(list(person.spaces))}

        def view(space_id: str) -> dict[str, Any]:
            return {**spaces[space_id].to_api(), "role": person.spaces[space_id].value}

        own = person.own_space_id
        return {
            "space": view(own) if own in spaces else None,
            "represented": [
                view(s) for s, role in person.spaces.items() if s in spaces and s != own
            ],
        }

    def space_of(self, ins: str) -> Space:
        """The active space of the person with this INS (partner systems and professionals name
        patients so). A closed space is answered as none: whoever names an INS learns nothing
        of a closure (the care rules tell it to professionals the patient had let in)."""
        space = self.any_space_of(ins)
        if space is None or space.status is not SpaceStatus.ACTIVE:
            raise NotFound("no active health space for this patient")
        return space

    def any_space_of(self, ins: str) -> Space | None:
        """The own space of the person with this INS, whatever its status; None if none."""
        person = self.store.get_person(parse_ins(ins))
        space_id = person.own_space_id if person else None
        return self.store.get_space(space_id) if space_id else None

    def holding(self, document_id: str) -> Space:
        """The space that holds this document, whatever its status (NotFound if none does)."""
        space_id = self.store.space_of_document(document_id)
        if space_id is None:
            raise NotFound("document not found")
        return self.get(space_id)

    def get(self, space_id: str) -> Space:
        """The space an access names, whatever its status."""
        space = self.store.get_space(space_id)
        if space is None:
            raise NotFound("health space not found")
        return space
