"""Access groups: the names a reader holds and a document requires; every reader holds
``everyone``, and a document that names no group requires only that one."""

EVERYONE = "everyone"
