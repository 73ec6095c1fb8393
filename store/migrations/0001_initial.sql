-- 0001: the first schema of Spaces.
-- Why: everything a relaunch needs to bring a window back as it was: workspaces and their tile
-- layouts, the panes inside them (what ran where), every byte each pane printed (compressed
-- chunks addressed by their offset in the pane's output stream), what was typed, periodic grid
-- snapshots to replay from, and small settings. Timestamps are milliseconds since the Unix
-- epoch. NEVER EDIT THIS FILE once released: add a new numbered migration instead.

CREATE TABLE workspaces (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    color         TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    notes         TEXT    NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- One layout per workspace: the egui_tiles tree as JSON, holding pane ids only.
CREATE TABLE layouts (
    workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    tree_json     TEXT    NOT NULL,
    focused_pane  INTEGER,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- command_json is an argv array (empty: the user's login shell); env_json an object of
-- overrides. closed_at_ms is set when the user closes the pane; its history is kept.
CREATE TABLE panes (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    cwd           TEXT    NOT NULL,
    command_json  TEXT    NOT NULL DEFAULT '[]',
    env_json      TEXT    NOT NULL DEFAULT '{}',
    title         TEXT    NOT NULL DEFAULT '',
    cols          INTEGER NOT NULL,
    rows          INTEGER NOT NULL,
    is_shell      INTEGER NOT NULL CHECK (is_shell IN (0, 1)),
    agent_kind    TEXT,
    agent_session TEXT,
    closed_at_ms  INTEGER,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX panes_by_workspace ON panes (workspace_id);

-- The raw output of a pane: bytes [start_offset, end_offset) of its stream, zstd-compressed.
CREATE TABLE output_chunks (
    pane_id       INTEGER NOT NULL REFERENCES panes (id) ON DELETE CASCADE,
    start_offset  INTEGER NOT NULL CHECK (start_offset >= 0),
    end_offset    INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    raw_len       INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    PRIMARY KEY (pane_id, start_offset),
    CHECK (end_offset - start_offset = raw_len AND raw_len > 0)
) STRICT;

-- What was typed into a pane (never recorded while echo is off), in order. output_offset is
-- where the pane's output stream stood when the input was sent, to interleave the two.
CREATE TABLE input_chunks (
    pane_id       INTEGER NOT NULL REFERENCES panes (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    output_offset INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    PRIMARY KEY (pane_id, seq)
) STRICT;

-- A grid snapshot covers the output up to output_offset; restore replays from there. The
-- blob is opaque to the store (the terminal crate defines it), zstd-compressed.
CREATE TABLE snapshots (
    pane_id        INTEGER NOT NULL REFERENCES panes (id) ON DELETE CASCADE,
    output_offset  INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    format_version INTEGER NOT NULL,
    raw_len        INTEGER NOT NULL,
    data           BLOB    NOT NULL,
    PRIMARY KEY (pane_id, output_offset)
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
