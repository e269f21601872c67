"""The health space table (single-table design, docs/architecture.md): `table` binds it and
stores the medical file's items; the other modules store one context's items each, over the
same binding (DynamoStore)."""
