-- 0002: the index of agent sessions (Claude Code, Codex CLI, Gemini CLI).
-- Why: the agents delete old transcripts (Claude after 30 days) and keep them in three formats
-- spread over the disk. Spaces reads them into its own tables so that every session stays
-- listed, readable and searchable after its file is gone, and so that a second index run only
-- reads what changed (each file's size, mtime and the offset to resume reading from).
-- Timestamps are milliseconds since the Unix epoch. NEVER EDIT THIS FILE once released.

-- One row per transcript file ever seen. `path` is the raw bytes of the path (paths need not be
-- UTF-8). `resume_offset` is the end of the last complete line read; `tail_check` holds the
-- bytes just before it, so a file rewritten with more bytes is noticed and read again whole.
-- `reader_state` is the reader's small JSON state (current model, previous token totals).
-- `gone` is set when the agent deleted the file: its sessions stay.
CREATE TABLE session_files (
    id            INTEGER PRIMARY KEY,
    path          BLOB    NOT NULL UNIQUE,
    agent         TEXT    NOT NULL CHECK (agent IN ('claude', 'codex', 'gemini')),
    size          INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns      INTEGER NOT NULL,
    resume_offset INTEGER NOT NULL CHECK (resume_offset >= 0),
    tail_check    BLOB    NOT NULL DEFAULT x'',
    reader_state  TEXT    NOT NULL DEFAULT '{}',
    gone          INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),
    indexed_at_ms INTEGER NOT NULL
) STRICT;

-- One row per session. `models` is a JSON array of model names in order of first use;
-- `model_assumed` marks Codex rollouts that never named their model (old ones: gpt-5).
-- `title_rank` says where the title came from (1 first prompt, 2 summary, 3 user-set), so an
-- appended line can only replace it by a better one. `parent_session` names the session a
-- sub-agent worked for.
CREATE TABLE agent_sessions (
    id             INTEGER PRIMARY KEY,
    agent          TEXT    NOT NULL CHECK (agent IN ('claude', 'codex', 'gemini')),
    session_id     TEXT    NOT NULL,
    cwd            TEXT    NOT NULL DEFAULT '',
    title          TEXT    NOT NULL DEFAULT '',
    title_rank     INTEGER NOT NULL DEFAULT 0,
    git_branch     TEXT    NOT NULL DEFAULT '',
    models         TEXT    NOT NULL DEFAULT '[]',
    model_assumed  INTEGER NOT NULL DEFAULT 0 CHECK (model_assumed IN (0, 1)),
    first_at_ms    INTEGER,
    last_at_ms     INTEGER,
    message_count  INTEGER NOT NULL DEFAULT 0,
    parent_session TEXT,
    file_id        INTEGER REFERENCES session_files (id) ON DELETE SET NULL,
    UNIQUE (agent, session_id)
) STRICT;
CREATE INDEX agent_sessions_by_activity ON agent_sessions (last_at_ms DESC);
CREATE INDEX agent_sessions_by_parent ON agent_sessions (agent, parent_session);
CREATE INDEX agent_sessions_by_file ON agent_sessions (file_id);

-- The conversation, one row per message (a Claude line with several content blocks gives
-- several rows). `message_key` is Claude's line uuid: a resume copies old lines into a new
-- file, and the copy is kept once. `usage_key` is Claude's (message.id, requestId): one
-- response repeats its usage on every line, and only one row of a key keeps the numbers.
-- Token columns hold each agent's own numbers (see TokenUsage in sessions.rs for what is part
-- of what).
CREATE TABLE session_messages (
    id                    INTEGER PRIMARY KEY,
    session_id            INTEGER NOT NULL REFERENCES agent_sessions (id) ON DELETE CASCADE,
    ordinal               INTEGER NOT NULL,
    role                  TEXT    NOT NULL
        CHECK (role IN ('user', 'assistant', 'tool_call', 'tool_result', 'system')),
    text                  TEXT    NOT NULL,
    model                 TEXT,
    at_ms                 INTEGER,
    tool_name             TEXT,
    from_subagent         INTEGER NOT NULL DEFAULT 0 CHECK (from_subagent IN (0, 1)),
    message_key           TEXT,
    usage_key             TEXT,
    input_tokens          INTEGER,
    output_tokens         INTEGER,
    cache_read_tokens     INTEGER,
    cache_write_tokens    INTEGER,
    cache_write_1h_tokens INTEGER,
    reasoning_tokens      INTEGER,
    tool_tokens           INTEGER
) STRICT;
CREATE INDEX session_messages_by_session ON session_messages (session_id, ordinal);
CREATE UNIQUE INDEX session_messages_by_key ON session_messages (message_key)
    WHERE message_key IS NOT NULL;

-- Full-text search over what people and agents said (user, assistant and tool-call text; tool
-- output and system notes are left out: they are large and mostly noise), and over titles.
-- External content: the text lives once, in the tables above, and snippet() reads it there.
CREATE VIRTUAL TABLE session_message_search USING fts5 (
    text,
    content = 'session_messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER session_messages_searchable AFTER INSERT ON session_messages
WHEN new.role IN ('user', 'assistant', 'tool_call')
BEGIN
    INSERT INTO session_message_search (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER session_messages_unsearchable AFTER DELETE ON session_messages
WHEN old.role IN ('user', 'assistant', 'tool_call')
BEGIN
    INSERT INTO session_message_search (session_message_search, rowid, text)
    VALUES ('delete', old.id, old.text);
END;

CREATE VIRTUAL TABLE session_title_search USING fts5 (
    title,
    content = 'agent_sessions',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER agent_sessions_title_added AFTER INSERT ON agent_sessions
BEGIN
    INSERT INTO session_title_search (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER agent_sessions_title_changed AFTER UPDATE OF title ON agent_sessions
BEGIN
    INSERT INTO session_title_search (session_title_search, rowid, title)
    VALUES ('delete', old.id, old.title);
    INSERT INTO session_title_search (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER agent_sessions_title_removed AFTER DELETE ON agent_sessions
BEGIN
    INSERT INTO session_title_search (session_title_search, rowid, title)
    VALUES ('delete', old.id, old.title);
END;
