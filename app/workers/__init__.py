"""Background work: the outbox dispatcher in its own process."""
