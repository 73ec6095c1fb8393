//! Painting a pane: its background, the cached grid mesh (rebuilt only when the grid, its
//! place, focus, the cursor's blink phase or the glyph atlas changed), the scroll position
//! bar and the focus frame.

use std::sync::Arc;
use std::time::Duration;

use egui::{CornerRadius, Rect, Shape, Stroke, StrokeKind, Vec2};
use spaces_term::alacritty_terminal::grid::Dimensions as _;
use spaces_term::alacritty_terminal::vte::ansi::NamedColor;

use super::{GridGeometry, PaneView, ViewContext};
use crate::model::Pane;
use crate::ui::render::grid_mesh::{GridStyle, build_grid_mesh};
use crate::ui::theme;

/// How long each half of a blinking cursor lasts.
const BLINK_HALF: Duration = Duration::from_millis(530);
/// How long after the last key a cursor keeps blinking.
const BLINK_FOR: Duration = Duration::from_secs(5);

/// What a cached mesh was built from: while it is the same, the mesh is reused.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct MeshKey {
    generation: u64,
    style: GridStyle,
    glyph_epoch: u64,
    cell: Vec2,
}

pub(super) fn paint(
    ui: &egui::Ui,
    grid: GridGeometry,
    pane: &Pane,
    view: &mut PaneView,
    cx: &mut ViewContext<'_>,
    focused: bool,
) {
    let rect = grid.rect;
    let painter = ui.painter_at(rect);
    let ctx = ui.ctx();
    // One short read for the small facts this frame needs besides the mesh.
    let (blinking, offset, history, background) = pane.terminal.read(|term| {
        let grid = term.grid();
        (
            focused && term.cursor_style().blinking,
            grid.display_offset(),
            grid.history_size(),
            // The background a program set (OSC 11) fills the padding too.
            term.colors()[NamedColor::Background].unwrap_or(cx.palette.background),
        )
    });
    painter.rect_filled(rect, CornerRadius::ZERO, theme::rgb(background));
    let time = ctx.input(|input| input.time);
    // As in kitty: a cursor blinks for a while after typing, then stays on (no more frames).
    let blinking = blinking && time - view.last_typed < BLINK_FOR.as_secs_f64();
    let cursor_blink_on = if blinking {
        let half = BLINK_HALF.as_secs_f64();
        let phase = (time / half) as u64;
        let until_flip = half - time % half;
        ctx.request_repaint_after(Duration::from_secs_f64(until_flip));
        phase.is_multiple_of(2)
    } else {
        true
    };
    let key = MeshKey {
        generation: pane.terminal.generation(),
        style: GridStyle {
            origin: grid.origin,
            focused,
            cursor_blink_on,
        },
        glyph_epoch: cx.glyphs.epoch(),
        cell: cx.glyphs.cell_size(),
    };
    let mesh = match &view.mesh {
        Some((cached, mesh)) if *cached == key => mesh.clone(),
        _ => {
            let mesh = Arc::new(
                pane.terminal
                    .read(|term| build_grid_mesh(term, cx.glyphs, ctx, cx.palette, key.style)),
            );
            view.mesh = Some((key, mesh.clone()));
            mesh
        }
    };
    painter.add(Shape::Mesh(mesh));
    highlight_matches(&painter, grid, pane, offset, cx);
    if let Some(cells) = &view.hovered_link {
        underline(
            &painter,
            grid,
            cells,
            offset,
            theme::rgb(cx.palette.foreground),
        );
    }

    if offset > 0 {
        scroll_indicator(&painter, rect, offset, history, grid.size.rows);
    }
    if focused {
        let accent = ui.visuals().selection.stroke.color;
        painter.rect_stroke(
            rect.shrink(1.0),
            CornerRadius::ZERO,
            Stroke::new(2.0, accent),
            StrokeKind::Inside,
        );
    }
}

/// Most matches highlighted at once (a one-letter search on a full screen stays quick).
const MAX_HIGHLIGHTS: usize = 2000;

/// The find bar's matches in view, each cell of them tinted.
fn highlight_matches(
    painter: &egui::Painter,
    grid: GridGeometry,
    pane: &Pane,
    offset: usize,
    cx: &mut ViewContext<'_>,
) {
    let Some((_, search)) = cx
        .find
        .as_mut()
        .filter(|(find_pane, _)| *find_pane == pane.terminal.id())
    else {
        return;
    };
    let (matches, last_column) = pane.terminal.read(|term| {
        (
            crate::ui::find::visible_matches(term, search, MAX_HIGHLIGHTS),
            term.last_column().0,
        )
    });
    let offset = offset as i32;
    for found in matches {
        let (start, end) = (*found.start(), *found.end());
        for line in start.line.0..=end.line.0 {
            let first = if line == start.line.0 {
                start.column.0
            } else {
                0
            };
            let last = if line == end.line.0 {
                end.column.0
            } else {
                last_column
            };
            let row = (line + offset) as f32;
            let min = grid.origin + Vec2::new(first as f32 * grid.cell.x, row * grid.cell.y);
            let size = Vec2::new((last + 1 - first) as f32 * grid.cell.x, grid.cell.y);
            painter.rect_filled(
                Rect::from_min_size(min, size),
                CornerRadius::ZERO,
                theme::FIND_HIGHLIGHT,
            );
        }
    }
}

/// A line under the cells of the link the pointer is on.
fn underline(
    painter: &egui::Painter,
    grid: GridGeometry,
    cells: &[spaces_term::alacritty_terminal::index::Point],
    offset: usize,
    color: egui::Color32,
) {
    for point in cells {
        let row = point.line.0 + offset as i32;
        if row < 0 || row >= i32::from(grid.size.rows) {
            continue;
        }
        let x = grid.origin.x + point.column.0 as f32 * grid.cell.x;
        let y = grid.origin.y + (row + 1) as f32 * grid.cell.y - 1.0;
        painter.line_segment(
            [egui::pos2(x, y), egui::pos2(x + grid.cell.x, y)],
            Stroke::new(1.0, color),
        );
    }
}

/// A thin bar on the right edge showing where in the history the view is.
fn scroll_indicator(painter: &egui::Painter, rect: Rect, offset: usize, history: usize, rows: u16) {
    let total = (history + usize::from(rows)) as f32;
    let visible = f32::from(rows) / total;
    let top = (history - offset) as f32 / total;
    let height = rect.height() * visible.max(0.02);
    let y = rect.top() + rect.height() * top;
    let bar = Rect::from_min_max(
        egui::pos2(rect.right() - 5.0, y),
        egui::pos2(rect.right() - 2.0, (y + height).min(rect.bottom())),
    );
    painter.rect_filled(bar, CornerRadius::same(2), theme::SCROLL_INDICATOR);
}
