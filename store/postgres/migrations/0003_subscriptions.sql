-- 0003_subscriptions: each integration's push registration at its
-- provider (a Gmail users.watch, a Microsoft Graph subscription).
--
-- One row per integration at most, removed with it. The pair
-- (tenant_id, integration_id) references the integration, as in the
-- other tables that carry both, so that a row's tenant is always its
-- integration's. sub_id is the provider's id of the registration and
-- address the mailbox the provider's pushes name (stored lower-cased);
-- '' means none. The client state Graph echoes in its notifications is
-- sealed by a secrets.Keyring with the additional data
-- "subscription-client-state:" + integration_id, so that a ciphertext
-- copied to another row does not open; both its columns are NULL when
-- there is none.
CREATE TABLE subscriptions (
    integration_id      uuid        PRIMARY KEY,
    tenant_id           text        NOT NULL,
    provider            text        NOT NULL,
    sub_id              text        NOT NULL DEFAULT '',
    address             text        NOT NULL DEFAULT '',
    resource            text        NOT NULL DEFAULT '',
    client_state_key_id text,
    client_state        bytea,
    cursor              text        NOT NULL DEFAULT '',
    expiry              timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT subscriptions_client_state_check CHECK ((client_state_key_id IS NULL) = (client_state IS NULL))
);

-- FindSubscription, for a Graph notification that names only its
-- subscription; and one holder per id and provider.
CREATE UNIQUE INDEX subscriptions_provider_sub_id_key ON subscriptions (provider, sub_id)
    WHERE sub_id <> '';
-- FindSubscriptionsByAddress, for a Gmail push that names only its
-- mailbox.
CREATE INDEX subscriptions_provider_address_idx ON subscriptions (provider, address)
    WHERE address <> '';
-- DueSubscriptions, soonest first, ties in integration id order.
CREATE INDEX subscriptions_expiry_idx ON subscriptions (expiry, integration_id);
