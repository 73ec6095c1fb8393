//! The view of one terminal pane: paints its grid as one cached mesh (`paint`), turns
//! keyboard and mouse input into bytes for the child (`input`, `keyboard`, `mouse`), and
//! shows the strips under a pane that exited or can re-run its command (`banners`).
//!
//! What a view remembers between frames is in [`PaneView`], kept by the window per pane id;
//! the pane itself changes only through `Terminal::update` and the model's methods.

mod banners;
mod input;
pub mod keyboard;
mod links;
mod mouse;
mod paint;

use std::collections::BTreeMap;
use std::sync::Arc;

use egui::epaint::Mesh;
use egui::{Pos2, Rect, Sense, Vec2};
use spaces_term::{PaneId, TermSize};

use crate::model::Pane;
use crate::ui::clipboard::Clipboard;
use crate::ui::render::glyph_cache::GlyphCache;

/// Inner padding between the pane edge and the grid, in points.
const PADDING: f32 = 4.0;
/// Height of the strip under a pane that says it exited or offers to re-run its command.
const BANNER_HEIGHT: f32 = 30.0;

/// What a pane's view keeps between frames.
#[derive(Default)]
pub struct PaneView {
    mesh: Option<(paint::MeshKey, Arc<Mesh>)>,
    /// Fraction of a line scrolled by the wheel but not yet applied.
    scroll_remainder: f32,
    /// Whether the left button is down inside the grid (selecting or reporting).
    selecting: bool,
    /// The last mouse cell reported to the application (to send motion only on change).
    last_reported_cell: Option<(usize, usize)>,
    /// When (egui's clock, seconds) the pane was last typed into: a blinking cursor stops
    /// blinking a while after, so an idle window draws nothing.
    last_typed: f64,
    /// The cells of the link under the pointer (grid points), underlined.
    hovered_link: Option<Vec<spaces_term::alacritty_terminal::index::Point>>,
}

/// Opens a URL or a file with the desktop's opener (`xdg-open`).
pub fn open_with_desktop(target: &str) {
    links::open(target);
}

impl PaneView {
    /// Drops the cached mesh (the colours it was built with changed).
    pub fn forget_mesh(&mut self) {
        self.mesh = None;
    }
}

/// The views of every pane, by pane id.
pub type PaneViews = BTreeMap<PaneId, PaneView>;

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
    /// Open a file a Ctrl+click found in a pane's text (in `$EDITOR`, in a new pane).
    OpenFile {
        path: std::path::PathBuf,
        line: Option<u32>,
    },
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
    /// The find bar's search, and the pane whose matches it highlights.
    pub find: Option<(
        PaneId,
        &'a mut spaces_term::alacritty_terminal::term::search::RegexSearch,
    )>,
}

/// Where a pane's grid is on screen: the cells' size and the top-left corner of cell (0, 0).
#[derive(Clone, Copy, Debug)]
struct GridGeometry {
    /// The pane's area (without the banner).
    rect: Rect,
    origin: Pos2,
    cell: Vec2,
    size: TermSize,
}

impl GridGeometry {
    /// The grid cell under a position (clamped to the grid), and which half of it.
    fn cell_at(&self, pos: Pos2) -> (usize, usize, alacritty_terminal::index::Side) {
        use alacritty_terminal::index::Side;
        let x = ((pos.x - self.origin.x) / self.cell.x).max(0.0);
        let y = ((pos.y - self.origin.y) / self.cell.y).max(0.0);
        let column = (x.floor() as usize).min(usize::from(self.size.cols) - 1);
        let row = (y.floor() as usize).min(usize::from(self.size.rows) - 1);
        let side = if x.fract() < 0.5 {
            Side::Left
        } else {
            Side::Right
        };
        (column, row, side)
    }
}

use spaces_term::alacritty_terminal;

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
pub fn pane_ui(
    ui: &mut egui::Ui,
    id: PaneId,
    pane: &Pane,
    view: &mut PaneView,
    cx: &mut ViewContext<'_>,
) {
    let full = ui.available_rect_before_wrap();
    // A banner (exit, re-run offer) takes the bottom strip; the grid keeps every row visible.
    let has_banner = pane.terminal.exit_info().is_some()
        || pane.rerun_offer.is_some()
        || pane.resume_problem.is_some();
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

    let size = grid_size_for(rect, cx.glyphs, ctx.pixels_per_point());
    pane.terminal.resize(size);
    let geometry = GridGeometry {
        rect,
        origin: rect.min + Vec2::splat(PADDING),
        cell: cx.glyphs.cell_size(),
        size,
    };

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
        let before = pane.terminal.generation();
        if input::handle_keyboard(ui, pane) {
            view.last_typed = ui.input(|input| input.time);
            input::wait_for_echo(pane, before);
        }
    }
    mouse::handle_mouse(ui, &response, geometry, pane, view, cx);

    paint::paint(ui, geometry, pane, view, cx, focused);
    if let Some(exit) = pane.terminal.exit_info() {
        banners::exit_banner(ui, full, id, &exit.to_string(), cx.requests);
    } else if let Some(command) = &pane.rerun_offer {
        banners::rerun_banner(ui, full, id, command, cx.requests);
    } else if let Some(problem) = &pane.resume_problem {
        banners::problem_banner(ui, full, id, problem, cx.requests);
    }
}
