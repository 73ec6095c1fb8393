-- Activity in five-minute buckets (unix milliseconds / 300000), for the usage patterns: a
-- workspace is active in a bucket when one of its panes printed or was typed into; an agent
-- when one of its sessions recorded a message. Kept current by triggers, so trimming old
-- history or an agent deleting its transcripts never loses the time spent.

CREATE TABLE workspace_activity (
    workspace_id INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE agent_activity (
    agent  TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    PRIMARY KEY (agent, bucket)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER output_chunks_activity AFTER INSERT ON output_chunks
BEGIN
    INSERT OR IGNORE INTO workspace_activity (workspace_id, bucket)
    SELECT workspace_id, new.created_at_ms / 300000 FROM panes WHERE id = new.pane_id;
END;

CREATE TRIGGER input_chunks_activity AFTER INSERT ON input_chunks
BEGIN
    INSERT OR IGNORE INTO workspace_activity (workspace_id, bucket)
    SELECT workspace_id, new.created_at_ms / 300000 FROM panes WHERE id = new.pane_id;
END;

CREATE TRIGGER session_messages_activity AFTER INSERT ON session_messages
WHEN new.at_ms IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO agent_activity (agent, bucket)
    SELECT agent, new.at_ms / 300000 FROM agent_sessions WHERE id = new.session_id;
END;

-- What was recorded before this step.
INSERT OR IGNORE INTO workspace_activity (workspace_id, bucket)
SELECT p.workspace_id, c.created_at_ms / 300000
FROM output_chunks c JOIN panes p ON p.id = c.pane_id;

INSERT OR IGNORE INTO workspace_activity (workspace_id, bucket)
SELECT p.workspace_id, i.created_at_ms / 300000
FROM input_chunks i JOIN panes p ON p.id = i.pane_id;

INSERT OR IGNORE INTO agent_activity (agent, bucket)
SELECT s.agent, m.at_ms / 300000
FROM session_messages m JOIN agent_sessions s ON s.id = m.session_id
WHERE m.at_ms IS NOT NULL;
