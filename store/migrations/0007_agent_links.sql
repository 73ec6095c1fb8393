-- 0007: which workspace each agent session ran in.
-- Why: the usage analytics show cost by workspace. A pane record holds its agent's session
-- only while the agent runs (a restart resumes it); this table keeps the link after that, one
-- row per session (the newest pane that ran it wins), filled by triggers on `panes` so every
-- writer of pane records keeps it current. NEVER EDIT THIS FILE once released.

CREATE TABLE agent_links (
    agent         TEXT    NOT NULL,
    session_id    TEXT    NOT NULL,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    pane_id       INTEGER NOT NULL,
    linked_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (agent, session_id)
) STRICT;

CREATE TRIGGER panes_agent_link_insert AFTER INSERT ON panes
WHEN new.agent_kind IS NOT NULL AND new.agent_session IS NOT NULL
BEGIN
    INSERT INTO agent_links (agent, session_id, workspace_id, pane_id, linked_at_ms)
    VALUES (new.agent_kind, new.agent_session, new.workspace_id, new.id, new.updated_at_ms)
    ON CONFLICT (agent, session_id) DO UPDATE SET
        workspace_id = excluded.workspace_id, pane_id = excluded.pane_id,
        linked_at_ms = excluded.linked_at_ms
    WHERE workspace_id != excluded.workspace_id OR pane_id != excluded.pane_id;
END;

CREATE TRIGGER panes_agent_link_update AFTER UPDATE OF agent_kind, agent_session, workspace_id ON panes
WHEN new.agent_kind IS NOT NULL AND new.agent_session IS NOT NULL
BEGIN
    INSERT INTO agent_links (agent, session_id, workspace_id, pane_id, linked_at_ms)
    VALUES (new.agent_kind, new.agent_session, new.workspace_id, new.id, new.updated_at_ms)
    ON CONFLICT (agent, session_id) DO UPDATE SET
        workspace_id = excluded.workspace_id, pane_id = excluded.pane_id,
        linked_at_ms = excluded.linked_at_ms
    WHERE workspace_id != excluded.workspace_id OR pane_id != excluded.pane_id;
END;

-- Links of the panes saved before this step.
INSERT OR IGNORE INTO agent_links (agent, session_id, workspace_id, pane_id, linked_at_ms)
SELECT agent_kind, agent_session, workspace_id, id, updated_at_ms
FROM panes WHERE agent_kind IS NOT NULL AND agent_session IS NOT NULL;
