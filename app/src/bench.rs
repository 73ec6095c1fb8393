//! `spaces bench ...`: throughput of the output pipeline, CPU time of rendering frames, and
//! the relaunch of a workspace with long histories.
//!
//! `ingest` measures, in one run and on the same bytes: the bare PTY drain (the physical
//! limit), alacritty_terminal parsing alone in memory, and the whole pane pipeline (PTY,
//! reader thread, parser thread; with `--recording` also the recorder and SQLite). `render`
//! builds frames of 16 busy panes headless. `restore` relaunches 16 panes of 100,000 lines.
//! Reported as JSON so runs can be compared; no timing is asserted anywhere.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::json;

mod agents;
mod fixture;
mod index;
mod latency;
mod recording;
mod render;
mod restore;
mod search;
mod usage;
mod workload;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub kind: BenchKind,
}

#[derive(Debug, Subcommand)]
pub enum BenchKind {
    /// Output ingest: PTY -> reader -> parser, against a bare PTY drain and a bare parse.
    Ingest {
        /// Megabytes of generated coloured output.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
        mb: u32,
        /// Rounds; the median of each measure is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Record the pane through a real recorder into a temporary database, as the app
        /// does, and time until everything is committed.
        #[arg(long, alias = "record")]
        recording: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Frame CPU time (build meshes + tessellate) for busy panes, headless.
    Render {
        #[arg(long, default_value_t = 16)]
        panes: usize,
        #[arg(long, default_value_t = 120)]
        cols: u16,
        #[arg(long, default_value_t = 35)]
        rows: u16,
        #[arg(long, default_value_t = 300)]
        frames: usize,
        #[arg(long)]
        json: bool,
    },
    /// Relaunch of a workspace with long histories: time to the first frame showing every
    /// pane's last screen, and memory per pane. Each round restores in a fresh process.
    Restore {
        #[arg(long, default_value_t = 16)]
        panes: usize,
        /// Lines of output each pane printed before the restart.
        #[arg(long, default_value_t = 100_000)]
        lines: u64,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Keep the fixture in this directory (and reuse one built there before).
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
        /// Print only the JSON report (progress goes to stderr otherwise).
        #[arg(long)]
        json: bool,
    },
    /// History as the screen showed it (`spaces history`, the history view): how fast
    /// recorded output is replayed into history lines, per round.
    History {
        /// Megabytes of generated coloured output.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
        mb: u32,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long)]
        json: bool,
    },
    /// The agent sessions index on generated transcripts: cold index, re-run, an appended
    /// line until searchable, search p50.
    Index {
        /// Megabytes of generated transcripts.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
        mb: u64,
        #[arg(long)]
        json: bool,
    },
    /// History search: generated coloured output of several panes recorded through the
    /// recorder, indexed as `spaces search` does, then queried (index MB/s, p50/p99).
    Search {
        /// Megabytes of recorded output, over all panes.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
        mb: u64,
        #[arg(long)]
        json: bool,
    },
    /// The usage analytics on generated usage rows: the Usage view's and the sessions
    /// panel's queries (p50), and the view's frame time drawing a whole year.
    Usage {
        /// Sessions generated (spread over a year).
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(i64).range(1..))]
        sessions: i64,
        /// Responses (usage rows) per session.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..))]
        responses: i64,
        #[arg(long, default_value_t = 100)]
        frames: usize,
        #[arg(long)]
        json: bool,
    },
    /// Agents in panes, through a real window (needs a display): time from a hook event,
    /// and from a transcript append, to the pane's state changing.
    Agents {
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        #[arg(long)]
        json: bool,
    },
    /// Key echo and launch-to-prompt through real windows (needs a display): keys sent with
    /// XTest, the prompt's row read back until it changes; alacritty too when on PATH.
    Latency {
        #[arg(long, default_value_t = 2)]
        rounds: usize,
        /// Busy panes printing beside the measured one (Spaces only).
        #[arg(long, default_value_t = 0)]
        background: usize,
        /// Measure this `spaces` binary instead of this one (to compare two builds).
        #[arg(long)]
        spaces: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// One restore round in this process (run by `restore`).
    #[command(hide = true)]
    RestoreMeasure {
        #[arg(long)]
        dir: std::path::PathBuf,
        #[arg(long)]
        panes: usize,
        #[arg(long)]
        lines: u64,
        /// Time the restore's parts one by one instead (wall and CPU breakdown).
        #[arg(long)]
        parts: bool,
    },
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match &args.kind {
        BenchKind::Ingest {
            mb,
            rounds,
            recording,
            json,
        } => ingest(*mb as usize, (*rounds).max(1), *recording, *json),
        BenchKind::Render {
            panes,
            cols,
            rows,
            frames,
            json,
        } => render::run(*panes, *cols, *rows, *frames, *json),
        BenchKind::Restore {
            panes,
            lines,
            rounds,
            keep,
            json,
        } => restore::run(
            &fixture::Spec {
                panes: *panes,
                lines: *lines,
            },
            (*rounds).max(1),
            keep.as_deref(),
            *json,
        ),
        BenchKind::History { mb, rounds, json } => history(*mb as usize, (*rounds).max(1), *json),
        BenchKind::Index { mb, json } => index::run(*mb, *json),
        BenchKind::Search { mb, json } => search::run(*mb, *json),
        BenchKind::Usage {
            sessions,
            responses,
            frames,
            json,
        } => usage::run(*sessions, *responses, *frames, *json),
        BenchKind::Agents { rounds, json } => agents::run((*rounds).max(1), *json),
        BenchKind::Latency {
            rounds,
            background,
            spaces,
            json,
        } => latency::run((*rounds).max(1), *background, spaces.as_deref(), *json),
        BenchKind::RestoreMeasure {
            dir,
            panes,
            lines,
            parts,
        } => {
            let spec = fixture::Spec {
                panes: *panes,
                lines: *lines,
            };
            if *parts {
                restore::measure_parts(dir)
            } else {
                restore::measure(dir, &spec)
            }
        }
    }
}

/// Replays the ingest workload into history lines, in 256 KiB chunks as the recorder stores
/// them, and reports MB/s (median of the rounds) and the lines produced.
fn history(mb: usize, rounds: usize, json: bool) -> anyhow::Result<()> {
    let bytes = workload::coloured_output(mb * 1024 * 1024);
    let size = bytes.len() as f64 / 1e6;
    let mut speeds = Vec::new();
    let mut lines = 0;
    for round in 0..rounds {
        let start = Instant::now();
        let mut text =
            spaces_term::history_text::HistoryText::new(spaces_term::TermSize::new(COLS, ROWS), 0);
        lines = 0;
        for (index, chunk) in bytes.chunks(256 * 1024).enumerate() {
            lines += text.push(chunk, index as i64).len();
        }
        lines += text.finish().len();
        speeds.push(size / start.elapsed().as_secs_f64());
        if !json {
            eprintln!(
                "round {}: {:.1} MB/s, {lines} lines",
                round + 1,
                speeds[round]
            );
        }
    }
    let report = json!({
        "bytes": bytes.len(),
        "rounds": rounds,
        "history_mb_s": median(&mut speeds),
        "lines": lines,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// The terminal size the ingest bench uses for every measure.
const COLS: u16 = 200;
const ROWS: u16 = 50;

fn ingest(mb: usize, rounds: usize, recording: bool, json: bool) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let file = dir.join("output.txt");
    let bytes = workload::coloured_output(mb * 1024 * 1024);
    // Synced, so the kernel is not still writing it back while the rounds run.
    std::fs::File::create(&file)
        .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()))
        .with_context(|| format!("writing {}", file.display()))?;
    let size = bytes.len() as f64 / 1e6;

    let mut drain = Vec::new();
    let mut pipeline = Vec::new();
    let mut ratios = Vec::new();
    let mut parse = Vec::new();
    let mut feeder = Vec::new();
    let mut db_bytes = Vec::new();
    let mut drain_cpu = Vec::new();
    let mut pipeline_cpu = Vec::new();
    for round in 0..rounds {
        let cpu = CpuClock::start();
        drain.push(size / pty_drain(&file)?.as_secs_f64());
        drain_cpu.push(cpu.seconds());
        let cpu = CpuClock::start();
        let elapsed = if recording {
            let db_dir = dir.join(format!("db-{round}"));
            let run = recording::recorded_pipeline(
                cat_command(&file),
                spaces_term::TermSize::new(COLS, ROWS),
                &db_dir,
            )?;
            db_bytes.push(run.db_bytes as f64);
            // Gone before the next round, so its write-back does not slow that round's drain.
            let _ignored = std::fs::remove_dir_all(&db_dir);
            run.elapsed
        } else {
            pane_pipeline(&file)?
        };
        pipeline_cpu.push(cpu.seconds());
        pipeline.push(size / elapsed.as_secs_f64());
        ratios.push(pipeline[round] / drain[round]);
        parse.push(size / bare_parse(&bytes).as_secs_f64());
        feeder.push(size / feeder_parse(&bytes).as_secs_f64());
        if !json {
            eprintln!(
                "round {}: drain {:.1} MB/s, pipeline {:.1} MB/s (ratio {:.2}), bare parse {:.1} MB/s, Spaces parse {:.1} MB/s, CPU s: drain {:.2}, pipeline {:.2}",
                round + 1,
                drain[round],
                pipeline[round],
                ratios[round],
                parse[round],
                feeder[round],
                drain_cpu[round],
                pipeline_cpu[round],
            );
        }
    }
    let _ignored = std::fs::remove_dir_all(&dir);
    // The ratio is paired per round (drain and pipeline run back to back on the same bytes),
    // so a machine that slows down between rounds moves both sides of it together.
    let ratio = median(&mut ratios);
    let (drain, pipeline, parse, feeder) = (
        median(&mut drain),
        median(&mut pipeline),
        median(&mut parse),
        median(&mut feeder),
    );
    let mut report = json!({
        "bytes": bytes.len(),
        "rounds": rounds,
        "pipeline_mb_s": round2(pipeline),
        "pty_drain_mb_s": round2(drain),
        "bare_parse_mb_s": round2(parse),
        "spaces_parse_mb_s": round2(feeder),
        "ratio": round2(ratio),
        "per_round_ratios": ratios.iter().map(|r| round2(*r)).collect::<Vec<_>>(),
        "pipeline_cpu_s": round2(median(&mut pipeline_cpu)),
        "pty_drain_cpu_s": round2(median(&mut drain_cpu)),
        "recording": recording,
    });
    if recording {
        let stored = median(&mut db_bytes);
        report["db_bytes"] = json!(stored as u64);
        report["compression_ratio"] = json!(round2(bytes.len() as f64 / stored));
    }
    if json {
        println!("{report}");
    } else {
        println!(
            "ingest of {:.0} MB{}: pipeline {pipeline:.1} MB/s, PTY drain {drain:.1} MB/s, bare parse {parse:.1} MB/s, Spaces parse {feeder:.1} MB/s, ratio {ratio:.2}",
            size,
            if recording { " (recording)" } else { "" },
        );
        if recording {
            println!("{report}");
        }
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("spaces-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn cat_command(file: &Path) -> Vec<String> {
    vec!["cat".to_owned(), file.display().to_string()]
}

/// `cat` on a bare PTY, reading and discarding: the rate nothing can beat.
fn pty_drain(file: &Path) -> anyhow::Result<Duration> {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|error| anyhow::anyhow!("openpty: {error}"))?;
    let mut command = CommandBuilder::new("cat");
    command.arg(file);
    let start = Instant::now();
    let mut child = pair
        .slave
        .spawn_command(command)
        .map_err(|error| anyhow::anyhow!("spawning cat: {error}"))?;
    drop(pair.slave);
    let mut reader = pair
        .master
        .try_clone_reader()
        .map_err(|error| anyhow::anyhow!("pty reader: {error}"))?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let elapsed = start.elapsed();
    child.wait().context("waiting for cat")?;
    Ok(elapsed)
}

/// The real pane: `Terminal::spawn` running `cat`, until every byte is parsed.
fn pane_pipeline(file: &Path) -> anyhow::Result<Duration> {
    let (events_tx, events) = crossbeam_channel::unbounded();
    let listeners = spaces_term::Listeners {
        events: events_tx,
        wake: Arc::new(|| {}),
        sink: None,
        palette: Arc::new(spaces_term::palette::Palette::default()),
    };
    let options = spaces_term::SpawnOptions {
        command: cat_command(file),
        size: spaces_term::TermSize::new(COLS, ROWS),
        ..spaces_term::SpawnOptions::default()
    };
    let start = Instant::now();
    let terminal = spaces_term::Terminal::spawn(spaces_term::PaneId(1), options, listeners)?;
    loop {
        let event = events
            .recv_timeout(Duration::from_secs(600))
            .context("the pane never finished")?;
        if matches!(event.kind, spaces_term::TerminalEventKind::Exited(_)) {
            break;
        }
    }
    let elapsed = start.elapsed();
    drop(terminal);
    Ok(elapsed)
}

/// Parsing alone, in memory: `bytes` in 64 KiB chunks (as the parser thread takes them) into a
/// fresh terminal with the app's scrollback, through `feed`.
fn time_parse(bytes: &[u8], mut feed: impl FnMut(&mut ReplayTerm, &[u8])) -> Duration {
    let mut term = spaces_term::replay::new_replay_term(TermSize::new(COLS, ROWS), 10_000);
    let start = Instant::now();
    for chunk in bytes.chunks(64 * 1024) {
        feed(&mut term, chunk);
    }
    start.elapsed()
}

/// alacritty_terminal alone (its own vte processor).
fn bare_parse(bytes: &[u8]) -> Duration {
    let mut processor: alacritty_terminal::vte::ansi::Processor = Default::default();
    time_parse(bytes, |term, chunk| processor.advance(term, chunk))
}

/// The pane's own parsing ([`spaces_term::feed::Feeder`]: vte, with text runs written
/// straight into the grid).
fn feeder_parse(bytes: &[u8]) -> Duration {
    let mut feeder = spaces_term::feed::Feeder::new();
    time_parse(bytes, |term, chunk| feeder.feed(term, chunk))
}

/// CPU time (user + system) this process and its waited-for children used since `start`:
/// the cost of a measure, steadier on a noisy machine than its wall time.
struct CpuClock(f64);

impl CpuClock {
    fn start() -> Self {
        Self(cpu_seconds_so_far())
    }

    fn seconds(&self) -> f64 {
        cpu_seconds_so_far() - self.0
    }
}

fn cpu_seconds_so_far() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    [UsageWho::RUSAGE_SELF, UsageWho::RUSAGE_CHILDREN]
        .into_iter()
        .filter_map(|who| getrusage(who).ok())
        .map(|usage| {
            let (user, system) = (usage.user_time(), usage.system_time());
            user.tv_sec() as f64
                + user.tv_usec() as f64 / 1e6
                + system.tv_sec() as f64
                + system.tv_usec() as f64 / 1e6
        })
        .sum()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

use spaces_term::TermSize;
use spaces_term::alacritty_terminal;
use spaces_term::replay::ReplayTerm;

/// The benchmarks run at a tiny size, so their code keeps working between measurements (each
/// checks its own results: every usage row counted, the appended line found). No timing.
#[cfg(test)]
mod tests {
    #[test]
    fn the_usage_bench_runs_and_counts_every_row() {
        super::usage::run(12, 20, 2, true).expect("bench usage");
    }

    #[test]
    fn the_search_bench_runs_on_a_tiny_history() {
        super::search::run(1, true).expect("bench search");
    }

    #[test]
    fn the_index_bench_runs_and_finds_the_appended_line() {
        super::index::run(2, true).expect("bench index");
    }
}
