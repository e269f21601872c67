"""The directory of health professionals: who an RPPS number is (civility, names, profession,
specialty, practice places), copied from the national open-data directory (ANS "Annuaire
Santé") by an operators' import, searched by patients by name and place, and used to name the
professionals that the care record and the access history only know by RPPS.

Public data, not health data: it stands on the kernel alone, beside the records. Others import
`model` and `lookup` (the use cases); the import (`importer`, `ans_file`) is the operators'."""
