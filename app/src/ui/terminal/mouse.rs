//! The mouse over a pane: selection (click, double and triple click, drag, with the history
//! scrolling past the edges), the wheel, middle-click paste, and mouse reporting to programs
//! that ask for it (Shift overrides reporting so the user can always select).

use alacritty_terminal::grid::Scroll;
use alacritty_terminal::index::{Column, Line, Point};
use alacritty_terminal::selection::{Selection, SelectionType};
use egui::Event;
use spaces_term::alacritty_terminal;
use spaces_term::input::{self, InputModes, MouseAction, MouseButton, ScrollDirection};

use super::{GridGeometry, PaneView, ViewContext};
use crate::model::Pane;
use crate::ui::clipboard::{Clipboard, Selection as ClipboardKind};

/// The modes and modifiers that decide what one frame's mouse events mean.
#[derive(Clone, Copy)]
struct MouseModes {
    modes: InputModes,
    mods: input::Modifiers,
    /// The program gets the events (it asked, and Shift is not held).
    reporting: bool,
}

pub(super) fn handle_mouse(
    ui: &egui::Ui,
    response: &egui::Response,
    grid: GridGeometry,
    pane: &Pane,
    view: &mut PaneView,
    cx: &mut ViewContext<'_>,
) {
    let modes = pane.input_modes();
    let held = ui.input(|input| input.modifiers);
    let mouse = MouseModes {
        modes,
        mods: input::Modifiers {
            shift: held.shift,
            ctrl: held.ctrl,
            alt: held.alt,
        },
        reporting: modes.mouse_report != input::MouseReport::Off && !held.shift,
    };
    if response.hovered() {
        if held.ctrl && !held.shift {
            zoom_with_wheel(ui, cx.glyphs);
        } else {
            handle_wheel(ui, grid, pane, view, mouse);
        }
    }
    // A link under the pointer is underlined; Ctrl+click opens it, even where the program
    // takes the mouse.
    let link = response
        .hover_pos()
        .and_then(|pointer| link_under(grid, pointer, pane));
    view.hovered_link = link.as_ref().map(|link| link.cells.clone());
    if held.ctrl
        && !held.shift
        && let Some(link) = link
    {
        ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
        if response.clicked() {
            match link.target {
                super::links::Target::Url(url) => super::links::open(&url),
                super::links::Target::File { path, line } => {
                    cx.requests
                        .push(super::PaneRequest::OpenFile { path, line });
                }
            }
            return;
        }
    }
    if mouse.reporting {
        report_mouse(ui, grid, pane, view, mouse);
        return;
    }
    if let Some(pointer) = response.interact_pointer_pos().or(response.hover_pos()) {
        select(response, grid, pointer, pane, view, cx.clipboard);
    }
    if response.middle_clicked()
        && let Some(text) = cx.clipboard.get(ClipboardKind::Primary)
    {
        pane.paste(&text);
    }
}

/// The link under the pointer, if any.
fn link_under(grid: GridGeometry, pointer: egui::Pos2, pane: &Pane) -> Option<super::links::Link> {
    let (column, row, _) = grid.cell_at(pointer);
    let cwd = pane.cwd();
    pane.terminal.read(|term| {
        let offset = term.grid().display_offset() as i32;
        super::links::link_at(
            term,
            Point::new(Line(row as i32 - offset), Column(column)),
            cwd.as_deref(),
        )
    })
}

/// Selection by clicks and drags; what is selected goes to the primary selection.
fn select(
    response: &egui::Response,
    grid: GridGeometry,
    pointer: egui::Pos2,
    pane: &Pane,
    view: &mut PaneView,
    clipboard: &mut Clipboard,
) {
    let (column, row, side) = grid.cell_at(pointer);
    let point = |term: &spaces_term::Term| {
        let offset = term.grid().display_offset() as i32;
        Point::new(Line(row as i32 - offset), Column(column))
    };
    let start = |kind: SelectionType| {
        pane.terminal.update(|term| {
            let at = point(term);
            term.selection = Some(Selection::new(kind, at, side));
        });
    };

    if response.triple_clicked() || response.double_clicked() {
        start(if response.triple_clicked() {
            SelectionType::Lines
        } else {
            SelectionType::Semantic
        });
        copy_to_primary(clipboard, pane);
    } else if response.drag_started_by(egui::PointerButton::Primary) {
        // Alt+drag selects a block (a rectangle of columns), as in wezterm and kitty.
        let block = response.ctx.input(|input| input.modifiers.alt);
        start(if block {
            SelectionType::Block
        } else {
            SelectionType::Simple
        });
        view.selecting = true;
    } else if view.selecting && response.dragged_by(egui::PointerButton::Primary) {
        pane.terminal.update(|term| {
            let at = point(term);
            if let Some(selection) = &mut term.selection {
                selection.update(at, side);
            }
        });
        // Dragging past the top or bottom edge scrolls the history.
        if pointer.y < grid.rect.top() {
            scroll_lines(pane, 1);
        } else if pointer.y > grid.rect.bottom() {
            scroll_lines(pane, -1);
        }
    } else if response.drag_stopped() && view.selecting {
        view.selecting = false;
        copy_to_primary(clipboard, pane);
    } else if response.clicked() && pane.terminal.read(|term| term.selection.is_some()) {
        pane.terminal.update(|term| term.selection = None);
    }
}

fn copy_to_primary(clipboard: &mut Clipboard, pane: &Pane) {
    let text = pane.terminal.read(|term| term.selection_to_string());
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        clipboard.set(ClipboardKind::Primary, text);
    }
}

fn scroll_lines(pane: &Pane, lines: i32) {
    pane.terminal
        .update(|term| term.scroll_display(Scroll::Delta(lines)));
}

/// The wheel: reported to the program, sent as arrow keys in the alternate screen (when the
/// program allows), else scrolling the history.
/// Ctrl+wheel changes the terminal font size, a point per notch (the interface keeps its
/// size, as with Ctrl+Shift+= and -).
fn zoom_with_wheel(ui: &egui::Ui, glyphs: &mut crate::ui::render::glyph_cache::GlyphCache) {
    let notches: f32 = ui.input(|input| {
        input
            .events
            .iter()
            .map(|event| match event {
                Event::MouseWheel { delta, .. } => delta.y.signum(),
                _ => 0.0,
            })
            .sum()
    });
    if notches != 0.0 {
        glyphs.set_font_size(glyphs.font_size() + notches);
    }
}

fn handle_wheel(
    ui: &egui::Ui,
    grid: GridGeometry,
    pane: &Pane,
    view: &mut PaneView,
    mouse: MouseModes,
) {
    let (delta, pointer) = ui.input(|input| {
        let mut lines = 0.0;
        for event in &input.events {
            if let Event::MouseWheel { unit, delta, .. } = event {
                lines += match unit {
                    egui::MouseWheelUnit::Line => delta.y * 3.0,
                    egui::MouseWheelUnit::Point => delta.y / grid.cell.y,
                    egui::MouseWheelUnit::Page => delta.y * f32::from(grid.size.rows),
                };
            }
        }
        (lines, input.pointer.hover_pos())
    });
    if delta == 0.0 {
        return;
    }
    view.scroll_remainder += delta;
    let lines = view.scroll_remainder.trunc() as i32;
    view.scroll_remainder -= lines as f32;
    if lines == 0 {
        return;
    }
    let direction = if lines > 0 {
        ScrollDirection::Up
    } else {
        ScrollDirection::Down
    };
    if mouse.reporting {
        let (column, row, _) = grid.cell_at(pointer.unwrap_or(grid.origin));
        let button = if lines > 0 {
            MouseButton::WheelUp
        } else {
            MouseButton::WheelDown
        };
        for _ in 0..lines.unsigned_abs() {
            if let Some(bytes) = input::encode_mouse(
                button,
                MouseAction::Press,
                column,
                row,
                mouse.mods,
                mouse.modes,
            ) {
                pane.terminal.write(bytes);
            }
        }
    } else if let Some(bytes) =
        input::encode_alternate_scroll(direction, lines.unsigned_abs() as usize, mouse.modes)
    {
        pane.terminal.write(bytes);
    } else {
        scroll_lines(pane, lines);
    }
}

/// Presses, releases and motion, reported to a program that turned mouse reporting on.
fn report_mouse(
    ui: &egui::Ui,
    grid: GridGeometry,
    pane: &Pane,
    view: &mut PaneView,
    mouse: MouseModes,
) {
    let events = ui.input(|input| input.events.clone());
    let send = |button, action, (column, row): (usize, usize)| {
        if let Some(bytes) =
            input::encode_mouse(button, action, column, row, mouse.mods, mouse.modes)
        {
            pane.terminal.write(bytes);
        }
    };
    for event in events {
        match event {
            Event::PointerButton {
                pos,
                button,
                pressed,
                ..
            } if grid.rect.contains(pos) || (!pressed && view.selecting) => {
                let button = match button {
                    egui::PointerButton::Primary => MouseButton::Left,
                    egui::PointerButton::Middle => MouseButton::Middle,
                    egui::PointerButton::Secondary => MouseButton::Right,
                    _ => continue,
                };
                let (column, row, _) = grid.cell_at(pos);
                let action = if pressed {
                    MouseAction::Press
                } else {
                    MouseAction::Release
                };
                view.selecting = pressed && button == MouseButton::Left;
                view.last_reported_cell = Some((column, row));
                send(button, action, (column, row));
            }
            Event::PointerMoved(pos) if grid.rect.contains(pos) => {
                let (column, row, _) = grid.cell_at(pos);
                if view.last_reported_cell == Some((column, row)) {
                    continue;
                }
                view.last_reported_cell = Some((column, row));
                let button = if view.selecting {
                    MouseButton::Left
                } else {
                    MouseButton::NoButton
                };
                send(button, MouseAction::Motion, (column, row));
            }
            _ => {}
        }
    }
}
