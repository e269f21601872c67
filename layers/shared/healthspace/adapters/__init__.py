"""Adapters: the contexts' ports implemented on AWS. `dynamodb` holds one module per context's
items over one table binding; s3, kms, ops, notify and system are the other services. Adapters
import contexts (their ports and models), never the API or the wiring."""
