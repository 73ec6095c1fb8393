//! The view of one terminal pane: paints its grid as one cached mesh, turns keyboard and mouse
//! input into bytes for the child, and handles selection and scrollback.

use std::sync::Arc;
use std::time::Duration;

use alacritty_terminal::grid::{Dimensions, Scroll};
use alacritty_terminal::index::{Column, Line, Point, Side};
use alacritty_terminal::selection::{Selection, SelectionType};
use egui::epaint::Mesh;
use egui::{Color32, CornerRadius, Event, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Vec2};
use spaces_term::input::{self, InputModes, MouseAction, MouseButton, ScrollDirection};
use spaces_term::{PaneId, TermSize, alacritty_terminal};

use crate::clipboard::{Clipboard, Selection as ClipboardKind};
use crate::glyph_cache::GlyphCache;
use crate::grid_mesh::{GridStyle, build_grid_mesh};
use crate::keyboard;
use crate::panes::PaneEntry;

/// How long each half of a blinking cursor lasts.
const BLINK_HALF: Duration = Duration::from_millis(530);
/// Inner padding between the pane edge and the grid, in points.
const PADDING: f32 = 4.0;
/// Height of the strip under a pane that says it exited or offers to re-run its command.
const BANNER_HEIGHT: f32 = 30.0;

/// What a pane's view keeps between frames.
#[derive(Default)]
pub struct PaneView {
    mesh: Option<(MeshKey, Arc<Mesh>)>,
    /// Fraction of a line scrolled by the wheel but not yet applied.
    scroll_remainder: f32,
    /// Whether the left button is down inside the grid (selecting or reporting).
    selecting: bool,
    /// The last mouse cell reported to the application (to send motion only on change).
    last_reported_cell: Option<(usize, usize)>,
}

#[derive(Clone, Copy, PartialEq)]
struct MeshKey {
    generation: u64,
    style: GridStyle,
    glyph_epoch: u64,
    cell: Vec2,
}

/// Something the pane asks the app to do after the frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaneRequest {
    /// Open a new pane (the empty window's button).
    NewPane,
    Focus(PaneId),
    Restart(PaneId),
    Close(PaneId),
    /// Run the restored pane's old command again / forget the offer.
    Rerun(PaneId),
    DismissRerun(PaneId),
}

/// Shared resources every pane view uses during one frame.
pub struct ViewContext<'a> {
    pub glyphs: &'a mut GlyphCache,
    pub clipboard: &'a mut Clipboard,
    pub palette: &'a spaces_term::palette::Palette,
    /// The pane with keyboard focus, if the keyboard belongs to the panes this frame.
    pub focused: Option<PaneId>,
    pub keyboard_enabled: bool,
    pub requests: &'a mut Vec<PaneRequest>,
}

/// The egui id of a pane's view (it holds keyboard focus while the pane has it).
pub fn widget_id(pane: PaneId) -> egui::Id {
    egui::Id::unique(("terminal-pane", pane.0))
}

/// The grid size that fits a rectangle.
pub fn grid_size_for(rect: Rect, glyphs: &GlyphCache, pixels_per_point: f32) -> TermSize {
    let cell = glyphs.cell_size();
    let cols = ((rect.width() - 2.0 * PADDING) / cell.x).floor().max(1.0) as u16;
    let rows = ((rect.height() - 2.0 * PADDING) / cell.y).floor().max(1.0) as u16;
    TermSize::new(cols, rows).with_cell_pixels(
        (cell.x * pixels_per_point).round() as u16,
        (cell.y * pixels_per_point).round() as u16,
    )
}

/// Draws one pane and handles its input.
pub fn pane_ui(ui: &mut egui::Ui, id: PaneId, entry: &mut PaneEntry, cx: &mut ViewContext<'_>) {
    let full = ui.available_rect_before_wrap();
    // A banner (exit, re-run offer) takes the bottom strip; the grid keeps every row visible.
    let has_banner = entry.terminal.exit_info().is_some() || entry.rerun_offer.is_some();
    let rect = if has_banner {
        Rect::from_min_max(
            full.min,
            egui::pos2(
                full.max.x,
                (full.max.y - BANNER_HEIGHT).max(full.min.y + 1.0),
            ),
        )
    } else {
        full
    };
    let widget_id = widget_id(id);
    let response = ui.interact(rect, widget_id, Sense::click_and_drag());
    let focused = cx.focused == Some(id);
    let ctx = ui.ctx().clone();

    entry
        .terminal
        .resize(grid_size_for(rect, cx.glyphs, ctx.pixels_per_point()));
    let origin = rect.min + Vec2::splat(PADDING);

    if response.clicked() || response.drag_started() || response.secondary_clicked() {
        cx.requests.push(PaneRequest::Focus(id));
    }
    if focused && cx.keyboard_enabled {
        response.request_focus();
        ui.memory_mut(|memory| {
            memory.set_focus_lock_filter(
                widget_id,
                egui::EventFilter {
                    tab: true,
                    horizontal_arrows: true,
                    vertical_arrows: true,
                    escape: true,
                },
            );
        });
        handle_keyboard(ui, entry);
    }
    handle_mouse(ui, &response, rect, origin, entry, cx);

    paint(ui, rect, origin, entry, cx, focused);
    if let Some(exit) = entry.terminal.exit_info() {
        exit_banner(ui, full, id, &exit.to_string(), cx.requests);
    } else if let Some(command) = &entry.rerun_offer {
        rerun_banner(ui, full, id, command, cx.requests);
    }
}

fn handle_keyboard(ui: &egui::Ui, entry: &mut PaneEntry) {
    let (events, held) = ui.input(|input| (input.events.clone(), input.modifiers));
    let modes = input_modes(entry);
    let mut typed = false;
    for event in &events {
        let bytes = match event {
            Event::Paste(text) => Some(input::encode_paste(text, modes)),
            other => keyboard::encode_event(other, held, modes),
        };
        if let Some(bytes) = bytes {
            entry.terminal.write(bytes);
            typed = true;
        }
    }
    if typed {
        // Typing returns the view to the live screen, as in every terminal.
        scroll_to_bottom(entry);
    }
}

fn input_modes(entry: &PaneEntry) -> InputModes {
    InputModes::from_term_mode(*entry.terminal.term().lock().mode())
}

pub fn scroll_to_bottom(entry: &PaneEntry) {
    let mut term = entry.terminal.term().lock();
    if term.grid().display_offset() != 0 {
        term.scroll_display(Scroll::Bottom);
        drop(term);
        entry.terminal.mark_changed();
    }
}

/// The grid cell under a position, and which half of it.
fn cell_at(pos: Pos2, origin: Pos2, cell: Vec2, size: TermSize) -> (usize, usize, Side) {
    let x = ((pos.x - origin.x) / cell.x).max(0.0);
    let y = ((pos.y - origin.y) / cell.y).max(0.0);
    let column = (x.floor() as usize).min(usize::from(size.cols) - 1);
    let row = (y.floor() as usize).min(usize::from(size.rows) - 1);
    let side = if x.fract() < 0.5 {
        Side::Left
    } else {
        Side::Right
    };
    (column, row, side)
}

fn handle_mouse(
    ui: &egui::Ui,
    response: &egui::Response,
    rect: Rect,
    origin: Pos2,
    entry: &mut PaneEntry,
    cx: &mut ViewContext<'_>,
) {
    let cell = cx.glyphs.cell_size();
    let size = entry.terminal.size();
    let modes = input_modes(entry);
    let (shift, mods) = ui.input(|input| {
        let m = input.modifiers;
        (
            m.shift,
            input::Modifiers {
                shift: m.shift,
                ctrl: m.ctrl,
                alt: m.alt,
            },
        )
    });
    // Shift overrides mouse reporting so the user can always select text.
    let reporting = modes.mouse_report != input::MouseReport::Off && !shift;

    if response.hovered() {
        handle_wheel(ui, origin, cell, size, entry, modes, reporting, mods);
    }

    if reporting {
        report_mouse(ui, rect, origin, cell, size, entry, modes, mods);
        return;
    }

    let Some(pointer) = response.interact_pointer_pos().or(response.hover_pos()) else {
        return;
    };
    let (column, row, side) = cell_at(pointer, origin, cell, size);
    let point = |term: &spaces_term::Term| {
        let offset = term.grid().display_offset() as i32;
        Point::new(Line(row as i32 - offset), Column(column))
    };

    if response.triple_clicked() || response.double_clicked() {
        let kind = if response.triple_clicked() {
            SelectionType::Lines
        } else {
            SelectionType::Semantic
        };
        let mut term = entry.terminal.term().lock();
        let at = point(&term);
        term.selection = Some(Selection::new(kind, at, side));
        let text = term.selection_to_string();
        drop(term);
        copy_to_primary(cx.clipboard, text);
        entry.terminal.mark_changed();
    } else if response.drag_started_by(egui::PointerButton::Primary) {
        let mut term = entry.terminal.term().lock();
        let at = point(&term);
        term.selection = Some(Selection::new(SelectionType::Simple, at, side));
        entry.view.selecting = true;
        drop(term);
        entry.terminal.mark_changed();
    } else if entry.view.selecting && response.dragged_by(egui::PointerButton::Primary) {
        let mut term = entry.terminal.term().lock();
        let at = point(&term);
        if let Some(selection) = &mut term.selection {
            selection.update(at, side);
        }
        drop(term);
        entry.terminal.mark_changed();
        // Dragging past the top or bottom edge scrolls the history.
        if pointer.y < rect.top() {
            scroll_lines(entry, 1);
        } else if pointer.y > rect.bottom() {
            scroll_lines(entry, -1);
        }
    } else if response.drag_stopped() && entry.view.selecting {
        entry.view.selecting = false;
        let text = entry.terminal.term().lock().selection_to_string();
        copy_to_primary(cx.clipboard, text);
    } else if response.clicked() {
        let mut term = entry.terminal.term().lock();
        if term.selection.take().is_some() {
            drop(term);
            entry.terminal.mark_changed();
        }
    }
    if response.middle_clicked()
        && let Some(text) = cx.clipboard.get(ClipboardKind::Primary)
    {
        entry.terminal.write(input::encode_paste(&text, modes));
        scroll_to_bottom(entry);
    }
}

fn copy_to_primary(clipboard: &mut Clipboard, text: Option<String>) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        clipboard.set(ClipboardKind::Primary, text);
    }
}

fn scroll_lines(entry: &PaneEntry, lines: i32) {
    entry
        .terminal
        .term()
        .lock()
        .scroll_display(Scroll::Delta(lines));
    entry.terminal.mark_changed();
}

#[allow(
    clippy::too_many_arguments,
    reason = "the pieces of one mouse event, kept flat"
)]
fn handle_wheel(
    ui: &egui::Ui,
    origin: Pos2,
    cell: Vec2,
    size: TermSize,
    entry: &mut PaneEntry,
    modes: InputModes,
    reporting: bool,
    mods: input::Modifiers,
) {
    let (delta, pointer) = ui.input(|input| {
        let mut lines = 0.0;
        for event in &input.events {
            if let Event::MouseWheel { unit, delta, .. } = event {
                lines += match unit {
                    egui::MouseWheelUnit::Line => delta.y * 3.0,
                    egui::MouseWheelUnit::Point => delta.y / cell.y,
                    egui::MouseWheelUnit::Page => delta.y * f32::from(size.rows),
                };
            }
        }
        (lines, input.pointer.hover_pos())
    });
    if delta == 0.0 {
        return;
    }
    entry.view.scroll_remainder += delta;
    let lines = entry.view.scroll_remainder.trunc() as i32;
    entry.view.scroll_remainder -= lines as f32;
    if lines == 0 {
        return;
    }
    let direction = if lines > 0 {
        ScrollDirection::Up
    } else {
        ScrollDirection::Down
    };
    if reporting {
        let (column, row, _) = cell_at(pointer.unwrap_or(origin), origin, cell, size);
        let button = if lines > 0 {
            MouseButton::WheelUp
        } else {
            MouseButton::WheelDown
        };
        for _ in 0..lines.unsigned_abs() {
            if let Some(bytes) =
                input::encode_mouse(button, MouseAction::Press, column, row, mods, modes)
            {
                entry.terminal.write(bytes);
            }
        }
    } else if let Some(bytes) =
        input::encode_alternate_scroll(direction, lines.unsigned_abs() as usize, modes)
    {
        entry.terminal.write(bytes);
    } else {
        scroll_lines(entry, lines);
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the pieces of one mouse event, kept flat"
)]
fn report_mouse(
    ui: &egui::Ui,
    rect: Rect,
    origin: Pos2,
    cell: Vec2,
    size: TermSize,
    entry: &mut PaneEntry,
    modes: InputModes,
    mods: input::Modifiers,
) {
    let events = ui.input(|input| input.events.clone());
    for event in events {
        match event {
            Event::PointerButton {
                pos,
                button,
                pressed,
                ..
            } if rect.contains(pos) || (!pressed && entry.view.selecting) => {
                let button = match button {
                    egui::PointerButton::Primary => MouseButton::Left,
                    egui::PointerButton::Middle => MouseButton::Middle,
                    egui::PointerButton::Secondary => MouseButton::Right,
                    _ => continue,
                };
                let (column, row, _) = cell_at(pos, origin, cell, size);
                let action = if pressed {
                    MouseAction::Press
                } else {
                    MouseAction::Release
                };
                entry.view.selecting = pressed && button == MouseButton::Left;
                entry.view.last_reported_cell = Some((column, row));
                if let Some(bytes) = input::encode_mouse(button, action, column, row, mods, modes) {
                    entry.terminal.write(bytes);
                }
            }
            Event::PointerMoved(pos) if rect.contains(pos) => {
                let (column, row, _) = cell_at(pos, origin, cell, size);
                if entry.view.last_reported_cell == Some((column, row)) {
                    continue;
                }
                entry.view.last_reported_cell = Some((column, row));
                let button = if entry.view.selecting {
                    MouseButton::Left
                } else {
                    MouseButton::NoButton
                };
                if let Some(bytes) =
                    input::encode_mouse(button, MouseAction::Motion, column, row, mods, modes)
                {
                    entry.terminal.write(bytes);
                }
            }
            _ => {}
        }
    }
}

fn paint(
    ui: &egui::Ui,
    rect: Rect,
    origin: Pos2,
    entry: &mut PaneEntry,
    cx: &mut ViewContext<'_>,
    focused: bool,
) {
    let painter = ui.painter_at(rect);
    let background = cx.palette.background;
    painter.rect_filled(
        rect,
        CornerRadius::ZERO,
        Color32::from_rgb(background.r, background.g, background.b),
    );

    let ctx = ui.ctx();
    // One short lock for the small facts this frame needs besides the mesh.
    let (blinking, offset, history) = {
        let term = entry.terminal.term().lock();
        let grid = term.grid();
        (
            focused && term.cursor_style().blinking,
            grid.display_offset(),
            grid.history_size(),
        )
    };
    let cursor_blink_on = if blinking {
        let time = ctx.input(|input| input.time);
        let half = BLINK_HALF.as_secs_f64();
        let phase = (time / half) as u64;
        let until_flip = half - time % half;
        ctx.request_repaint_after(Duration::from_secs_f64(until_flip));
        phase.is_multiple_of(2)
    } else {
        true
    };
    let key = MeshKey {
        generation: entry.terminal.generation(),
        style: GridStyle {
            origin,
            focused,
            cursor_blink_on,
        },
        glyph_epoch: cx.glyphs.epoch(),
        cell: cx.glyphs.cell_size(),
    };
    let mesh = match &entry.view.mesh {
        Some((cached, mesh)) if *cached == key => mesh.clone(),
        _ => {
            let term = entry.terminal.term().lock();
            let mesh = Arc::new(build_grid_mesh(
                &term, cx.glyphs, ctx, cx.palette, key.style,
            ));
            drop(term);
            entry.view.mesh = Some((key, mesh.clone()));
            mesh
        }
    };
    painter.add(Shape::Mesh(mesh));

    if offset > 0 {
        scroll_indicator(&painter, rect, offset, history, entry.terminal.size().rows);
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
    painter.rect_filled(bar, CornerRadius::same(2), Color32::from_white_alpha(90));
}

/// Offers to run a restored pane's old command again: never run without the user asking.
fn rerun_banner(
    ui: &mut egui::Ui,
    rect: Rect,
    id: PaneId,
    command: &[String],
    requests: &mut Vec<PaneRequest>,
) {
    let mut child = banner(ui, rect);
    let line = crate::pane_record::shell_join(command);
    child.label(
        egui::RichText::new(format!("Before the restart this pane ran `{line}`."))
            .color(Color32::from_rgb(150, 200, 240)),
    );
    if child
        .button("Run again")
        .on_hover_text("Ctrl+Shift+Enter")
        .clicked()
    {
        requests.push(PaneRequest::Rerun(id));
    }
    if child.button("Dismiss").clicked() {
        requests.push(PaneRequest::DismissRerun(id));
    }
}

/// A strip along the bottom of the pane, laid out left to right.
fn banner(ui: &mut egui::Ui, rect: Rect) -> egui::Ui {
    let strip = Rect::from_min_max(
        egui::pos2(rect.left(), rect.bottom() - BANNER_HEIGHT),
        rect.max,
    );
    ui.painter().rect_filled(
        strip,
        CornerRadius::ZERO,
        Color32::from_rgba_unmultiplied(40, 40, 48, 240),
    );
    ui.new_child(
        egui::UiBuilder::new()
            .max_rect(strip.shrink2(egui::vec2(8.0, 4.0)))
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    )
}

fn exit_banner(
    ui: &mut egui::Ui,
    rect: Rect,
    id: PaneId,
    message: &str,
    requests: &mut Vec<PaneRequest>,
) {
    let mut child = banner(ui, rect);
    child.label(egui::RichText::new(message).color(Color32::from_rgb(230, 200, 120)));
    if child
        .button("Restart")
        .on_hover_text("Ctrl+Shift+R")
        .clicked()
    {
        requests.push(PaneRequest::Restart(id));
    }
    if child
        .button("Close")
        .on_hover_text("Ctrl+Shift+W")
        .clicked()
    {
        requests.push(PaneRequest::Close(id));
    }
}
