"""The SQLite store: schema, migrations and the services that load, decide and save."""
