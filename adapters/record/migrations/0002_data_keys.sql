-- The data keys that sealed the record (adapters/sealing.py, docs/operations.md): one row a
-- key id, with a known text sealed under it. At every start the server opens each check with
-- the keys it was given, so a missing or wrong key stops it with a clear message instead of
-- writing rows that no one can read, or failing on the first old row it reads.
CREATE TABLE data_keys (
    key_id      text PRIMARY KEY,
    "check"     bytea NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now()
);
