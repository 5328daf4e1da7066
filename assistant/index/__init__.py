"""The searchable index: documents read, chunked, embedded, stored in Weaviate and searched."""
