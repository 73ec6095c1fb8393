//! A year of heavy use for the usage benchmark (`spaces bench usage`): sessions of three agents, seven models and twenty projects, with one usage row per
//! response, written straight into the index tables (the triggers of migration 0003 keep the
//! quarter-hour sums as the indexer would).

use crate::{Database, Result};

/// 2025-01-01T00:00:00Z: the generated year starts here.
pub const YEAR_START_MS: i64 = 1_735_689_600_000;
const DAY_MS: i64 = 86_400_000;

impl Database {
    /// Writes `sessions` sessions spread over 2025, each a run of `responses_per_session`
    /// responses 12 s apart, in one transaction.
    pub fn generate_usage(&self, sessions: i64, responses_per_session: i64) -> Result<()> {
        let sql = format!(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last_session})
             INSERT INTO agent_sessions (agent, session_id, cwd, first_at_ms, last_at_ms)
             SELECT CASE i % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'gemini' END,
                    'session-' || i, '/home/alice/project-' || (i % 20),
                    {YEAR_START_MS} + i * (365 * {DAY_MS} / {sessions}) + (i * 7919 % 36000000),
                    {YEAR_START_MS} + i * (365 * {DAY_MS} / {sessions}) + (i * 7919 % 36000000)
                        + {responses_per_session} * 12000
             FROM n;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last_row})
             INSERT INTO session_messages
                 (session_id, ordinal, role, text, model, at_ms, input_tokens, output_tokens,
                  cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens,
                  tool_tokens)
             SELECT s.id, n.i % {responses_per_session}, 'assistant', '',
                    CASE s.agent
                        WHEN 'claude' THEN CASE n.i % 3 WHEN 0 THEN 'claude-sonnet-4-5-20250929'
                            WHEN 1 THEN 'claude-opus-4-5-20251101' ELSE 'claude-haiku-4-5-20251001' END
                        WHEN 'codex' THEN CASE n.i % 2 WHEN 0 THEN 'gpt-5-codex' ELSE 'gpt-5.1-codex' END
                        ELSE CASE n.i % 2 WHEN 0 THEN 'gemini-2.5-pro' ELSE 'gemini-2.5-flash' END
                    END,
                    s.first_at_ms + (n.i % {responses_per_session}) * 12000,
                    1000 + n.i % 5000, 200 + n.i % 900, 20000 + n.i % 90000,
                    CASE s.agent WHEN 'claude' THEN n.i % 3000 ELSE 0 END,
                    CASE s.agent WHEN 'claude' THEN n.i % 1000 ELSE 0 END,
                    n.i % 300, 0
             FROM n JOIN agent_sessions s
                 ON s.session_id = 'session-' || (n.i / {responses_per_session});
             COMMIT;",
            last_session = sessions - 1,
            last_row = sessions * responses_per_session - 1,
        );
        self.connection().execute_batch(&sql)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::usage::UsageQuery;
    use crate::{Database, Pricing};

    #[test]
    fn the_generated_rows_are_all_counted() {
        let directory = tempfile::tempdir().expect("tempdir");
        let database = Database::open(&directory.path().join("spaces.db")).expect("open");
        database.generate_usage(6, 10).expect("generate");
        let report = database
            .usage_report(&UsageQuery::default(), &Pricing::built_in())
            .expect("report");
        assert_eq!(report.totals.responses, 60);
        assert_eq!(report.by_agent.len(), 3);
    }
}
