"""The system of record in PostgreSQL (docs/record.md): the schema's migrations, the pool,
the Record adapter. Redis stays the live path; this is what is kept for years."""
