"""Answering a question: guardrails, retrieval, generation, citation checks, fallbacks."""
