-- 0005_tenant_quotas: what per-tenant quotas read, without a scan.
--
-- An outbox entry's size is store.MessageSize of its message (subject,
-- bodies and attachments' content), written by the store; entries
-- stored before this migration count by their JSON text's size, an
-- over-estimate of theirs. The partial index holds the pending entries
-- only, with their size, so that a tenant's pending count and bytes are
-- an index-only scan. A tenant's integrations are counted on the
-- (tenant_id, id) index of 0001.
ALTER TABLE outbox ADD COLUMN size bigint NOT NULL DEFAULT 0;
UPDATE outbox SET size = octet_length(message::text) WHERE status = 'pending';
CREATE INDEX outbox_pending_tenant_idx ON outbox (tenant_id) INCLUDE (size) WHERE status = 'pending';
