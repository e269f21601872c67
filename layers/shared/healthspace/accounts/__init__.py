"""People's accounts with the patients' login: opened when a space becomes active (for its
holder and its legal representatives), a password chosen with a one-time code sent on the
enrollment's channel (first sign-in, forgotten password). See docs/accounts.md.

Stands on enrollment (the person's contact, the attempts' lock) and records (who holds or
represents a space). Others import nothing of it."""
