"""Knowledge Assistant: the RAG core (runtime, ingestion, retrieval, generation)."""

__version__ = "0.1.0"
