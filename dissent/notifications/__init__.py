"""E-mail notices. They never carry message content: only that something changed, and a
link to sign in and see it."""
