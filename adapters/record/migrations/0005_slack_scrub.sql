-- Retention reaches Slack (docs/slack.md "Retention", docs/operations.md "Retention"): the
-- agents' channel message of an emergency quotes the report and its timeline the step notes,
-- and the thread replies of noted steps quote the notes. When the record purges an incident,
-- its Slack copies are scrubbed too: the message is rewritten to the anonymous figures, the
-- noted thread replies are deleted.
--
-- `scrub` on the message: NULL (not purged), 'due' (purged: to be queued in the Slack
-- outbox), 'queued' (in the outbox, whose delivery worker sends it), 'done' (Slack answered;
-- `scrub_outcome` says what: 'scrubbed', or the error Slack gave, such as
-- 'message_not_found' or 'missing_scope', recorded once and not retried).
ALTER TABLE slack_messages
    ADD COLUMN scrub text CHECK (scrub IN ('due', 'queued', 'done')),
    ADD COLUMN scrub_outcome text,
    ADD COLUMN scrubbed_at timestamptz,
    ADD CONSTRAINT slack_messages_scrub_outcome CHECK ((scrub = 'done') = (scrub_outcome IS NOT NULL));
CREATE INDEX slack_messages_scrub_waiting ON slack_messages (incident_id)
    WHERE scrub IN ('due', 'queued');

-- Incidents purged before this migration kept their Slack copies: they are scrubbed now.
UPDATE slack_messages SET scrub = 'due'
WHERE incident_id IN (SELECT incident_id FROM incidents WHERE purged_at IS NOT NULL);

-- The thread replies that quote what people wrote (a step's note), as the delivery worker
-- posted them. No foreign key: the worker writes it as Slack answers, which may be before
-- the archive has written the incident (a few seconds behind).
CREATE TABLE slack_replies (
    incident_id text NOT NULL,
    channel     text NOT NULL,
    ts          text NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, ts)
);

-- The purge log counts the Slack messages a purge sent to be scrubbed (the message and its
-- noted replies).
ALTER TABLE retention_purges ADD COLUMN slack integer NOT NULL DEFAULT 0 CHECK (slack >= 0);

-- A school's own retention period (its config's `policy.retention_days`), stored with it so
-- that `tipline db purge` applies it without the server's config file (NULL: the
-- deployment's period; 0: for ever).
ALTER TABLE organisations
    ADD COLUMN retention_days integer CHECK (retention_days >= 0);
