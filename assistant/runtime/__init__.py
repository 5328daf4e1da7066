"""The running system of one data dir: the managed servers, the stack that composes them
with the index, health and the document library."""
