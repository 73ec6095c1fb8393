//! The command palette (Ctrl+Shift+P): every command with its shortcut, filtered as you type.

use egui::{Align2, Key, RichText};

use crate::ui::commands::Command;

#[derive(Default)]
pub struct CommandPalette {
    pub open: bool,
    query: String,
    selected: usize,
    just_opened: bool,
}

impl CommandPalette {
    pub fn toggle(&mut self) {
        self.open = !self.open;
        self.query.clear();
        self.selected = 0;
        self.just_opened = self.open;
    }

    /// Commands whose label contains every word of the query (case-insensitive).
    pub fn matches(query: &str) -> Vec<Command> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        Command::ALL
            .iter()
            .copied()
            .filter(|command| {
                let label = command.label().to_lowercase();
                words.iter().all(|word| label.contains(word.as_str()))
            })
            .collect()
    }

    /// Shows the palette; returns the command the user picked.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Command> {
        if !self.open {
            return None;
        }
        let mut picked = None;
        let mut close = false;
        egui::Window::new("Command palette")
            .title_bar(false)
            .collapsible(false)
            .resizable(false)
            .anchor(Align2::CENTER_TOP, [0.0, 60.0])
            .fixed_size([460.0, 0.0])
            .show(ctx, |ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.query)
                        .hint_text("Type a command…")
                        .desired_width(f32::INFINITY),
                );
                if self.just_opened {
                    edit.request_focus();
                    self.just_opened = false;
                }
                let matches = Self::matches(&self.query);
                if edit.changed() {
                    self.selected = 0;
                }
                let (down, up, enter, escape) = ui.input_mut(|input| {
                    (
                        input.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                        input.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                        input.consume_key(egui::Modifiers::NONE, Key::Enter),
                        input.consume_key(egui::Modifiers::NONE, Key::Escape),
                    )
                });
                if down {
                    self.selected = (self.selected + 1).min(matches.len().saturating_sub(1));
                }
                if up {
                    self.selected = self.selected.saturating_sub(1);
                }
                if escape {
                    close = true;
                }
                if enter && let Some(command) = matches.get(self.selected) {
                    picked = Some(*command);
                }
                ui.separator();
                for (index, command) in matches.iter().enumerate() {
                    let row = ui.horizontal(|ui| {
                        let label = ui.selectable_label(index == self.selected, command.label());
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(RichText::new(command.shortcut_text()).weak().monospace());
                        });
                        label
                    });
                    if row.inner.clicked() {
                        picked = Some(*command);
                    }
                }
                if matches.is_empty() {
                    ui.label(RichText::new("No command matches.").weak());
                }
            });
        if picked.is_some() || close {
            self.open = false;
        }
        picked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_every_word() {
        assert_eq!(
            CommandPalette::matches("split right"),
            vec![Command::SplitRight]
        );
        assert!(CommandPalette::matches("").len() == Command::ALL.len());
        assert!(CommandPalette::matches("nothing like this").is_empty());
    }
}
