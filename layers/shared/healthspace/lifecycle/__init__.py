"""A space's whole life after it opens: closing it (closures), and, to come, its ten years of
archive, reopening, express deletion, purge at term and the export of everything it holds.

Builds on records (spaces, the access policy, the access log); others import its model and its
use cases. The space's status lives on the space item (records), which every access resolution
reads: closing flips it there, and the access policy (records.access), the professionals' door
(care.access) and the scheduled jobs (holds, notices) refuse or skip a closed space.
"""
