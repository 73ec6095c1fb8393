//! The window's look: a dark theme tuned for long sessions next to terminal panes.

use egui::{Color32, CornerRadius, Stroke};

pub fn apply(ctx: &egui::Context) {
    ctx.set_visuals(visuals());
}

fn visuals() -> egui::Visuals {
    let mut visuals = egui::Visuals::dark();
    visuals.panel_fill = Color32::from_rgb(0x12, 0x13, 0x15);
    visuals.window_fill = Color32::from_rgb(0x1e, 0x20, 0x24);
    visuals.extreme_bg_color = Color32::from_rgb(0x18, 0x19, 0x1b);
    visuals.selection.bg_fill = Color32::from_rgb(0x2f, 0x5d, 0x9e);
    visuals.selection.stroke = Stroke::new(1.0, Color32::from_rgb(0x5b, 0x9c, 0xf5));
    visuals.window_corner_radius = CornerRadius::same(8);
    visuals
}
