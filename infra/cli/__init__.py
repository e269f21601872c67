"""The operators' command line, `healthspace` (infra/bin/healthspace, or `python -m infra.cli`).

Modules: __main__ (the parser, `--local URL`, the entry point), files (`import FILE`: an
insured-persons file; `migrate FILE`: a former system's file), waves (`waves`, `wave ID`: the
notification waves' figures), partner_keys (`partner-keys ...`: partners' signing keys),
directory (`directory import FILE`: the national directory's extract). Each command module adds
its subcommands to the parser and imports the domain (healthspace.*) only when its command runs.
"""
