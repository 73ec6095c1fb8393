//! What a workspace with no pane shows: a way to start one (in the workspace's root, the
//! home directory, or a directory a closed pane was in), an agent pane, and the shortcuts
//! worth knowing first.

use std::path::PathBuf;

use egui::RichText;

use crate::model::pane::short_path;
use crate::ui::commands::Command;

/// What the user picked in the welcome view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WelcomeChoice {
    /// A shell, in this directory (`None`: the workspace's root, else the home directory).
    Shell(Option<PathBuf>),
    Command(Command),
}

/// The commands listed with their shortcuts.
const SHORTCUTS: [Command; 7] = [
    Command::CommandPalette,
    Command::SplitRight,
    Command::SplitDown,
    Command::NewAgentPane,
    Command::ToggleSessions,
    Command::SearchEverything,
    Command::NewWorkspace,
];

/// Draws the view; `recent` are directories of panes closed lately, newest first.
pub fn show(ui: &mut egui::Ui, workspace: &str, recent: &[PathBuf]) -> Option<WelcomeChoice> {
    let mut choice = None;
    ui.vertical_centered(|ui| {
        ui.add_space((ui.available_height() * 0.2).min(160.0));
        ui.heading(format!("{workspace} has no pane open"));
        ui.add_space(12.0);
        if ui
            .button(RichText::new("New pane (a shell)").size(16.0))
            .clicked()
        {
            choice = Some(WelcomeChoice::Shell(None));
        }
        if ui
            .button("New agent pane (Claude Code, Codex, Gemini)")
            .clicked()
        {
            choice = Some(WelcomeChoice::Command(Command::NewAgentPane));
        }
        if !recent.is_empty() {
            ui.add_space(12.0);
            ui.label(RichText::new("Recent directories").weak());
            for dir in recent {
                if ui.link(short_path(dir)).clicked() {
                    choice = Some(WelcomeChoice::Shell(Some(dir.clone())));
                }
            }
        }
        ui.add_space(16.0);
        // One monospace block, so the shortcuts line up under each other, centred.
        let width = SHORTCUTS
            .iter()
            .map(|command| command.label().chars().count())
            .max()
            .unwrap_or(0);
        for command in SHORTCUTS {
            ui.label(
                RichText::new(format!(
                    "{:<width$}   {:<16}",
                    command.label(),
                    command.shortcut_text()
                ))
                .monospace()
                .weak(),
            );
        }
    });
    choice
}
