//! The settings window: edits a copy of the settings, applies them on Save.

use crate::model::settings::{ClipboardWrite, Settings};

/// The settings window: edits a copy, applies on Save.
#[derive(Default)]
pub struct SettingsWindow {
    pub open: bool,
    draft: Option<Settings>,
}

impl SettingsWindow {
    pub fn toggle(&mut self, current: &Settings) {
        self.open = !self.open;
        self.draft = self.open.then(|| current.clone());
    }

    /// Shows the window; returns new settings when the user saves.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Settings> {
        if !self.open {
            return None;
        }
        let Some(draft) = &mut self.draft else {
            return None;
        };
        let mut saved = None;
        let mut open = true;
        egui::Window::new("Settings")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("settings-grid")
                    .num_columns(2)
                    .spacing([16.0, 8.0])
                    .show(ui, |ui| {
                        ui.label("Scrollback lines in memory");
                        ui.add(
                            egui::DragValue::new(&mut draft.scrollback_lines)
                                .range(100..=1_000_000)
                                .speed(100),
                        );
                        ui.end_row();
                        ui.label("History kept on disk per pane (MB, compressed)");
                        ui.add(
                            egui::DragValue::new(&mut draft.history_cap_mb).range(1..=1_000_000),
                        );
                        ui.end_row();
                        ui.label("Snapshot interval (seconds)");
                        ui.add(
                            egui::DragValue::new(&mut draft.snapshot_interval_secs).range(1..=3600),
                        );
                        ui.end_row();
                        ui.label("Colour theme");
                        egui::ComboBox::from_id_salt("settings-theme")
                            .selected_text(draft.theme.clone())
                            .show_ui(ui, |ui| {
                                for name in crate::model::themes::names() {
                                    ui.selectable_value(&mut draft.theme, name.to_owned(), name);
                                }
                            });
                        ui.end_row();
                        ui.label("Font size");
                        ui.add(
                            egui::DragValue::new(&mut draft.font_size)
                                .range(6.0..=48.0)
                                .speed(0.5),
                        );
                        ui.end_row();
                        ui.label("Ask before closing a pane where a program runs");
                        ui.checkbox(&mut draft.confirm_close, "");
                        ui.end_row();
                        ui.label("Record what is typed (never at password prompts)");
                        ui.checkbox(&mut draft.record_input, "");
                        ui.end_row();
                        ui.label("After a restart, resume agents' conversations by themselves");
                        ui.checkbox(&mut draft.resume_agents, "");
                        ui.end_row();
                        ui.label("Notify when an agent out of view waits for you");
                        ui.checkbox(&mut draft.notify_waiting_agents, "");
                        ui.end_row();
                        ui.label("Programs may set the clipboard (OSC 52)");
                        ui.horizontal(|ui| {
                            for (choice, label) in [
                                (ClipboardWrite::Allow, "Allow"),
                                (ClipboardWrite::Ask, "Ask"),
                                (ClipboardWrite::Deny, "Deny"),
                            ] {
                                ui.radio_value(&mut draft.clipboard_write, choice, label);
                            }
                        });
                        ui.end_row();
                    });
                ui.label(
                    egui::RichText::new(
                        "Scrollback and snapshot changes apply to panes opened from now on.",
                    )
                    .weak(),
                );
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        saved = Some(draft.clone().clamped());
                    }
                    if ui.button("Reset to defaults").clicked() {
                        *draft = Settings::default();
                    }
                });
            });
        if saved.is_some() || !open {
            self.open = false;
            self.draft = None;
        }
        saved
    }
}
