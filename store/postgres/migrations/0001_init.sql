-- 0001_init: the tables of store.Store.
--
-- Every row but an OAuth state hangs off an integration with ON DELETE
-- CASCADE, so that deleting an integration removes everything stored for
-- it. Rows that carry a tenant_id besides an integration_id reference the
-- pair (tenant_id, id), so that the database itself refuses a row whose
-- tenant differs from its integration's.
--
-- Ids are UUIDv7 made by store.NewID: time-ordered, so listings page by id.

CREATE TABLE integrations (
    id                          uuid        PRIMARY KEY,
    tenant_id                   text        NOT NULL,
    provider                    text        NOT NULL,
    name                        text        NOT NULL,
    config                      jsonb,
    status                      text        NOT NULL CHECK (status IN ('active', 'disabled', 'needs_reauth', 'error')),
    last_error                  text        NOT NULL DEFAULT '',
    health_status               text        NOT NULL,
    health_checked_at           timestamptz,
    health_latency_ns           bigint      NOT NULL DEFAULT 0,
    health_error                text        NOT NULL DEFAULT '',
    health_consecutive_failures integer     NOT NULL DEFAULT 0,
    last_sync_at                timestamptz,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    -- The target of the (tenant_id, integration_id) foreign keys, and the
    -- index of a tenant's listing in id order.
    CONSTRAINT integrations_tenant_id_id_key UNIQUE (tenant_id, id)
);

-- Credentials live apart from the integration, sealed by a
-- secrets.Keyring with the additional data "integration-credentials:" + id,
-- so that a ciphertext copied to another integration does not open.
CREATE TABLE integration_credentials (
    integration_id uuid        PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    key_id         text        NOT NULL,
    ciphertext     bytea       NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- One row per integration, created with it. version fences off a stale
-- syncer: CommitSync bumps it only from the version the caller read.
CREATE TABLE sync_states (
    integration_id uuid        PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    cursor         text        NOT NULL DEFAULT '',
    version        bigint      NOT NULL DEFAULT 0,
    updated_at     timestamptz
);

-- Messages: the mutable state (thread, flags, labels, folders, deleted_at),
-- the searchable fields and the bodies as columns, the rest of
-- connector.Message as jsonb. The tenant is the integration's.
CREATE TABLE messages (
    integration_id uuid        NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    id             uuid        NOT NULL,
    provider_id    text        NOT NULL,
    thread_id      text        NOT NULL DEFAULT '',
    message_id     text        NOT NULL DEFAULT '',
    subject        text        NOT NULL DEFAULT '',
    from_email     text        NOT NULL DEFAULT '',
    sent_at        timestamptz,
    received_at    timestamptz,
    flags          text[]      NOT NULL DEFAULT '{}',
    labels         text[]      NOT NULL DEFAULT '{}',
    folders        text[]      NOT NULL DEFAULT '{}',
    body_text      text        NOT NULL DEFAULT '',
    body_html      text        NOT NULL DEFAULT '',
    data           jsonb       NOT NULL,
    deleted_at     timestamptz,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    -- GetMessage, and ListMessages with deleted messages, in id order.
    PRIMARY KEY (integration_id, id),
    -- The sync key: which messages a batch already has, and GetMessageByProviderID.
    CONSTRAINT messages_integration_id_provider_id_key UNIQUE (integration_id, provider_id)
);

-- ListMessages without deleted messages, and CountMessages (index-only).
CREATE INDEX messages_live_idx ON messages (integration_id, id) WHERE deleted_at IS NULL;

-- Bodies are most of what a sync writes: lz4 compresses them several
-- times faster than the default pglz. A server without lz4 (built
-- without it, or older than PostgreSQL 14) keeps its default.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE messages
        ALTER COLUMN body_text SET COMPRESSION lz4,
        ALTER COLUMN body_html SET COMPRESSION lz4,
        ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'messages: lz4 compression is not available, keeping the default';
END
$$;

CREATE TABLE outbox (
    id              uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    integration_id  uuid        NOT NULL,
    idempotency_key text        NOT NULL,
    request_hash    text        NOT NULL,
    message         jsonb       NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    result          jsonb,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT outbox_tenant_id_idempotency_key_key UNIQUE (tenant_id, idempotency_key)
);

-- The cascade from integrations.
CREATE INDEX outbox_integration_id_idx ON outbox (integration_id);

-- Events are listed and claimed in the order they were stored (seq),
-- since their ids may be chosen by the caller.
CREATE TABLE events (
    id              uuid        PRIMARY KEY,
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    tenant_id       text        NOT NULL,
    integration_id  uuid,
    type            text        NOT NULL,
    payload         json,
    status          text        NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    locked_until    timestamptz,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz,
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE
);

-- ClaimEvents: pending events in the order they fall due.
CREATE INDEX events_due_idx ON events (next_attempt_at, seq) WHERE status = 'pending';
-- ListEvents, optionally by status.
CREATE INDEX events_tenant_id_idx ON events (tenant_id, seq);
-- ListEvents by integration, and the cascade from integrations.
CREATE INDEX events_integration_id_idx ON events (integration_id, seq) WHERE integration_id IS NOT NULL;

-- Pending OAuth authorisations, keyed by the SHA-256 of the state: the
-- state itself is never stored. The PKCE verifier is sealed with the
-- additional data "oauth-state-verifier:" + hex(state_hash).
--
-- integration_id need not name a stored integration (a state may be made
-- before the integration it will authorise), so it has no foreign key:
-- DeleteIntegration deletes the states that name the integration itself.
CREATE TABLE oauth_states (
    state_hash          bytea       PRIMARY KEY,
    tenant_id           text        NOT NULL,
    integration_id      uuid,
    provider            text        NOT NULL,
    verifier_key_id     text,
    verifier_ciphertext bytea,
    redirect_uri        text        NOT NULL DEFAULT '',
    data                bytea,
    expires_at          timestamptz NOT NULL,
    created_at          timestamptz NOT NULL
);

-- DeleteExpiredOAuthStates.
CREATE INDEX oauth_states_expires_at_idx ON oauth_states (expires_at);
-- DeleteIntegration.
CREATE INDEX oauth_states_integration_id_idx ON oauth_states (integration_id) WHERE integration_id IS NOT NULL;
