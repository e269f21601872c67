"""What every context's entities share: frozen, validating pydantic models that serialise to
storage (every field) and to the API (`to_api`, without the fields named in `private`), and the
one shape of a page of results."""

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from healthspace.kernel.errors import BadRequest

T = TypeVar("T")

# The most items one page of any list carries.
MAX_PAGE = 100


class Entity(BaseModel):
    # defer_build: a model's validator is built on its first use, not when its module loads, so
    # a function pays only for the entities it handles (most load many more than they touch).
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        ser_json_bytes="base64",
        val_json_bytes="base64",
        defer_build=True,
    )
    private: ClassVar[frozenset[str]] = frozenset()

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=set(self.private))


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(defer_build=True)

    items: list[T]
    next_cursor: str | None = None


def page_size(limit: int) -> int:
    """The caller's page size, refused outside 1..MAX_PAGE."""
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    return limit
