"""Adapters: the ports of healthspace.ports implemented on AWS (DynamoDB, S3, KMS)."""
