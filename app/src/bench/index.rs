//! `spaces bench index`: the agent sessions index on generated transcripts of all three
//! agents: a cold index, a re-run with nothing changed, an appended line until it is
//! searchable, and searches.

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::json;
use spaces_store::Database;
use spaces_store::sessions::SessionFilter;
use spaces_store::sessions::generate::{BENCH_QUERIES, write_fixture_home};

pub fn run(mb: u64, json_only: bool) -> anyhow::Result<()> {
    let directory = tempfile_dir()?;
    let say = |text: String| {
        if !json_only {
            eprintln!("{text}");
        }
    };
    let home = write_fixture_home(&directory.join("home"), mb * 1_000_000, 42)
        .context("generating transcripts")?;
    say(format!(
        "generated {} MB in {} files ({} sessions)",
        home.bytes / 1_000_000,
        home.files,
        home.sessions
    ));
    let database = Database::open(&directory.join("spaces.db")).context("opening the index")?;

    let started = Instant::now();
    database.index_sessions(&home.roots, &mut |_| {})?;
    let cold = started.elapsed();
    say(format!("cold index: {cold:?}"));

    let started = Instant::now();
    database.index_sessions(&home.roots, &mut |_| {})?;
    let warm = started.elapsed();
    say(format!("re-run, nothing changed: {warm:?}"));

    let append = append_until_searchable(&database, &home.roots)?;
    say(format!("appended line searchable after {append:?}"));

    let mut times: Vec<f64> = Vec::new();
    for _ in 0..5 {
        for query in BENCH_QUERIES {
            let started = Instant::now();
            database.search_sessions(query, &SessionFilter::default(), 50)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let report = json!({
        "bytes": home.bytes,
        "sessions": home.sessions,
        "files": home.files,
        "cold_s": cold.as_secs_f64(),
        "warm_s": warm.as_secs_f64(),
        "append_visible_ms": append.as_secs_f64() * 1000.0,
        "search_p50_ms": times[times.len() / 2],
        "search_p95_ms": times[times.len() * 95 / 100],
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    let _ignored = std::fs::remove_dir_all(&directory);
    Ok(())
}

/// Appends a prompt with a word found nowhere else to a Claude transcript and times until a
/// search finds it (one incremental index pass, then the search).
fn append_until_searchable(
    database: &Database,
    roots: &spaces_store::sessions::SessionRoots,
) -> anyhow::Result<Duration> {
    let projects = roots
        .claude
        .as_ref()
        .context("no Claude root")?
        .join("projects");
    let project = std::fs::read_dir(&projects)?
        .flatten()
        .next()
        .context("no project")?
        .path();
    let transcript = std::fs::read_dir(&project)?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .context("no transcript")?;
    let session = transcript
        .file_stem()
        .context("no name")?
        .to_string_lossy()
        .into_owned();
    let started = Instant::now();
    let mut file = std::fs::OpenOptions::new().append(true).open(&transcript)?;
    writeln!(
        file,
        r#"{{"type":"user","sessionId":"{session}","cwd":"/x","uuid":"bench-appended","timestamp":"2026-01-01T00:00:00.000Z","message":{{"role":"user","content":"find the quokkaburrow marker"}}}}"#
    )?;
    drop(file);
    database.index_sessions(roots, &mut |_| {})?;
    let hits = database.search_sessions("quokkaburrow", &SessionFilter::default(), 10)?;
    anyhow::ensure!(!hits.is_empty(), "the appended line was not found");
    Ok(started.elapsed())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("spaces-bench-index-{}", std::process::id()));
    spaces_store::ensure_private_dir(&dir)?;
    Ok(dir)
}
