"""The directory of professionals on AWS, as the records function reads it: its entries in the
health space table (searches, and the names of the professionals its answers list)."""

from __future__ import annotations

from healthspace.adapters.dynamodb.directory import DynamoDirectory
from healthspace.directory.lookup import Directory
from healthspace.wiring import root
from healthspace.wiring.records import table


@root
def directory() -> Directory:
    return Directory(DynamoDirectory(table()))
