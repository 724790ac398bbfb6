"""The directory of alumni associations: import, export and in-memory search."""
