"""The kernel: what every room shares and nothing more. The error hierarchy (status and code),
identifiers (INS, RPPS), typed settings (every environment variable), the clock and id ports,
document encryption, entities and pages, calendar rules, logging. It imports nothing of ours;
every module here is public."""
