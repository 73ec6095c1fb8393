//! The usage report on a year of heavy use: one million usage rows (2,000 sessions of 500
//! responses, three agents, seven models, twenty projects) written straight into the index
//! tables (`Database::generate_usage`), then the analytics view's queries timed. Each must
//! answer in 50 ms at the median. `spaces bench usage` runs the same from the app's side.
//!
//! Run: `CARGO_TARGET_DIR=target cargo test -p spaces-store --release --test usage_bench -- --ignored --nocapture`

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use spaces_store::{Database, GroupBy, Pricing, UsageQuery, UsageTimeZone};

const SESSIONS: i64 = 2_000;
const RESPONSES_PER_SESSION: i64 = 500;

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
    // The rows are counted through a connection of the test's own.
    let database = Database::open(&path).expect("open");
    let connection = rusqlite::Connection::open(&path).expect("connection");
    let started = Instant::now();
    database
        .generate_usage(SESSIONS, RESPONSES_PER_SESSION)
        .expect("generate");
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
