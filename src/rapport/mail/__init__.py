"""The email channel: an outbox (SMTP or .eml files) and mailbox import into interactions and tickets."""
