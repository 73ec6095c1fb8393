//! `spaces bench usage`: the analytics on a year of heavy use (by default a million usage
//! rows: 2,000 sessions of 500 responses, three agents, seven models, twenty projects). Times
//! the queries the Usage view and the sessions panel ask (through the same function the
//! sessions worker calls), then the CPU time of a frame of the Usage view drawing the whole
//! year (egui run and tessellation, headless).

use std::time::Instant;

use anyhow::Context as _;
use chrono::NaiveDate;
use egui::{Pos2, Rect, vec2};
use serde_json::json;
use spaces_store::Database;
use spaces_store::usage::{Pricing, UsageQuery};

use super::render::{ms, percentile, round3};
use crate::model::sessions::{SessionAnswer, UsageAnswer, usage_answer};
use crate::ui::usage::UsageView;

/// Timed runs of each query (after one untimed run).
const QUERY_RUNS: usize = 21;
/// Frames drawn before measuring (font atlas, plot memory).
const WARM_UP: usize = 10;

pub fn run(sessions: i64, responses: i64, frames: usize, json_only: bool) -> anyhow::Result<()> {
    let say = |text: String| {
        if !json_only {
            eprintln!("{text}");
        }
    };
    let directory = std::env::temp_dir().join(format!("spaces-bench-usage-{}", std::process::id()));
    spaces_store::ensure_private_dir(&directory)?;
    let database = Database::open(&directory.join("spaces.db")).context("opening the index")?;
    let started = Instant::now();
    database.generate_usage(sessions, responses)?;
    say(format!(
        "{} usage rows written in {:.1?}",
        sessions * responses,
        started.elapsed()
    ));

    let prices = Pricing::built_in();
    let whole_year = UsageQuery::default();
    let last_30_days = UsageQuery {
        since: NaiveDate::from_ymd_opt(2025, 12, 2),
        until: NaiveDate::from_ymd_opt(2025, 12, 31),
        ..UsageQuery::default()
    };
    let mut answer = None;
    let mut view_all = time_runs(|| {
        answer = Some(usage_answer(&database, &whole_year, &prices, None)?);
        Ok(())
    })?;
    let mut view_30 = time_runs(|| {
        usage_answer(&database, &last_30_days, &prices, None)?;
        Ok(())
    })?;
    let mut panel = time_runs(|| {
        database.sessions_usage(&prices)?;
        Ok(())
    })?;
    let Some(SessionAnswer::Usage(answer)) = answer else {
        anyhow::bail!("the usage query failed");
    };
    let responses_counted = answer.by_day.totals.responses;
    anyhow::ensure!(
        responses_counted == (sessions * responses) as u64,
        "counted {responses_counted} responses of {}",
        sessions * responses
    );
    let (view_all_p50, view_30_p50, panel_p50) = (
        percentile(&mut view_all, 0.5),
        percentile(&mut view_30, 0.5),
        percentile(&mut panel, 0.5),
    );
    say(format!(
        "Usage view, whole year: p50 {view_all_p50:.1} ms; last 30 days: p50 {view_30_p50:.1} ms; \
         sessions panel costs: p50 {panel_p50:.1} ms"
    ));

    let mut frame_times = frame_times(*answer, frames.max(1));
    let (frame_p50, frame_p99) = (
        percentile(&mut frame_times, 0.5),
        percentile(&mut frame_times, 0.99),
    );
    say(format!(
        "Usage view frame (365 days, 7 models): p50 {frame_p50:.2} ms, p99 {frame_p99:.2} ms"
    ));
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "usage_rows": sessions * responses,
            "view_query_whole_year_p50_ms": round3(view_all_p50),
            "view_query_last_30_days_p50_ms": round3(view_30_p50),
            "sessions_panel_costs_p50_ms": round3(panel_p50),
            "view_frame_p50_ms": round3(frame_p50),
            "view_frame_p99_ms": round3(frame_p99),
        }))?
    );
    let _ignored = std::fs::remove_dir_all(&directory);
    Ok(())
}

/// Milliseconds of each of [`QUERY_RUNS`] runs of `query`.
fn time_runs(mut query: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Vec<f64>> {
    query()?;
    let mut times = Vec::with_capacity(QUERY_RUNS);
    for _ in 0..QUERY_RUNS {
        let started = Instant::now();
        query()?;
        times.push(ms(started.elapsed()));
    }
    Ok(times)
}

/// Milliseconds of CPU per frame of the Usage view showing `answer`: egui's run plus
/// tessellation, as in `bench render`, in a 1600x1000 window.
fn frame_times(answer: UsageAnswer, frames: usize) -> Vec<f64> {
    let ctx = egui::Context::default();
    let mut view = UsageView::default();
    view.show_answer(answer);
    let mut times = Vec::with_capacity(frames);
    for frame in 0..frames + WARM_UP {
        let input = egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1600.0, 1000.0))),
            ..Default::default()
        };
        let started = Instant::now();
        let mut output = ctx.run_ui(input, |ui| view.draw(ui.ctx()));
        // No GPU here: the font atlas updates are dropped on purpose.
        output.textures_delta.clear();
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = started.elapsed();
        std::hint::black_box(primitives);
        if frame >= WARM_UP {
            times.push(ms(elapsed));
        }
    }
    times
}
