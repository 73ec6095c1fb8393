//! The window's look: a dark theme tuned for long sessions next to terminal panes. Every
//! colour the UI chooses is here (the terminal's own colours come from its palette).

use egui::{Color32, CornerRadius, Stroke};

use crate::model::Severity;

/// Text of a notice about a problem.
pub const WARNING: Color32 = Color32::from_rgb(240, 180, 90);
/// Text of a notice about something not working (recording off, a history unreadable).
pub const ERROR: Color32 = Color32::from_rgb(240, 110, 90);
/// Text of a notice that only informs.
pub const INFO: Color32 = Color32::from_rgb(150, 200, 240);
/// The strip under a pane (exit, re-run offer).
pub const BANNER_FILL: Color32 = Color32::from_rgba_premultiplied(38, 38, 45, 240);
pub const BANNER_EXIT: Color32 = Color32::from_rgb(230, 200, 120);
pub const BANNER_INFO: Color32 = INFO;
/// The bar on a pane's right edge while it shows history.
pub const SCROLL_INDICATOR: Color32 = Color32::from_rgba_premultiplied(90, 90, 90, 90);
/// The line between two panes.
pub const PANE_DIVIDER: Color32 = Color32::from_rgb(0x3a, 0x3d, 0x44);
/// The tab title of a pane whose process exited.
pub const EXITED_TAB: Color32 = Color32::GRAY;
/// The accent: selections, the focused pane's frame, the default workspace colour.
pub const ACCENT: Color32 = Color32::from_rgb(0x5b, 0x9c, 0xf5);

/// Each agent's colour in the sessions panel.
pub const AGENT_CLAUDE: Color32 = Color32::from_rgb(0xd9, 0x77, 0x57);
pub const AGENT_CODEX: Color32 = Color32::from_rgb(0x8e, 0xc0, 0x7c);
pub const AGENT_GEMINI: Color32 = Color32::from_rgb(0x7a, 0xa6, 0xda);
/// An agent's state in its pane's tab and the sidebar.
pub const AGENT_WORKING: Color32 = Color32::from_rgb(0x5b, 0x9c, 0xf5);
pub const AGENT_WAITING: Color32 = Color32::from_rgb(0xf0, 0xb4, 0x3c);
pub const AGENT_IDLE: Color32 = Color32::from_rgb(0x7c, 0xc0, 0x8a);
pub const AGENT_EXITED: Color32 = Color32::GRAY;

/// The colour of an agent state.
pub fn agent_state(state: crate::model::agents::AgentState) -> Color32 {
    use crate::model::agents::AgentState;
    match state {
        AgentState::Working => AGENT_WORKING,
        AgentState::Waiting => AGENT_WAITING,
        AgentState::Idle => AGENT_IDLE,
        AgentState::Exited => AGENT_EXITED,
    }
}

/// The text of a search hit's snippet, and the background of what matched.
pub const SNIPPET_TEXT: Color32 = Color32::from_rgb(0xb8, 0xb8, 0xb8);
pub const MATCH_HIGHLIGHT: Color32 = Color32::from_rgb(0xe7, 0xc5, 0x47);
pub const MATCH_TEXT: Color32 = Color32::BLACK;
/// The tint over every match of the find bar in a pane.
pub const FIND_HIGHLIGHT: Color32 = Color32::from_rgba_premultiplied(0x5c, 0x4e, 0x18, 0x60);

/// Where a dialog window first opens: centred, a little below the menu bar.
pub fn dialog_position(ctx: &egui::Context) -> egui::Pos2 {
    let screen = ctx.content_rect();
    egui::pos2(screen.center().x, screen.min.y + 70.0)
}

/// The window's look: dark, or light for a light terminal theme.
pub fn apply(ctx: &egui::Context, light: bool) {
    ctx.set_visuals(if light { light_visuals() } else { visuals() });
}

fn light_visuals() -> egui::Visuals {
    let mut visuals = egui::Visuals::light();
    visuals.selection.stroke = Stroke::new(1.0, ACCENT);
    visuals.window_corner_radius = CornerRadius::same(8);
    visuals
}

/// The colour of a notice's text.
pub fn severity(severity: Severity) -> Color32 {
    match severity {
        Severity::Info => INFO,
        Severity::Warning => WARNING,
        Severity::Error => ERROR,
    }
}

/// A terminal colour as egui's.
pub fn rgb(color: spaces_term::alacritty_terminal::vte::ansi::Rgb) -> Color32 {
    Color32::from_rgb(color.r, color.g, color.b)
}

fn visuals() -> egui::Visuals {
    let mut visuals = egui::Visuals::dark();
    visuals.panel_fill = Color32::from_rgb(0x12, 0x13, 0x15);
    visuals.window_fill = Color32::from_rgb(0x1e, 0x20, 0x24);
    visuals.extreme_bg_color = Color32::from_rgb(0x18, 0x19, 0x1b);
    visuals.selection.bg_fill = Color32::from_rgb(0x2f, 0x5d, 0x9e);
    visuals.selection.stroke = Stroke::new(1.0, ACCENT);
    visuals.window_corner_radius = CornerRadius::same(8);
    visuals
}
