"""`python -m assistant`: the command line."""
