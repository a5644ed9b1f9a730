-- 0006_automated: whether a machine wrote a message.
--
-- connector.Message.Automated (connector/automated's classification: the
-- kind, human, auto_reply, bounce or list, the reasons, a bounce's
-- recipients, a list's id) as JSON, in a column of its own so that a
-- query can select on it (automated->>'kind'). NULL for messages stored
-- before classification existed. Nullable without a default: adding it
-- rewrites nothing.
ALTER TABLE messages ADD COLUMN automated jsonb;
