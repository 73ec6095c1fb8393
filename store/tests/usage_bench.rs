//! The usage report on a year of heavy use: one million usage rows (2,000 sessions of 500
//! responses, three agents, seven models, twenty projects) written straight into the index
//! tables, then the analytics view's queries timed. Each must answer in 50 ms at the median.
//!
//! Run: `CARGO_TARGET_DIR=target cargo test -p spaces-store --release --test usage_bench -- --ignored --nocapture`

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use spaces_store::{Database, GroupBy, Pricing, UsageQuery, UsageTimeZone};

const SESSIONS: i64 = 2_000;
const RESPONSES_PER_SESSION: i64 = 500;
/// 2025-01-01T00:00:00Z.
const YEAR_START_MS: i64 = 1_735_689_600_000;
const DAY_MS: i64 = 86_400_000;

/// Sessions spread over the year, each a run of responses 12 s apart (about 100 minutes).
fn fill(connection: &rusqlite::Connection) {
    let sql = format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last_session})
         INSERT INTO agent_sessions (agent, session_id, cwd, first_at_ms, last_at_ms)
         SELECT CASE i % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'gemini' END,
                'session-' || i, '/home/alice/project-' || (i % 20),
                {YEAR_START_MS} + i * (365 * {DAY_MS} / {SESSIONS}) + (i * 7919 % 36000000),
                {YEAR_START_MS} + i * (365 * {DAY_MS} / {SESSIONS}) + (i * 7919 % 36000000)
                    + {RESPONSES_PER_SESSION} * 12000
         FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last_row})
         INSERT INTO session_messages
             (session_id, ordinal, role, text, model, at_ms, input_tokens, output_tokens,
              cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens,
              tool_tokens)
         SELECT s.id, n.i % {RESPONSES_PER_SESSION}, 'assistant', '',
                CASE s.agent
                    WHEN 'claude' THEN CASE n.i % 3 WHEN 0 THEN 'claude-sonnet-4-5-20250929'
                        WHEN 1 THEN 'claude-opus-4-5-20251101' ELSE 'claude-haiku-4-5-20251001' END
                    WHEN 'codex' THEN CASE n.i % 2 WHEN 0 THEN 'gpt-5-codex' ELSE 'gpt-5.1-codex' END
                    ELSE CASE n.i % 2 WHEN 0 THEN 'gemini-2.5-pro' ELSE 'gemini-2.5-flash' END
                END,
                s.first_at_ms + (n.i % {RESPONSES_PER_SESSION}) * 12000,
                1000 + n.i % 5000, 200 + n.i % 900, 20000 + n.i % 90000,
                CASE s.agent WHEN 'claude' THEN n.i % 3000 ELSE 0 END,
                CASE s.agent WHEN 'claude' THEN n.i % 1000 ELSE 0 END,
                n.i % 300, 0
         FROM n JOIN agent_sessions s ON s.session_id = 'session-' || (n.i / {RESPONSES_PER_SESSION});
         COMMIT;",
        last_session = SESSIONS - 1,
        last_row = SESSIONS * RESPONSES_PER_SESSION - 1,
    );
    connection.execute_batch(&sql).expect("fill");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(label: &str, mut run: impl FnMut()) -> Duration {
    run();
    let times: Vec<Duration> = (0..21)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    let p50 = median(times.clone());
    let max = times.iter().max().copied().unwrap_or_default();
    eprintln!("{label:<44} p50 {p50:>9.2?}   max {max:>9.2?}");
    p50
}

#[test]
#[ignore = "benchmark: a million usage rows; run with --release --ignored --nocapture"]
fn the_analytics_queries_answer_in_50_ms_on_a_million_rows() {
    let directory = tempfile::tempdir().expect("tempdir");
    let path = directory.path().join("spaces.db");
    // Opening through the store creates the schema; the rows go in through a connection of
    // the test's own (the store has no public raw-SQL door).
    let database = Database::open(&path).expect("open");
    let connection = rusqlite::Connection::open(&path).expect("connection");
    let started = Instant::now();
    fill(&connection);
    let count = |sql: &str| -> i64 {
        connection
            .query_row(sql, [], |row| row.get(0))
            .expect("count")
    };
    let rows = count("SELECT count(*) FROM session_messages WHERE input_tokens IS NOT NULL");
    let buckets = count("SELECT count(*) FROM usage_buckets");
    eprintln!(
        "{rows} usage rows ({buckets} quarter-hour sums) written in {:.1?}",
        started.elapsed()
    );
    assert_eq!(rows, SESSIONS * RESPONSES_PER_SESSION);

    let prices = Pricing::built_in();
    let query = |group_by: GroupBy| UsageQuery {
        group_by,
        time_zone: UsageTimeZone::Local,
        ..UsageQuery::default()
    };
    let mut medians = Vec::new();
    for (label, group_by) in [
        ("all year by day, stacked by model", GroupBy::Day),
        ("all year by agent", GroupBy::Agent),
        ("all year by project", GroupBy::Project),
        ("all year by model", GroupBy::Model),
        ("all year by week", GroupBy::Week),
        ("all year by session", GroupBy::Session),
    ] {
        let query = query(group_by);
        medians.push(time(label, || {
            let report = database.usage_report(&query, &prices).expect("report");
            assert_eq!(report.totals.responses, rows as u64);
        }));
    }
    let last_30_days = UsageQuery {
        since: NaiveDate::from_ymd_opt(2025, 12, 2),
        until: NaiveDate::from_ymd_opt(2025, 12, 31),
        ..query(GroupBy::Day)
    };
    medians.push(time("last 30 days by day (totals)", || {
        database
            .usage_report(&last_30_days, &prices)
            .expect("report");
    }));
    medians.push(time("per-session totals (sessions panel)", || {
        database.sessions_usage(&prices).expect("sessions");
    }));
    medians.push(time("sessions per day, all year", || {
        database
            .sessions_per_day(&query(GroupBy::Day))
            .expect("days");
    }));
    for p50 in medians {
        assert!(p50 <= Duration::from_millis(50), "p50 {p50:?} above 50 ms");
    }
}
