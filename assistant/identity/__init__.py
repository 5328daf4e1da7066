"""Who is asking: accounts, roles and the access groups they hold."""
