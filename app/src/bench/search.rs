//! `spaces bench search`: history search over generated terminal output. The output of
//! several panes is recorded through the real recorder into a temporary data directory,
//! indexed as `spaces search` does (catching up every pane), then queried.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::json;
use spaces_store::{Database, PaneId, PaneRecord, Recorder, WorkspaceId, WorkspaceRecord};

use super::render::{ms, percentile, round3};
use crate::model::search_index;

const PANES: u64 = 8;
/// Bytes per `record_output` call: a reader thread's chunks, gathered by the recorder.
const CHUNK: usize = 64 * 1024;
/// Times each query runs.
const REPEATS: usize = 10;

pub fn run(mb: u64, json_only: bool) -> anyhow::Result<()> {
    let dir = super::tempfile_dir()?.join("search");
    spaces_store::ensure_private_dir(&dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let result = measure(&dir, mb, json_only);
    let _ignored = std::fs::remove_dir_all(&dir);
    result
}

fn measure(dir: &std::path::Path, mb: u64, json_only: bool) -> anyhow::Result<()> {
    let path = spaces_store::database_path(dir);
    let per_pane = usize::try_from(mb * 1024 * 1024 / PANES)
        .unwrap_or(usize::MAX)
        .max(1);
    let bytes = record(&path, per_pane)?;
    let database = Database::open(&path)?;
    let start = Instant::now();
    let report = search_index::catch_up(&database, |_| false)?;
    let index_seconds = start.elapsed().as_secs_f64();
    let db_bytes = super::recording::database_bytes(&path);
    if !json_only {
        eprintln!(
            "indexed {:.0} MB into {} lines in {index_seconds:.1} s",
            bytes as f64 / 1e6,
            report.lines
        );
    }
    let queries = [
        "zebrafish",
        "compiling",
        "warning target",
        "lastpanemarker",
        "nonexistentword",
        "src/main.rs",
    ];
    let mut times = Vec::new();
    let mut per_query = serde_json::Map::new();
    for query in queries {
        let mut found = 0;
        let mut these = Vec::new();
        for _ in 0..REPEATS {
            let start = Instant::now();
            found = database.search_history(query, 50)?.len();
            these.push(ms(start.elapsed()));
        }
        let expected = match query {
            "zebrafish" => Some(PANES as usize),
            "lastpanemarker" => Some(1),
            "nonexistentword" => Some(0),
            _ => None,
        };
        anyhow::ensure!(
            expected.is_none_or(|expected| expected == found),
            "{query}: {found} hits, expected {expected:?}"
        );
        per_query.insert(
            query.to_owned(),
            json!({ "hits": found, "p50_ms": round3(percentile(&mut these.clone(), 0.5)) }),
        );
        times.extend(these);
    }
    let report = json!({
        "bytes": bytes,
        "lines": report.lines,
        "index_mb_s": round3(bytes as f64 / 1e6 / index_seconds),
        "p50_ms": round3(percentile(&mut times.clone(), 0.5)),
        "p99_ms": round3(percentile(&mut times, 0.99)),
        "db_bytes": db_bytes,
        "queries": per_query,
    });
    println!("{report}");
    Ok(())
}

/// Records `per_pane` bytes of coloured output for each pane, through the recorder; returns
/// the bytes recorded. Each pane prints one rare line in its middle; the last pane a few
/// lines of its own.
fn record(path: &std::path::Path, per_pane: usize) -> anyhow::Result<u64> {
    let recorder = Recorder::start(path)?;
    let workspace = WorkspaceRecord::new(WorkspaceId(1), "bench", "blue", 0);
    recorder.upsert_workspace(workspace.clone())?;
    let mut total = 0;
    for pane in 1..=PANES {
        let id = PaneId(pane as i64);
        recorder.upsert_pane(PaneRecord::new_shell(id, workspace.id, "/", 200, 50))?;
        let mut output = super::workload::coloured_output(per_pane / 2);
        output.extend_from_slice(format!("\x1b[35mzebrafish\x1b[0m in pane {pane}\r\n").as_bytes());
        output.extend(super::workload::coloured_output(per_pane / 2));
        if pane == PANES {
            output.extend_from_slice(b"lastpanemarker: done\r\n$ ");
        }
        let mut offset = 0;
        for chunk in output.chunks(CHUNK) {
            recorder.record_output(id, offset, Arc::from(chunk))?;
            offset += chunk.len() as u64;
        }
        total += offset;
    }
    recorder.flush()?;
    recorder.shutdown()?;
    Ok(total)
}
