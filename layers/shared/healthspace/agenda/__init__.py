"""The agenda: a space's appointments (model.py, appointments.py), their calendar feed
(feed.py), the reminders before them and the prevention calendar from birth to old age.

It stands on records (spaces, the access policy, the access log), care (a professional's
booking, under the care rules) and directory (a professional named by RPPS). Others may import
`agenda.model` (the appointments' shape and their start index's slots) and the use cases."""
