"""Who sees what: the professions and their matrices (as data), the care record (settings and
care team), the rules that decide a professional's access, the patient's controls over them,
professionals' access to a file (care.access), and Pro Santé Connect's claims as a professional
(care.pro_sante_connect). Builds on records; the records never import it. Others import
`access`, `record`, `matrices`, `rules` and `pro_sante_connect`."""
