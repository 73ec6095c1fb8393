-- 0003: token usage rolled up for the usage report and the analytics charts.
-- Why: a year of agent work is about a million responses, and the report must answer in tens
-- of milliseconds; summing `session_messages` row by row takes hundreds. `usage_buckets` holds
-- the same numbers summed per (quarter hour, session, model, long-context flag): a quarter hour
-- is fine enough for any time zone in use (their offsets are whole quarter hours), and a
-- session's agent and project come from `agent_sessions`. Triggers keep it equal to the sum of
-- the usage rows, whatever writes them (index runs, the de-duplication of repeated Claude
-- responses, a Gemini chat read again whole). NEVER EDIT THIS FILE once released.

-- A Gemini message dropped by `$rewindTo` (or by a `$set` of the message list) was still
-- billed: the reader keeps its usage as a row of its own that the conversation view skips.
ALTER TABLE session_messages ADD COLUMN usage_only INTEGER NOT NULL DEFAULT 0
    CHECK (usage_only IN (0, 1));

-- The token columns hold each agent's own numbers, summed (see TokenUsage in sessions.rs for
-- what is part of what); the report normalises them. `long_context` marks responses whose
-- prompt (Claude: input + cache reads + cache writes; Codex and Gemini: input, which includes
-- the cached part) was above 200,000 tokens, which some models bill at higher rates.
-- `bucket` is the response's time in quarter hours since the Unix epoch (UTC).
CREATE TABLE usage_buckets (
    bucket                INTEGER NOT NULL,
    session_id            INTEGER NOT NULL REFERENCES agent_sessions (id) ON DELETE CASCADE,
    model                 TEXT    NOT NULL,
    long_context          INTEGER NOT NULL CHECK (long_context IN (0, 1)),
    responses             INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    cache_read_tokens     INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    tool_tokens           INTEGER NOT NULL,
    PRIMARY KEY (bucket, session_id, model, long_context)
) STRICT, WITHOUT ROWID;
CREATE INDEX usage_buckets_by_session ON usage_buckets (session_id);

-- The prompt-size rule above is repeated in each trigger: SQLite has no SQL functions.

CREATE TRIGGER session_messages_usage_added AFTER INSERT ON session_messages
WHEN new.input_tokens IS NOT NULL
BEGIN
    INSERT INTO usage_buckets VALUES (
        coalesce(new.at_ms, 0) / 900000, new.session_id, coalesce(new.model, ''),
        (CASE (SELECT agent FROM agent_sessions WHERE id = new.session_id)
             WHEN 'claude' THEN new.input_tokens + coalesce(new.cache_read_tokens, 0)
                                + coalesce(new.cache_write_tokens, 0)
             ELSE new.input_tokens END) > 200000,
        1, new.input_tokens, coalesce(new.output_tokens, 0), coalesce(new.cache_read_tokens, 0),
        coalesce(new.cache_write_tokens, 0), coalesce(new.cache_write_1h_tokens, 0),
        coalesce(new.reasoning_tokens, 0), coalesce(new.tool_tokens, 0))
    ON CONFLICT (bucket, session_id, model, long_context) DO UPDATE SET
        responses = responses + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        tool_tokens = tool_tokens + excluded.tool_tokens;
END;

CREATE TRIGGER session_messages_usage_removed AFTER DELETE ON session_messages
WHEN old.input_tokens IS NOT NULL
BEGIN
    UPDATE usage_buckets SET
        responses = responses - 1,
        input_tokens = input_tokens - old.input_tokens,
        output_tokens = output_tokens - coalesce(old.output_tokens, 0),
        cache_read_tokens = cache_read_tokens - coalesce(old.cache_read_tokens, 0),
        cache_write_tokens = cache_write_tokens - coalesce(old.cache_write_tokens, 0),
        cache_write_1h_tokens = cache_write_1h_tokens - coalesce(old.cache_write_1h_tokens, 0),
        reasoning_tokens = reasoning_tokens - coalesce(old.reasoning_tokens, 0),
        tool_tokens = tool_tokens - coalesce(old.tool_tokens, 0)
    WHERE bucket = coalesce(old.at_ms, 0) / 900000 AND session_id = old.session_id
      AND model = coalesce(old.model, '')
      AND long_context = ((CASE (SELECT agent FROM agent_sessions WHERE id = old.session_id)
             WHEN 'claude' THEN old.input_tokens + coalesce(old.cache_read_tokens, 0)
                                + coalesce(old.cache_write_tokens, 0)
             ELSE old.input_tokens END) > 200000);
    DELETE FROM usage_buckets
    WHERE bucket = coalesce(old.at_ms, 0) / 900000 AND session_id = old.session_id
      AND model = coalesce(old.model, '') AND responses <= 0;
END;

-- A changed usage row (the indexer moves a repeated Claude response's numbers to its fuller
-- copy) is taken out as it was and put back as it is.
CREATE TRIGGER session_messages_usage_changed_out
AFTER UPDATE OF input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
    cache_write_1h_tokens, reasoning_tokens, tool_tokens, model, at_ms, session_id
ON session_messages
WHEN old.input_tokens IS NOT NULL
BEGIN
    UPDATE usage_buckets SET
        responses = responses - 1,
        input_tokens = input_tokens - old.input_tokens,
        output_tokens = output_tokens - coalesce(old.output_tokens, 0),
        cache_read_tokens = cache_read_tokens - coalesce(old.cache_read_tokens, 0),
        cache_write_tokens = cache_write_tokens - coalesce(old.cache_write_tokens, 0),
        cache_write_1h_tokens = cache_write_1h_tokens - coalesce(old.cache_write_1h_tokens, 0),
        reasoning_tokens = reasoning_tokens - coalesce(old.reasoning_tokens, 0),
        tool_tokens = tool_tokens - coalesce(old.tool_tokens, 0)
    WHERE bucket = coalesce(old.at_ms, 0) / 900000 AND session_id = old.session_id
      AND model = coalesce(old.model, '')
      AND long_context = ((CASE (SELECT agent FROM agent_sessions WHERE id = old.session_id)
             WHEN 'claude' THEN old.input_tokens + coalesce(old.cache_read_tokens, 0)
                                + coalesce(old.cache_write_tokens, 0)
             ELSE old.input_tokens END) > 200000);
    DELETE FROM usage_buckets
    WHERE bucket = coalesce(old.at_ms, 0) / 900000 AND session_id = old.session_id
      AND model = coalesce(old.model, '') AND responses <= 0;
END;

CREATE TRIGGER session_messages_usage_changed_in
AFTER UPDATE OF input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
    cache_write_1h_tokens, reasoning_tokens, tool_tokens, model, at_ms, session_id
ON session_messages
WHEN new.input_tokens IS NOT NULL
BEGIN
    INSERT INTO usage_buckets VALUES (
        coalesce(new.at_ms, 0) / 900000, new.session_id, coalesce(new.model, ''),
        (CASE (SELECT agent FROM agent_sessions WHERE id = new.session_id)
             WHEN 'claude' THEN new.input_tokens + coalesce(new.cache_read_tokens, 0)
                                + coalesce(new.cache_write_tokens, 0)
             ELSE new.input_tokens END) > 200000,
        1, new.input_tokens, coalesce(new.output_tokens, 0), coalesce(new.cache_read_tokens, 0),
        coalesce(new.cache_write_tokens, 0), coalesce(new.cache_write_1h_tokens, 0),
        coalesce(new.reasoning_tokens, 0), coalesce(new.tool_tokens, 0))
    ON CONFLICT (bucket, session_id, model, long_context) DO UPDATE SET
        responses = responses + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        tool_tokens = tool_tokens + excluded.tool_tokens;
END;

-- The usage indexed before this migration.
INSERT INTO usage_buckets
SELECT coalesce(m.at_ms, 0) / 900000, m.session_id, coalesce(m.model, ''),
       (CASE s.agent
            WHEN 'claude' THEN m.input_tokens + coalesce(m.cache_read_tokens, 0)
                               + coalesce(m.cache_write_tokens, 0)
            ELSE m.input_tokens END) > 200000 AS long_context,
       count(*), sum(m.input_tokens), sum(coalesce(m.output_tokens, 0)),
       sum(coalesce(m.cache_read_tokens, 0)), sum(coalesce(m.cache_write_tokens, 0)),
       sum(coalesce(m.cache_write_1h_tokens, 0)), sum(coalesce(m.reasoning_tokens, 0)),
       sum(coalesce(m.tool_tokens, 0))
FROM session_messages m JOIN agent_sessions s ON s.id = m.session_id
WHERE m.input_tokens IS NOT NULL
GROUP BY 1, 2, 3, 4;
