-- A Spaces workspace export, format 'spaces-workspace' version 1: one workspace with its
-- whole recorded history, as a SQLite database. Columns mean what they mean in the tables of
-- the same name in store/migrations (0001 for the workspace and its panes, 0002 and 0003 for
-- the agent sessions); ids are those of the exporting database and are renumbered on import.
-- Timestamps are milliseconds since the Unix epoch. Blobs are stored as Spaces stores them
-- (output and snapshots zstd-compressed, input raw). Change this file only with a new version.

-- Exactly one row: what this file is and who wrote it.
CREATE TABLE spaces_export (
    format         TEXT    NOT NULL,   -- 'spaces-workspace'
    version        INTEGER NOT NULL,   -- 1
    exported_at_ms INTEGER NOT NULL,
    spaces_version TEXT    NOT NULL    -- the version of Spaces that wrote the file
) STRICT;

-- Exactly one row.
CREATE TABLE workspace (
    id            INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    color         TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    archived      INTEGER NOT NULL,
    notes         TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- At most one row: the layout as the app saved it (JSON of its own format, holding pane ids).
CREATE TABLE layout (
    tree_json     TEXT    NOT NULL,
    focused_pane  INTEGER,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- Every pane of the workspace, closed ones included.
CREATE TABLE panes (
    id            INTEGER PRIMARY KEY,
    cwd           TEXT    NOT NULL,
    command_json  TEXT    NOT NULL,
    env_json      TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    cols          INTEGER NOT NULL,
    rows          INTEGER NOT NULL,
    is_shell      INTEGER NOT NULL,
    agent_kind    TEXT,
    agent_session TEXT,
    closed_at_ms  INTEGER,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE output_chunks (
    pane_id       INTEGER NOT NULL,
    start_offset  INTEGER NOT NULL,
    end_offset    INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    raw_len       INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    PRIMARY KEY (pane_id, start_offset)
) STRICT;

CREATE TABLE input_chunks (
    pane_id       INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    output_offset INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    PRIMARY KEY (pane_id, seq)
) STRICT;

CREATE TABLE snapshots (
    pane_id        INTEGER NOT NULL,
    output_offset  INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    format_version INTEGER NOT NULL,
    raw_len        INTEGER NOT NULL,
    data           BLOB    NOT NULL,
    PRIMARY KEY (pane_id, output_offset)
) STRICT;

-- The sessions the panes were linked to (panes.agent_kind, agent_session) and, below them,
-- their sub-agents' sessions. The transcript files' own bookkeeping (session_files) is not
-- carried: those files are on the exporting machine.
CREATE TABLE agent_sessions (
    id             INTEGER PRIMARY KEY,
    agent          TEXT    NOT NULL,
    session_id     TEXT    NOT NULL,
    cwd            TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    title_rank     INTEGER NOT NULL,
    git_branch     TEXT    NOT NULL,
    models         TEXT    NOT NULL,
    model_assumed  INTEGER NOT NULL,
    first_at_ms    INTEGER,
    last_at_ms     INTEGER,
    message_count  INTEGER NOT NULL,
    parent_session TEXT
) STRICT;

-- Every message of those sessions; session_id is agent_sessions.id of this file.
CREATE TABLE session_messages (
    id                    INTEGER PRIMARY KEY,
    session_id            INTEGER NOT NULL,
    ordinal               INTEGER NOT NULL,
    role                  TEXT    NOT NULL,
    text                  TEXT    NOT NULL,
    model                 TEXT,
    at_ms                 INTEGER,
    tool_name             TEXT,
    from_subagent         INTEGER NOT NULL,
    message_key           TEXT,
    usage_key             TEXT,
    input_tokens          INTEGER,
    output_tokens         INTEGER,
    cache_read_tokens     INTEGER,
    cache_write_tokens    INTEGER,
    cache_write_1h_tokens INTEGER,
    reasoning_tokens      INTEGER,
    tool_tokens           INTEGER,
    usage_only            INTEGER NOT NULL
) STRICT;

-- The five-minute spans in which the workspace was active (kept even where old output was
-- trimmed away).
CREATE TABLE workspace_activity (
    bucket INTEGER PRIMARY KEY
) STRICT;
