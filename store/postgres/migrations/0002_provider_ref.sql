-- 0002_provider_ref: a message's current address at the provider.
--
-- connector.Message.ProviderRef (an IMAP folder + UIDVALIDITY + UID) may
-- change while provider_id stays. CommitSync stores each message's latest
-- ref and resolves a change that names a message by its ref alone; ''
-- means no ref. A constant default adds the column without rewriting the
-- table.
ALTER TABLE messages ADD COLUMN provider_ref text NOT NULL DEFAULT '';

-- At most one message of an integration holds a ref: CommitSync takes a
-- ref from its holder before it gives it to another message. The index
-- resolves ref-only changes and those take-overs. Partial, so that
-- messages without a ref (every message until this migration, and those
-- of providers whose ids are their addresses) cost nothing in it.
CREATE UNIQUE INDEX messages_provider_ref_key ON messages (integration_id, provider_ref)
    WHERE provider_ref <> '';
