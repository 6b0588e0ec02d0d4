-- The system of record (docs/record.md): schools, responders, incidents, their messages, the
-- audit trail of escalation steps, and the Slack messages that carried them.
--
-- What people wrote (the report, chat messages, step notes) lives in `bytea` columns next to
-- a `key_id` naming the key that sealed it: encryption comes in a later step, until then the
-- bytes are the UTF-8 text and `key_id` is 'plain' (adapters/record/store.py). Anonymous
-- figures (school, category, urgency, times) are plain columns, for analytics.
--
-- Writes are idempotent: every table has the natural key the live path already gives
-- (incident id; incident id and seq; incident id and step index), and the adapter writes
-- with ON CONFLICT, so the archive stream can deliver the same batch twice.

CREATE TABLE organisations (
    code            text PRIMARY KEY,
    name            text NOT NULL,
    timezone        text NOT NULL,
    languages       text[] NOT NULL DEFAULT '{en}',
    -- {"mon": "07:30-15:30", ...} in the school's local time; a missing day is closed.
    hours           jsonb NOT NULL DEFAULT '{}',
    holidays        date[] NOT NULL DEFAULT '{}',
    -- The escalation list in calling order: [{"name", "role", "phone"}, ...].
    contacts        jsonb NOT NULL,
    law_enforcement jsonb NOT NULL,
    -- {"claim_timeout_s", "contact_timeout_s", "repage_interval_s"}.
    policy          jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE responders (
    responder_id  text PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('agent', 'admin')),
    org_code      text REFERENCES organisations (code),
    slack_user_id text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'admin') = (org_code IS NOT NULL))
);

CREATE TABLE incidents (
    incident_id      text PRIMARY KEY,
    org_code         text NOT NULL REFERENCES organisations (code),
    channel          text NOT NULL CHECK (channel IN ('web', 'phone')),
    created_at       timestamptz NOT NULL,
    -- The classifier's verdict when the report came in ...
    initial_urgency  text NOT NULL CHECK (initial_urgency IN ('emergency', 'urgent', 'routine')),
    initial_category text NOT NULL,
    language         text NOT NULL,
    confidence       double precision NOT NULL,
    reasons          text[] NOT NULL DEFAULT '{}',
    -- ... and where the incident stands now.
    urgency          text NOT NULL CHECK (urgency IN ('emergency', 'urgent', 'routine')),
    category         text NOT NULL,
    status           text NOT NULL CHECK (status IN ('open', 'resolved')),
    state            text NOT NULL,
    claimed_by       text,
    contact_index    integer NOT NULL DEFAULT 0,
    -- The live store's compare-and-set version: an older snapshot never overwrites a newer.
    version          integer NOT NULL,
    -- The escalation policy copied onto the incident when it started (models.Policy).
    policy           jsonb,
    org_name         text NOT NULL DEFAULT '',
    org_timezone     text NOT NULL DEFAULT '',
    -- SHA-256 of the reporter's receipt (the live store keeps only this hash too).
    receipt_hash     text UNIQUE,
    report_key_id    text NOT NULL,
    report           bytea NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX incidents_by_org_time ON incidents (org_code, created_at);
CREATE INDEX incidents_by_time ON incidents (created_at);

CREATE TABLE messages (
    incident_id text NOT NULL REFERENCES incidents (incident_id) ON DELETE CASCADE,
    seq         integer NOT NULL CHECK (seq > 0),
    sender      text NOT NULL CHECK (sender IN ('reporter', 'responder', 'system')),
    at          timestamptz NOT NULL,
    -- The responder who wrote a responder message (staff, not the reporter).
    author_id   text,
    author_name text,
    key_id      text NOT NULL,
    body        bytea NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

-- The audit trail: one row per step, in order; never updated once written.
CREATE TABLE escalation_steps (
    incident_id  text NOT NULL REFERENCES incidents (incident_id) ON DELETE CASCADE,
    step_index   integer NOT NULL CHECK (step_index >= 0),
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    -- The school contact called at this step ({"name", "role", "phone"}), if any.
    contact      jsonb,
    outcome      text,
    urgency      text CHECK (urgency IN ('emergency', 'urgent', 'routine')),
    note_key_id  text,
    note         bytea,
    PRIMARY KEY (incident_id, step_index),
    CHECK ((note IS NULL) = (note_key_id IS NULL))
);

CREATE INDEX escalation_steps_by_action_time ON escalation_steps (action, at);

-- The Slack message that carries an emergency, and its thread, once posted.
CREATE TABLE slack_messages (
    incident_id text PRIMARY KEY REFERENCES incidents (incident_id) ON DELETE CASCADE,
    channel     text NOT NULL,
    ts          text NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now()
);

-- Outcomes, for analytics: a view over the audit trail rather than a second copy of it, so
-- the two can never disagree. A contact's outcome is a `contact_outcome` step; an incident's
-- is a `resolve` step (several when it was reopened; the last one stands).
CREATE VIEW outcomes AS
SELECT s.incident_id,
       s.step_index,
       s.at,
       s.actor,
       CASE s.action WHEN 'resolve' THEN 'incident' ELSE 'contact' END AS kind,
       s.outcome,
       s.contact,
       i.org_code,
       i.category,
       i.initial_urgency,
       i.created_at AS incident_created_at
FROM escalation_steps s
JOIN incidents i USING (incident_id)
WHERE s.action IN ('resolve', 'contact_outcome') AND s.outcome IS NOT NULL;
