"""Who sees what: the professions and their matrices (as data), the care record (settings and
care team), the rules that decide a professional's access, the patient's controls over them,
and professionals' access to a file (care.access). Builds on records; the records never import
it. Others import `access`, `record`, `matrices` and `rules`."""
