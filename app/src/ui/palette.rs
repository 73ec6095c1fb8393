//! The command palette (Ctrl+Shift+P): every command with its shortcut, and a "Switch to
//! workspace" entry per workspace, filtered as you type.

use egui::{Align2, Key, RichText};
use spaces_store::WorkspaceId;

use crate::ui::commands::Command;

/// What the palette offers and what it returns when picked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Command(Command),
    /// Show this workspace (its name is in the label).
    Workspace(WorkspaceId, String),
}

impl Entry {
    fn label(&self) -> String {
        match self {
            Entry::Command(command) => command.label().to_owned(),
            Entry::Workspace(_, name) => format!("Switch to workspace: {name}"),
        }
    }

    fn shortcut_text(&self) -> String {
        match self {
            Entry::Command(command) => command.shortcut_text(),
            Entry::Workspace(..) => String::new(),
        }
    }
}

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
        Self::matching_entries(query, &[])
            .into_iter()
            .filter_map(|entry| match entry {
                Entry::Command(command) => Some(command),
                Entry::Workspace(..) => None,
            })
            .collect()
    }

    /// Commands, then workspaces, whose label contains every word of the query.
    fn matching_entries(query: &str, workspaces: &[(WorkspaceId, String)]) -> Vec<Entry> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        Command::ALL
            .iter()
            .map(|command| Entry::Command(*command))
            .chain(
                workspaces
                    .iter()
                    .map(|(id, name)| Entry::Workspace(*id, name.clone())),
            )
            .filter(|entry| {
                let label = entry.label().to_lowercase();
                words.iter().all(|word| label.contains(word.as_str()))
            })
            .collect()
    }

    /// Shows the palette; returns what the user picked. `workspaces` are offered to switch
    /// to.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        workspaces: &[(WorkspaceId, String)],
    ) -> Option<Entry> {
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
                let matches = Self::matching_entries(&self.query, workspaces);
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
                if enter && let Some(entry) = matches.get(self.selected) {
                    picked = Some(entry.clone());
                }
                ui.separator();
                for (index, entry) in matches.iter().enumerate() {
                    let row = ui.horizontal(|ui| {
                        let label = ui.selectable_label(index == self.selected, entry.label());
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(RichText::new(entry.shortcut_text()).weak().monospace());
                        });
                        label
                    });
                    if row.inner.clicked() {
                        picked = Some(entry.clone());
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

    #[test]
    fn workspaces_are_offered_by_name() {
        let workspaces = [
            (WorkspaceId(1), "default".to_owned()),
            (WorkspaceId(2), "api".to_owned()),
        ];
        assert_eq!(
            CommandPalette::matching_entries("switch api", &workspaces),
            vec![Entry::Workspace(WorkspaceId(2), "api".to_owned())]
        );
    }
}
