"""The directory of professionals, for patients choosing a treating doctor, letting someone in
or blocking them: search by name and place, and one professional by RPPS.

Public data (the national directory is open data), read behind the patient's authorizer: the
caller must be a patient, but acts on no space (X-Space-Id is not read). Names are never
logged: a search's terms stay out of the logs, and so does the RPPS looked up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from healthspace.api.common import caller, use
from healthspace.api.openapi import documented
from healthspace.api.shapes import Cursor, page_body
from healthspace.directory.lookup import MAX_SEARCH_PAGE, Directory
from healthspace.directory.model import MAX_NAME, DirectoryQuery

router = APIGatewayRouter()
TAGS = ["Directory of professionals"]


def names(router: APIGatewayRouter, rpps: Iterable[str | None]) -> dict[str, dict[str, Any]]:
    """How an answer names the professionals it knows by RPPS, read in one batch: by RPPS,
    `{rpps, display_name, profession, profession_code, specialty, in_directory}`."""
    wanted = {number for number in rpps if number}
    found = use(router, Directory).names(wanted)
    return {number: name.to_api() for number, name in found.items()}


class NameBody(BaseModel):
    """A professional named by the directory, or by their RPPS alone if it has none."""

    rpps: str
    display_name: str = Field(description="'Dr Sophie LECLERC'; 'RPPS <number>' if unknown")
    profession: str | None = Field(description="the profession's label, if in the directory")
    profession_code: str | None = Field(
        description="its RPPS code (10 médecin, 21 pharmacien…), to name it in another language"
    )
    specialty: str | None
    in_directory: bool


class PlaceBody(BaseModel):
    town: str
    postcode: str | None


class ProfessionalBody(BaseModel):
    """A professional of the directory."""

    rpps: str = Field(description="RPPS number: 11 digits")
    title: str | None = Field(description="Dr, Pr, or none")
    given_name: str
    family_name: str
    display_name: str = Field(description="title, given name and family name, to show")
    profession_code: str = Field(description="RPPS profession code (10 médecin, 21 pharmacien…)")
    profession: str = Field(description="the profession's label")
    specialty: str | None = Field(description="the specialty (savoir-faire), if any")
    places: list[PlaceBody] = Field(description="where they practise")


class ProfessionalPage(BaseModel):
    items: list[ProfessionalBody]
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last")


@router.get(
    "/directory/professionals",
    tags=TAGS,
    summary="Search professionals by family name, in a town, a postcode or a department",
    **documented(body=ProfessionalPage),
)
def search_professionals(
    name: Annotated[
        str,
        Query(
            min_length=2,
            max_length=MAX_NAME,
            description="the family name's first letters (2 at least); case and accents aside",
        ),
    ],
    given_name: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_NAME,
            description="the given name's first letters; then `name` is the whole family name",
        ),
    ] = None,
    town: Annotated[
        str | None, Query(min_length=1, max_length=MAX_NAME, description="a town's name")
    ] = None,
    postcode: Annotated[
        str | None, Query(pattern=r"^[0-9]{5}$", description="a postcode: 5 digits")
    ] = None,
    department: Annotated[
        str | None,
        Query(
            pattern=r"^([0-9]{2}|2[ABab]|97[1-6])$",
            description="a department: 2 digits, 2A, 2B or 971 to 976",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_SEARCH_PAGE, description=f"1 to {MAX_SEARCH_PAGE}")
    ] = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    caller(router)  # a patient's token; the search reads no space
    query = DirectoryQuery(name, given_name, town, postcode, department)
    return page_body(use(router, Directory).search(query, limit, cursor))


RppsPath = Annotated[
    str, Path(pattern=r"^[0-9]{11}$", description="RPPS number: 11 digits, Luhn-checked")
]


@router.get(
    "/directory/professionals/<rpps>",
    tags=TAGS,
    summary="One professional of the directory, by RPPS",
    **documented(200, 404, body=ProfessionalBody),
)
def get_professional(rpps: RppsPath) -> dict[str, Any]:
    caller(router)
    return use(router, Directory).professional(rpps).to_api()
