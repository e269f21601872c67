"""Automatic enrollment: everyone gets a space unless they oppose with the code they were sent
(six weeks). Codes, population files and their import, waves and their timer, the messages and
receipts, the helpline's assisted decisions (docs/enrollment.md). Builds on records (a new
space); others import `enrollments`, `model`, `ports` and `messages`."""
