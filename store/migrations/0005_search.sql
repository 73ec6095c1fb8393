-- 0005: full-text search over every pane's terminal history.
-- Why: `spaces search` and the window find a word in everything a pane ever printed, far
-- beyond the scrollback kept in memory, in milliseconds. Raw output holds escape sequences
-- and redraws, so it is not what is indexed: the lines are the history lines the history view
-- shows (term's HistoryText replaying the output), numbered as that view numbers them, and
-- they are written by an indexer in the app (the store does not know the terminal), off the
-- recording path. NEVER EDIT THIS FILE once released.

-- How far each pane's output is indexed. The history of a pane is a replay from
-- `base_offset` (its oldest kept byte when indexing began) at `cols` x `rows` (its size
-- then: resizes are not recorded, and a fixed size keeps line numbers stable); the history
-- view replays with the same values, so both number lines alike. `indexed_offset` is the end
-- of the output fed; `final_lines` lines (0 .. final_lines - 1) can no longer change, and
-- lines final_lines .. lines - 1 are the pane's last screen as it stood at `indexed_offset`,
-- replaced at the next step.
CREATE TABLE search_progress (
    pane_id        INTEGER PRIMARY KEY REFERENCES panes (id) ON DELETE CASCADE,
    base_offset    INTEGER NOT NULL CHECK (base_offset >= 0),
    cols           INTEGER NOT NULL CHECK (cols > 0),
    rows           INTEGER NOT NULL CHECK (rows > 0),
    indexed_offset INTEGER NOT NULL CHECK (indexed_offset >= base_offset),
    final_lines    INTEGER NOT NULL CHECK (final_lines >= 0),
    lines          INTEGER NOT NULL CHECK (lines >= final_lines),
    updated_at_ms  INTEGER NOT NULL
) STRICT;

-- The text of the indexed lines, zstd-compressed in blocks of consecutive lines joined by
-- '\n' (history lines hold no newline). The index below keeps no text of its own, so the
-- text is stored once, compressed, rather than twice in plain (FTS5 content + source).
CREATE TABLE search_blocks (
    pane_id    INTEGER NOT NULL REFERENCES panes (id) ON DELETE CASCADE,
    first_line INTEGER NOT NULL CHECK (first_line >= 0),
    line_count INTEGER NOT NULL CHECK (line_count > 0),
    raw_len    INTEGER NOT NULL CHECK (raw_len >= 0),
    data       BLOB    NOT NULL,
    PRIMARY KEY (pane_id, first_line)
) STRICT;

-- The words of every line. rowid = pane id * 2^32 + line number, so a pane's lines are one
-- rowid range (deleted by range, read in order) and no other column is needed.
-- Measured on 17.5 MB of log-like lines (unicode61 vs trigram, contentless): trigram built a
-- 4.7x larger index (68 MB vs 14 MB) 4x slower (1.7 vs 7.5 MB/s); detail=none is the
-- smallest unicode61 variant (14 MB vs 20 MB with positions) and answers word and prefix
-- queries as fast. Phrases and substrings are checked on the line's text by the caller.
CREATE VIRTUAL TABLE search_lines USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    tokenize = 'unicode61 remove_diacritics 0'
);

-- A pane's words go with it (the other tables cascade).
CREATE TRIGGER panes_search_removed AFTER DELETE ON panes
BEGIN
    DELETE FROM search_lines
    WHERE rowid >= old.id * 4294967296 AND rowid < (old.id + 1) * 4294967296;
END;
