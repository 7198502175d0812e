"""A Django database backend: PostgreSQL with IAM tokens, the master secret and retries."""
