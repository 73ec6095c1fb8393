//! Measures the session index (ignored by default; numbers, not assertions):
//! `SPACES_BENCH_MB=1000 cargo test --release -p spaces-store --test sessions_bench -- --ignored --nocapture`
//! Cold index of generated transcripts, a re-run with nothing changed, an appended line until
//! it is searchable, and search latency (p50, p95).

use std::io::Write;
use std::time::{Duration, Instant};

use spaces_store::Agent;
use spaces_store::sessions::generate::write_fixture_home;
use spaces_store::sessions::read_transcript;
use spaces_store::{Database, SessionFilter};

fn megabytes() -> u64 {
    std::env::var("SPACES_BENCH_MB")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(200)
}

#[test]
#[ignore = "a benchmark: run with --release --ignored --nocapture"]
fn index_and_search_generated_transcripts() {
    let directory = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let home = write_fixture_home(&directory.path().join("home"), megabytes() * 1_000_000, 42)
        .expect("generate");
    println!(
        "generated {} MB in {} files ({} sessions) in {:?}",
        home.bytes / 1_000_000,
        home.files,
        home.sessions,
        started.elapsed()
    );

    let started = Instant::now();
    let parsed = parse_only(directory.path());
    println!(
        "parse only (one thread): {:?} for {parsed} messages",
        started.elapsed()
    );

    let database = Database::open(&directory.path().join("spaces.db")).expect("open");
    let started = Instant::now();
    let cold = database
        .index_sessions(&home.roots, &mut |_| {})
        .expect("cold");
    let cold_time = started.elapsed();
    println!(
        "cold index: {cold_time:?} ({:.0} MB/s), {} messages, {} not understood",
        home.bytes as f64 / 1e6 / cold_time.as_secs_f64(),
        cold.messages_added,
        cold.lines_not_understood()
    );

    let started = Instant::now();
    let warm = database
        .index_sessions(&home.roots, &mut |_| {})
        .expect("warm");
    println!(
        "re-run, nothing changed: {:?} ({} bytes read)",
        started.elapsed(),
        warm.bytes_read
    );

    let file = home.roots.claude.as_ref().expect("claude").join("projects");
    let project = std::fs::read_dir(&file)
        .expect("projects")
        .flatten()
        .next()
        .expect("a project")
        .path();
    let transcript = std::fs::read_dir(&project)
        .expect("files")
        .flatten()
        .next()
        .expect("a file")
        .path();
    let session = transcript
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let started = Instant::now();
    let mut output = std::fs::OpenOptions::new()
        .append(true)
        .open(&transcript)
        .expect("append");
    writeln!(output, r#"{{"type":"user","sessionId":"{session}","cwd":"/x","uuid":"bench-new","timestamp":"2026-01-01T00:00:00.000Z","message":{{"role":"user","content":"find the quokkaburrow marker"}}}}"#).expect("write");
    drop(output);
    let appended = database
        .index_sessions(&home.roots, &mut |_| {})
        .expect("append");
    let hits = database
        .search_sessions("quokkaburrow", &SessionFilter::default(), 10)
        .expect("search");
    println!(
        "appended line searchable after {:?} ({} bytes read, {} hit)",
        started.elapsed(),
        appended.bytes_read,
        hits.len()
    );

    let queries = spaces_store::sessions::generate::BENCH_QUERIES;
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        for query in queries {
            let started = Instant::now();
            database
                .search_sessions(query, &SessionFilter::default(), 50)
                .expect("search");
            times.push(started.elapsed());
        }
    }
    times.sort();
    println!(
        "search over {} queries: p50 {:?}, p95 {:?}, max {:?}",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times[times.len() - 1]
    );
    let started = Instant::now();
    let page = database
        .list_sessions(&SessionFilter {
            limit: Some(100),
            offset: 1000,
            ..SessionFilter::default()
        })
        .expect("list");
    println!("list page of {}: {:?}", page.len(), started.elapsed());
    let size = std::fs::metadata(directory.path().join("spaces.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database size: {} MB", size / 1_000_000);
}

/// Every transcript under `folder` parsed with no database, to split the cold time.
fn parse_only(folder: &std::path::Path) -> usize {
    let mut messages = 0;
    for entry in std::fs::read_dir(folder).expect("folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            messages += parse_only(&path);
            continue;
        }
        let text = path.to_string_lossy();
        let agent = if text.contains("/claude/") {
            Agent::Claude
        } else if text.contains("/codex/") {
            Agent::Codex
        } else if text.ends_with(".jsonl") {
            Agent::Gemini
        } else {
            continue;
        };
        messages += read_transcript(agent, &path, 0)
            .expect("read")
            .messages
            .len();
    }
    messages
}
