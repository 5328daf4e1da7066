"""The SQL store: engine, schema migrations and the audit log."""
