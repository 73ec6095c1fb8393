//! `spaces bench ...`: throughput of the output pipeline and CPU time of rendering frames.
//!
//! `ingest` measures, in one run and on the same bytes: the bare PTY drain (the physical
//! limit), alacritty_terminal parsing alone in memory, and the whole pane pipeline (PTY,
//! reader thread, parser thread). `render` builds frames of 16 busy panes headless.
//! Reported as JSON so runs can be compared; no timing is asserted anywhere.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::json;

mod render;
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
        #[arg(long, default_value_t = 100)]
        mb: usize,
        /// Rounds; the median of each measure is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
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
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match &args.kind {
        BenchKind::Ingest { mb, rounds, json } => ingest(*mb, (*rounds).max(1), *json),
        BenchKind::Render {
            panes,
            cols,
            rows,
            frames,
            json,
        } => render::run(*panes, *cols, *rows, *frames, *json),
    }
}

/// The terminal size the ingest bench uses for every measure.
const COLS: u16 = 200;
const ROWS: u16 = 50;

fn ingest(mb: usize, rounds: usize, json: bool) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let file = dir.join("output.txt");
    let bytes = workload::coloured_output(mb * 1024 * 1024);
    std::fs::File::create(&file)
        .and_then(|mut f| f.write_all(&bytes))
        .with_context(|| format!("writing {}", file.display()))?;
    let size = bytes.len() as f64 / 1e6;

    let mut drain = Vec::new();
    let mut pipeline = Vec::new();
    let mut parse = Vec::new();
    for round in 0..rounds {
        drain.push(size / pty_drain(&file)?.as_secs_f64());
        pipeline.push(size / pane_pipeline(&file)?.as_secs_f64());
        parse.push(size / bare_parse(&bytes).as_secs_f64());
        if !json {
            eprintln!(
                "round {}: drain {:.1} MB/s, pipeline {:.1} MB/s, bare parse {:.1} MB/s",
                round + 1,
                drain[round],
                pipeline[round],
                parse[round]
            );
        }
    }
    let _ignored = std::fs::remove_dir_all(&dir);
    let (drain, pipeline, parse) = (
        median(&mut drain),
        median(&mut pipeline),
        median(&mut parse),
    );
    let report = json!({
        "bytes": bytes.len(),
        "rounds": rounds,
        "pipeline_mb_s": round2(pipeline),
        "pty_drain_mb_s": round2(drain),
        "bare_parse_mb_s": round2(parse),
        "ratio": round2(pipeline / drain),
        "recording": false,
    });
    if json {
        println!("{report}");
    } else {
        println!(
            "ingest of {:.0} MB: pipeline {pipeline:.1} MB/s, PTY drain {drain:.1} MB/s, bare parse {parse:.1} MB/s, ratio {:.2}",
            size,
            pipeline / drain
        );
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

/// alacritty_terminal alone on the bytes in memory, in 64 KiB chunks as the parser sees them.
fn bare_parse(bytes: &[u8]) -> Duration {
    let mut term =
        spaces_term::replay::new_replay_term(spaces_term::TermSize::new(COLS, ROWS), 10_000);
    let mut processor: alacritty_terminal::vte::ansi::Processor = Default::default();
    let start = Instant::now();
    for chunk in bytes.chunks(64 * 1024) {
        processor.advance(&mut term, chunk);
    }
    start.elapsed()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

use spaces_term::alacritty_terminal;
