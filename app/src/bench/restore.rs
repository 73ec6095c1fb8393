//! `spaces bench restore`: relaunch of a workspace with long histories. Builds (once) a data
//! directory like the one a long session leaves, then, in a fresh process per round, restores
//! it exactly as the app starts (`SpacesApp::new` on a headless context) and draws the first
//! frame; reports the time from opening the database to that frame and the memory per pane,
//! and checks that every pane shows its last lines.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use egui::{Pos2, Rect, vec2};
use serde_json::{Value, json};
use spaces_store::Database;
use spaces_term::replay::{Replayer, new_replay_term};
use spaces_term::{PaneId, TermSize};

use super::fixture::{self, Spec};
use super::workload;
use crate::{AppConfig, SpacesApp};

/// The window the restored workspace is drawn in.
const SCREEN: egui::Vec2 = vec2(1600.0, 1000.0);
/// Frames the size probe runs so every pane has its final size.
const PROBE_FRAMES: usize = 3;

/// Builds or reuses the fixture, then measures `rounds` restores, each in a new process.
pub fn run(spec: &Spec, rounds: usize, keep: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let root = match keep {
        Some(dir) => dir.to_path_buf(),
        None => super::tempfile_dir()?.join("restore"),
    };
    let fixture = fixture::prepare(&root.join("fixture"), spec, json)?;
    let mut runs = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let dir = root.join(format!("round-{round}"));
        copy_database(&root.join("fixture"), &dir)?;
        let measured = measure_in_child(&dir, spec, false);
        let _ignored = std::fs::remove_dir_all(&dir);
        let mut measured = measured?;
        copy_database(&root.join("fixture"), &dir)?;
        let parts = measure_in_child(&dir, spec, true);
        let _ignored = std::fs::remove_dir_all(&dir);
        measured["parts"] = parts?;
        if !json {
            eprintln!("round {}: {measured}", round + 1);
        }
        runs.push(measured);
    }
    if keep.is_none() {
        let _ignored = std::fs::remove_dir_all(&root);
    }
    let report = json!({
        "panes": spec.panes,
        "lines": spec.lines,
        "first_frame_ms": median_of(&runs, "first_frame_ms"),
        "rss_per_pane_mb": median_of(&runs, "rss_per_pane_mb"),
        "rounds": runs,
        "fixture": fixture,
    });
    println!("{report}");
    Ok(())
}

/// Copies the fixture's database (and any WAL) into a fresh data directory.
fn copy_database(from: &Path, to: &Path) -> anyhow::Result<()> {
    spaces_store::ensure_private_dir(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name
            .to_string_lossy()
            .starts_with(spaces_store::DATABASE_FILE_NAME)
        {
            std::fs::copy(entry.path(), to.join(&name))
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Runs `spaces bench restore-measure` on `dir` and reads its JSON line.
fn measure_in_child(dir: &Path, spec: &Spec, parts: bool) -> anyhow::Result<Value> {
    let exe = std::env::current_exe().context("finding the spaces binary")?;
    let output = std::process::Command::new(exe)
        .args(["bench", "restore-measure", "--dir"])
        .arg(dir)
        .args(["--panes", &spec.panes.to_string()])
        .args(["--lines", &spec.lines.to_string()])
        .args(parts.then_some("--parts"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the measuring process")?;
    anyhow::ensure!(
        output.status.success(),
        "the measuring process failed ({})",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .context("the measuring process printed nothing")?;
    serde_json::from_str(line).with_context(|| format!("reading {line:?}"))
}

fn median_of(runs: &[Value], key: &str) -> f64 {
    let mut values: Vec<f64> = runs.iter().filter_map(|run| run[key].as_f64()).collect();
    if values.is_empty() {
        return f64::NAN;
    }
    super::median(&mut values)
}

/// In this process: restores `dir` as the app starts and draws the first frame, then checks
/// every pane's screen. Prints one JSON line.
pub fn measure(dir: &Path, spec: &Spec) -> anyhow::Result<()> {
    let ctx = egui::Context::default();
    let rss_before = rss_mb()?;
    let start = Instant::now();
    let config = AppConfig {
        control_socket: false,
        system_clipboard: false,
        ..AppConfig::new(dir.to_path_buf())
    };
    let mut app = SpacesApp::new(&ctx, config)?;
    let constructed = start.elapsed();
    let first = frame(&ctx, &mut app);
    let first_frame = start.elapsed();
    let rss_after = rss_mb()?;
    let second = frame(&ctx, &mut app);
    verify(&app, spec)?;
    let resized = resized_panes(dir, &pane_sizes(&app))?;
    let report = json!({
        "panes": spec.panes,
        "lines": spec.lines,
        "first_frame_ms": ms(first_frame),
        "rss_per_pane_mb": round2((rss_after - rss_before) / spec.panes as f64),
        "rss_before_mb": round2(rss_before),
        "rss_after_mb": round2(rss_after),
        "app_new_ms": ms(constructed),
        "frame_run_ms": ms(first.run),
        "frame_tessellate_ms": ms(first.tessellate),
        "frame_vertices": first.vertices,
        "second_frame_ms": ms(second.run + second.tessellate),
        "panes_resized_by_first_frame": resized,
    });
    println!("{report}");
    Ok(())
}

/// Times of one headless frame.
struct FrameTimes {
    run: Duration,
    tessellate: Duration,
    vertices: usize,
}

/// One frame of the whole window at `SCREEN` size, tessellated as a backend would.
fn frame(ctx: &egui::Context, app: &mut SpacesApp) -> FrameTimes {
    let input = egui::RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SCREEN)),
        ..Default::default()
    };
    let start = Instant::now();
    let output = ctx.run_ui(input, |ui| app.show(ui));
    let run = start.elapsed();
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    let tessellate = start.elapsed() - run;
    let vertices = primitives
        .iter()
        .map(|clipped| match &clipped.primitive {
            egui::epaint::Primitive::Mesh(mesh) => mesh.vertices.len(),
            egui::epaint::Primitive::Callback(_) => 0,
        })
        .sum();
    FrameTimes {
        run,
        tessellate,
        vertices,
    }
}

/// Fails unless every pane was restored, is shown, and its screen holds its last line.
fn verify(app: &SpacesApp, spec: &Spec) -> anyhow::Result<()> {
    let visible = crate::ui::layout::visible_panes(app.tree()).len();
    let mut problems = Vec::new();
    if visible != spec.panes {
        problems.push(format!("{visible} panes shown, expected {}", spec.panes));
    }
    for index in 1..=spec.panes as u64 {
        let marker = workload::line_marker(index, spec.lines);
        let Some(entry) = app.panes().get(PaneId(index)) else {
            problems.push(format!("pane {index} was not restored"));
            continue;
        };
        let screen = entry.terminal.read(spaces_term::text::screen);
        if !screen.iter().any(|row| row.contains(&marker)) {
            problems.push(format!(
                "pane {index}: {marker} is not on its screen:\n{}",
                screen.join("\n")
            ));
        }
    }
    anyhow::ensure!(
        problems.is_empty(),
        "the restore is wrong:\n{}\nnotices: {:?}",
        problems.join("\n"),
        app.notices()
    );
    Ok(())
}

fn pane_sizes(app: &SpacesApp) -> Vec<(PaneId, TermSize)> {
    app.panes()
        .ids()
        .into_iter()
        .filter_map(|id| Some((id, app.panes().get(id)?.terminal.size())))
        .collect()
}

/// Panes whose saved size differs from the size the window gave them (a resize reflows).
fn resized_panes(dir: &Path, shown: &[(PaneId, TermSize)]) -> anyhow::Result<usize> {
    let database = Database::open_readonly(&spaces_store::database_path(dir))?;
    let records = database.list_panes(spaces_store::WorkspaceId(1))?;
    Ok(records
        .iter()
        .filter(|record| {
            let pane = crate::model::persistence::pane_id(record.id);
            shown
                .iter()
                .any(|(id, now)| *id == pane && (now.cols, now.rows) != (record.cols, record.rows))
        })
        .count())
}

/// In this process, on an untouched copy of the fixture: the steps of `SpacesApp::new` by
/// wall clock, then the same work split up (replay alone in parallel, shells alone in
/// parallel, and each part summed over the panes on one thread). Prints one JSON line.
pub fn measure_parts(dir: &Path) -> anyhow::Result<()> {
    // The restored panes write new snapshots when they stop: time the parts on a copy.
    let pristine = dir.with_extension("pristine");
    copy_database(dir, &pristine)?;
    let steps = app_steps(dir)?;
    let result = parts_on(&pristine, steps);
    let _ignored = std::fs::remove_dir_all(&pristine);
    result
}

fn parts_on(dir: &Path, steps: Value) -> anyhow::Result<()> {
    let database = Database::open_readonly(&spaces_store::database_path(dir))?;
    let records = database.list_panes(spaces_store::WorkspaceId(1))?;
    let mut notices = Vec::new();
    let plans = crate::model::restore::load_plans(&database, records.clone(), &mut notices);
    let clock = Instant::now();
    let terms = parallel_replay(&plans);
    let replay_wall = clock.elapsed();
    let clock = Instant::now();
    let shells = parallel_spawn(dir, plans.len())?;
    let spawn_wall = clock.elapsed();
    drop((terms, shells));
    let clock = Instant::now();
    let both = parallel_spawn_and_replay(dir, &plans)?;
    let both_wall = clock.elapsed();
    drop(both);
    let serial = serial_parts(&database, records)?;
    let report = json!({
        "app_new_steps_wall_ms": steps,
        "parallel_replay_only_wall_ms": ms(replay_wall),
        "parallel_spawn_only_wall_ms": ms(spawn_wall),
        "parallel_spawn_then_replay_per_thread_wall_ms": ms(both_wall),
        "serial_sums_ms": serial,
    });
    println!("{report}");
    Ok(())
}

/// What `SpacesApp::new` does with the database and the panes, step by step (wall clock
/// from the start).
fn app_steps(dir: &Path) -> anyhow::Result<Value> {
    let start = Instant::now();
    let (opened, database) = crate::model::persistence::Persistence::open(dir);
    let opened_at = start.elapsed();
    let mut persistence = opened.persistence;
    let saved = opened.saved.context("nothing saved")?;
    let database = database.context("no database")?;
    let mut notices = Vec::new();
    let plans = crate::model::restore::load_plans(&database, saved.panes.clone(), &mut notices);
    let loaded_at = start.elapsed();
    persistence
        .start_recorder(database, None)
        .map_err(anyhow::Error::msg)?;
    let recorder_at = start.elapsed();
    let (events, _receiver) = crossbeam_channel::unbounded();
    let mut panes = crate::model::Panes::new(spaces_term::Listeners {
        events,
        wake: std::sync::Arc::new(|| {}),
        sink: persistence.sink(),
        palette: std::sync::Arc::new(spaces_term::palette::Palette::default()),
    });
    let base = spaces_term::SpawnOptions {
        scrollback_lines: 10_000,
        snapshot_interval: Some(Duration::from_secs(10)),
        ..spaces_term::SpawnOptions::default()
    };
    let failed = panes.restore_all(
        &plans,
        &base,
        &crate::model::restore::ResumePolicy::default(),
    );
    anyhow::ensure!(failed.is_empty(), "panes not replayed: {failed:?}");
    let restored_at = start.elapsed();
    Ok(json!({
        "open_database": ms(opened_at),
        "load_plans": ms(loaded_at),
        "start_recorder": ms(recorder_at),
        "restore_all": ms(restored_at),
    }))
}

/// Every plan replayed into its own terminal, one thread per pane, no process started.
fn parallel_replay(plans: &[crate::model::restore::RestorePlan]) -> Vec<spaces_term::Term> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .iter()
            .map(|plan| {
                scope.spawn(move || {
                    let size = TermSize::new(plan.record.cols, plan.record.rows);
                    let mut term = new_replay_term(size, 10_000);
                    plan.replay_into(&mut term);
                    term
                })
            })
            .collect();
        crate::model::threads::join_all(handles)
    })
}

/// `count` login shells started at once, one thread each (while the replayed terminals are
/// still in memory: a fork copies the page tables of a big process).
fn parallel_spawn(dir: &Path, count: usize) -> anyhow::Result<Vec<spaces_term::Terminal>> {
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .map(|index| scope.spawn(move || login_shell(dir, PaneId(1000 + index as u64))))
            .collect();
        crate::model::threads::join_all(handles)
    });
    results.into_iter().collect()
}

/// As `restore_all` without recording: each thread starts a shell, then replays its plan.
fn parallel_spawn_and_replay(
    dir: &Path,
    plans: &[crate::model::restore::RestorePlan],
) -> anyhow::Result<Vec<(spaces_term::Terminal, spaces_term::Term)>> {
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .iter()
            .enumerate()
            .map(|(index, plan)| {
                scope.spawn(move || {
                    let shell = login_shell(dir, PaneId(2000 + index as u64))?;
                    let size = TermSize::new(plan.record.cols, plan.record.rows);
                    let mut term = new_replay_term(size, 10_000);
                    plan.replay_into(&mut term);
                    Ok((shell, term))
                })
            })
            .collect();
        crate::model::threads::join_all(handles)
    });
    results.into_iter().collect()
}

/// The restore's parts timed one after another on this thread, summed over the panes.
fn serial_parts(
    database: &Database,
    records: Vec<spaces_store::PaneRecord>,
) -> anyhow::Result<Value> {
    let mut totals = [Duration::ZERO; 5];
    let mut tail_bytes = 0;
    for record in records {
        let size = TermSize::new(record.cols, record.rows);
        let clock = Instant::now();
        let snapshot = database
            .latest_snapshot(record.id)?
            .context("no snapshot")?;
        let tail = database.output_since(record.id, snapshot.output_offset)?;
        totals[0] += clock.elapsed();
        let mut term = new_replay_term(size, 10_000);
        let clock = Instant::now();
        spaces_term::snapshot::restore_into(&mut term, &snapshot.data)?;
        totals[1] += clock.elapsed();
        let clock = Instant::now();
        let mut replayer = Replayer::default();
        for chunk in &tail {
            tail_bytes += chunk.bytes.len();
            replayer.feed(&mut term, &chunk.bytes);
        }
        replayer.finish(&mut term);
        totals[2] += clock.elapsed();
        let clock = Instant::now();
        let plan = crate::model::restore::RestorePlan::load(database, record)?;
        totals[3] += clock.elapsed();
        let mut term = new_replay_term(size, 10_000);
        let clock = Instant::now();
        plan.replay_into(&mut term);
        totals[4] += clock.elapsed();
    }
    let clock = Instant::now();
    let shell = login_shell(&std::env::temp_dir(), PaneId(999))?;
    let spawn = clock.elapsed();
    drop(shell);
    Ok(json!({
        "read_snapshot_and_tail": ms(totals[0]),
        "decode_snapshot": ms(totals[1]),
        "replay_tail": ms(totals[2]),
        "tail_bytes": tail_bytes,
        "restore_plan_load": ms(totals[3]),
        "restore_plan_replay_into": ms(totals[4]),
        "spawn_one_login_shell": ms(spawn),
    }))
}

/// A login shell pane in `dir`, reporting nowhere.
fn login_shell(dir: &Path, id: PaneId) -> anyhow::Result<spaces_term::Terminal> {
    let (events, _receiver) = crossbeam_channel::unbounded();
    let listeners = spaces_term::Listeners {
        events,
        wake: std::sync::Arc::new(|| {}),
        sink: None,
        palette: std::sync::Arc::new(spaces_term::palette::Palette::default()),
    };
    let options = spaces_term::SpawnOptions {
        cwd: Some(dir.to_path_buf()),
        ..spaces_term::SpawnOptions::default()
    };
    Ok(spaces_term::Terminal::spawn(id, options, listeners)?)
}

/// For the fixture: writes records with `write`, starts the app on them headless and returns
/// the grid size each pane gets in a `SCREEN`-sized window.
pub fn probe_sizes(
    dir: &Path,
    write: impl FnOnce(&Database) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<(PaneId, TermSize)>> {
    spaces_store::ensure_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let database = Database::open(&spaces_store::database_path(dir))?;
    write(&database)?;
    drop(database);
    let ctx = egui::Context::default();
    let config = AppConfig {
        control_socket: false,
        system_clipboard: false,
        ..AppConfig::new(PathBuf::from(dir))
    };
    let mut app = SpacesApp::new(&ctx, config)?;
    for _ in 0..PROBE_FRAMES {
        frame(&ctx, &mut app);
    }
    Ok(pane_sizes(&app))
}

/// Resident memory of this process, in MB.
fn rss_mb() -> anyhow::Result<f64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/self/status")?;
    Ok(kb / 1024.0)
}

fn ms(duration: Duration) -> f64 {
    round2(duration.as_secs_f64() * 1000.0)
}

fn round2(value: f64) -> f64 {
    super::round2(value)
}
