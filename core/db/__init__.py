"""Storage: SQLAlchemy 2 mapped classes, engines, units of work and migrations."""
