//! `spaces bench render`: CPU time of a frame of busy panes, headless. Every pane's every row
//! changes before each frame, so no mesh can be reused: the worst case of the renderer.

use std::time::{Duration, Instant};

use egui::{CornerRadius, Pos2, Rect, Shape, vec2};
use serde_json::json;
use spaces_term::TermSize;
use spaces_term::palette::Palette;
use spaces_term::replay::{ReplayTerm, new_replay_term, replay_bytes};

use crate::ui::render::glyph_cache::GlyphCache;
use crate::ui::render::grid_mesh::{GridStyle, build_grid_mesh};

/// Frames run before measuring (font atlas filling, allocator warm-up).
const WARM_UP: usize = 20;

pub fn run(panes: usize, cols: u16, rows: u16, frames: usize, json: bool) -> anyhow::Result<()> {
    let ctx = egui::Context::default();
    crate::ui::render::glyph_cache::install_faces(&ctx);
    let palette = Palette::default();
    let mut glyphs = GlyphCache::new(14.0);
    let background = crate::ui::theme::rgb(palette.background);
    let mut terms: Vec<ReplayTerm> = (0..panes)
        .map(|_| new_replay_term(TermSize::new(cols, rows), 1000))
        .collect();
    // Lay the panes out in a grid, as a 4x4 window would.
    let per_row = (panes as f64).sqrt().ceil().max(1.0) as usize;
    let screen = vec2(
        per_row as f32 * f32::from(cols) * 9.0,
        per_row as f32 * f32::from(rows) * 18.0,
    );
    let mut times = Vec::with_capacity(frames);
    // Breakdown of each frame: building the meshes, the rest of egui's run, tessellation.
    let mut build_times = Vec::with_capacity(frames);
    let mut egui_times = Vec::with_capacity(frames);
    let mut tessellate_times = Vec::with_capacity(frames);
    let mut seed = 1u64;
    for frame in 0..frames + WARM_UP {
        for term in &mut terms {
            seed += 1;
            replay_bytes(term, &busy_screen(cols, rows, seed));
        }
        let input = egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, screen)),
            ..Default::default()
        };
        let mut build = Duration::ZERO;
        let start = Instant::now();
        let output = ctx.run_ui(input, |ui| {
            glyphs.begin_frame(ui.ctx());
            let cell = glyphs.cell_size();
            for (index, term) in terms.iter().enumerate() {
                let origin = Pos2::new(
                    (index % per_row) as f32 * f32::from(cols) * cell.x,
                    (index / per_row) as f32 * f32::from(rows) * cell.y,
                );
                let style = GridStyle {
                    origin,
                    focused: index == 0,
                    cursor_blink_on: true,
                };
                let built = Instant::now();
                let mesh = build_grid_mesh(term, &mut glyphs, ui.ctx(), &palette, style);
                build += built.elapsed();
                // As the terminal view paints a pane: clipped to the pane, on its background.
                let rect = Rect::from_min_size(
                    origin,
                    vec2(f32::from(cols) * cell.x, f32::from(rows) * cell.y),
                );
                let painter = ui.painter_at(rect);
                painter.rect_filled(rect, CornerRadius::ZERO, background);
                painter.add(Shape::mesh(mesh));
            }
        });
        let ran = start.elapsed();
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = start.elapsed();
        std::hint::black_box(primitives);
        if frame >= WARM_UP {
            times.push(ms(elapsed));
            build_times.push(ms(build));
            egui_times.push(ms(ran.saturating_sub(build)));
            tessellate_times.push(ms(elapsed.saturating_sub(ran)));
        }
    }
    let (p50, p99) = (percentile(&mut times, 0.50), percentile(&mut times, 0.99));
    let build = percentile(&mut build_times, 0.50);
    let egui = percentile(&mut egui_times, 0.50);
    let tessellate = percentile(&mut tessellate_times, 0.50);
    if json {
        println!(
            "{}",
            json!({
                "panes": panes, "cols": cols, "rows": rows, "frames": times.len(),
                "p50_ms": round3(p50),
                "p99_ms": round3(p99),
                "breakdown_p50_ms": {
                    "build_meshes": round3(build),
                    "egui_run_rest": round3(egui),
                    "tessellate": round3(tessellate),
                },
            })
        );
    } else {
        println!(
            "{panes} panes of {cols}x{rows}, {} frames: p50 {p50:.2} ms, p99 {p99:.2} ms \
             (p50 of parts: build meshes {build:.2} ms, rest of egui run {egui:.2} ms, \
             tessellate {tessellate:.2} ms)",
            times.len()
        );
    }
    Ok(())
}

pub(super) fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub(super) fn round3(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// The `p` quantile of `times` (sorts them).
pub(super) fn percentile(times: &mut [f64], p: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    times[((times.len() - 1) as f64 * p).round() as usize]
}

/// A full screen of coloured text that differs with `seed`: every row changes.
fn busy_screen(cols: u16, rows: u16, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::from(cols) * usize::from(rows) * 2);
    out.extend_from_slice(b"\x1b[H");
    for row in 0..rows {
        let colour = 31 + (seed + u64::from(row)) % 7;
        out.extend_from_slice(format!("\x1b[{colour}m").as_bytes());
        for col in 0..cols {
            let c = b'!' + ((seed * 7 + u64::from(row) * 13 + u64::from(col)) % 90) as u8;
            out.push(c);
        }
        out.extend_from_slice(b"\x1b[0m");
        if row + 1 < rows {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}
