-- Retention (docs/record.md, docs/operations.md): an incident resolved longer ago than its
-- school's retention period is purged. What people wrote goes (the report, the messages'
-- text, the notes of the audit trail, the classifier's reasons, which quote the report; the
-- receipt hash that led a reporter back to it); the anonymous figures stay for analytics (the
-- incident's school, times, urgency, category, language, its messages' senders and times,
-- its steps' actions, outcomes and times).
--
-- A purged text is NULL with its key id (the bytes and the key that sealed them both go), so
-- the sealed columns may now be empty; `purged_at` says when it happened.

ALTER TABLE incidents
    ADD COLUMN purged_at timestamptz,
    ALTER COLUMN report DROP NOT NULL,
    ALTER COLUMN report_key_id DROP NOT NULL,
    ALTER COLUMN reasons DROP NOT NULL,
    ADD CONSTRAINT incidents_report_sealed_or_purged
        CHECK ((report IS NULL) = (report_key_id IS NULL)
               AND (report IS NOT NULL OR purged_at IS NOT NULL));

ALTER TABLE messages
    ALTER COLUMN body DROP NOT NULL,
    ALTER COLUMN key_id DROP NOT NULL,
    ADD CONSTRAINT messages_body_sealed_or_purged CHECK ((body IS NULL) = (key_id IS NULL));

-- What a purge looks for: resolved incidents not purged yet, oldest first (an incident is
-- resolved after it was created, so its creation bounds the search) ...
CREATE INDEX incidents_resolved_unpurged ON incidents (created_at, incident_id)
    WHERE status = 'resolved' AND purged_at IS NULL;
-- ... and when each was last resolved (the trail's last `resolve` step).
CREATE INDEX escalation_steps_resolve ON escalation_steps (incident_id, at)
    WHERE action = 'resolve';

-- The purges themselves, for whoever asks what was purged when: one row per school per
-- batch that removed something, in the batch's transaction; counts only, no incident id.
CREATE TABLE retention_purges (
    purged_at  timestamptz NOT NULL,
    org_code   text NOT NULL,
    incidents  integer NOT NULL CHECK (incidents > 0),
    messages   integer NOT NULL CHECK (messages >= 0),
    notes      integer NOT NULL CHECK (notes >= 0)
);
CREATE INDEX retention_purges_by_time ON retention_purges (purged_at);
