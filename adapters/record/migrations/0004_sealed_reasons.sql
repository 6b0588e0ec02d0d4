-- The classifier's reasons quote the words of the report that fired a rule (`weapon: "a
-- gun"`), so they are sealed like the report itself (docs/record.md, "Encryption at rest"):
-- `reasons` becomes the JSON list as bytes beside `reasons_key_id`, the key that sealed it.
--
-- SQL cannot seal (the data key never reaches the database), so the rows already there keep
-- their reasons as plain UTF-8 JSON under the key id 'plain', which the adapter opens as they
-- are, exactly as the report, messages and notes were before encryption; `tipline db
-- reseal` seals them under the current key (docs/operations.md: run it after this upgrade).
ALTER TABLE incidents ALTER COLUMN reasons DROP DEFAULT;
ALTER TABLE incidents
    ALTER COLUMN reasons TYPE bytea USING convert_to(to_jsonb(reasons)::text, 'UTF8');
ALTER TABLE incidents ADD COLUMN reasons_key_id text NOT NULL DEFAULT 'plain';
ALTER TABLE incidents ALTER COLUMN reasons_key_id DROP DEFAULT;
