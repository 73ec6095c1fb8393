//! A workspace's settings window: its root directory and environment variables (over those
//! of the root's `.env`), and its git worktrees (new one on a new branch, open, remove after
//! a confirmation). It only draws and reports what the user asked for.

use std::path::Path;

use egui::RichText;
use spaces_store::{WorkspaceId, WorkspaceRecord, WorkspaceSetup, WorktreeRecord};

use crate::model::workspace_setup;
use crate::ui::theme;

/// What the user asked for in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupAction {
    /// Replace the root and environment with these texts (checked by the window's owner).
    Apply {
        workspace: WorkspaceId,
        root: String,
        env: String,
    },
    /// Make a worktree of the root's repository on a new branch and open a pane in it.
    CreateWorktree {
        workspace: WorkspaceId,
        branch: String,
    },
    /// Open a pane in this directory.
    OpenPane(String),
    /// Remove the worktree (confirmed).
    RemoveWorktree {
        workspace: WorkspaceId,
        path: String,
    },
}

#[derive(Default)]
pub struct WorkspaceSettings {
    open: Option<WorkspaceId>,
    root: String,
    env: String,
    branch: String,
    /// Why the last change was refused, or what went wrong.
    pub problem: Option<String>,
    /// The worktree whose removal waits for a confirmation.
    confirm_remove: Option<String>,
}

impl WorkspaceSettings {
    /// Opens the settings of `workspace` with the fields filled from `setup`.
    pub fn open(&mut self, workspace: WorkspaceId, setup: Option<&WorkspaceSetup>) {
        self.open = Some(workspace);
        self.root = setup
            .and_then(|setup| setup.root.clone())
            .unwrap_or_default();
        self.env = setup.map_or_else(String::new, |setup| {
            setup
                .env
                .iter()
                .map(|(key, value)| format!("{key}={value}\n"))
                .collect()
        });
        self.branch.clear();
        self.problem = None;
        self.confirm_remove = None;
    }

    pub fn close(&mut self) {
        self.open = None;
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// The workspace whose settings are shown.
    pub fn target(&self) -> Option<WorkspaceId> {
        self.open
    }

    /// Draws the window for `record`; returns what the user asked for.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        record: Option<&WorkspaceRecord>,
        worktrees: &[&WorktreeRecord],
    ) -> Vec<SetupAction> {
        let mut actions = Vec::new();
        let (Some(id), Some(record)) = (self.open, record) else {
            self.open = None;
            return actions;
        };
        let mut open = true;
        egui::Window::new(format!("Workspace settings: {}", record.name))
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(crate::ui::theme::dialog_position(ctx))
            .id(egui::Id::unique("workspace-settings"))
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(RichText::new("Root directory (new panes start here)").strong());
                ui.add(
                    egui::TextEdit::singleline(&mut self.root)
                        .hint_text("/home/you/src/project")
                        .desired_width(f32::INFINITY),
                );
                ui.add_space(6.0);
                ui.label(RichText::new("Environment (NAME=value, one per line)").strong());
                ui.add(
                    egui::TextEdit::multiline(&mut self.env)
                        .hint_text("RUST_LOG=debug")
                        .desired_rows(4)
                        .desired_width(f32::INFINITY)
                        .font(egui::TextStyle::Monospace),
                );
                let dotenv = workspace_setup::check_root(&self.root)
                    .ok()
                    .flatten()
                    .map(|root| workspace_setup::read_dotenv(Path::new(&root)));
                if let Some(dotenv) = dotenv.filter(|env| !env.is_empty()) {
                    let names: Vec<&str> = dotenv.keys().map(String::as_str).collect();
                    ui.label(
                        RichText::new(format!(
                            "Also from the root's .env: {} (the lines above win)",
                            names.join(", ")
                        ))
                        .weak(),
                    );
                }
                if ui.button("Apply").clicked() {
                    actions.push(SetupAction::Apply {
                        workspace: id,
                        root: self.root.clone(),
                        env: self.env.clone(),
                    });
                }
                ui.separator();
                self.worktrees_ui(ui, id, worktrees, &mut actions);
                if let Some(problem) = &self.problem {
                    ui.colored_label(theme::ERROR, problem);
                }
            });
        if !open {
            self.open = None;
        }
        actions
    }

    fn worktrees_ui(
        &mut self,
        ui: &mut egui::Ui,
        id: WorkspaceId,
        worktrees: &[&WorktreeRecord],
        actions: &mut Vec<SetupAction>,
    ) {
        ui.label(RichText::new("Git worktrees").strong());
        match workspace_setup::check_root(&self.root).ok().flatten() {
            Some(root) => {
                ui.label(
                    RichText::new(format!(
                        "New worktrees go under {}",
                        workspace_setup::worktrees_dir(Path::new(&root)).display()
                    ))
                    .weak(),
                );
            }
            None => {
                ui.label(RichText::new("Set a root in a git repository first.").weak());
            }
        }
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.branch)
                    .hint_text("new branch name")
                    .desired_width(220.0),
            );
            if ui.button("New pane in a git worktree").clicked() {
                actions.push(SetupAction::CreateWorktree {
                    workspace: id,
                    branch: self.branch.clone(),
                });
            }
        });
        for worktree in worktrees {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&worktree.branch).monospace());
                ui.label(RichText::new(&worktree.path).weak());
                if ui.small_button("Open pane").clicked() {
                    actions.push(SetupAction::OpenPane(worktree.path.clone()));
                }
                if self.confirm_remove.as_deref() == Some(worktree.path.as_str()) {
                    if ui
                        .small_button(RichText::new("Remove it").color(theme::ERROR))
                        .clicked()
                    {
                        actions.push(SetupAction::RemoveWorktree {
                            workspace: id,
                            path: worktree.path.clone(),
                        });
                        self.confirm_remove = None;
                    }
                    if ui.small_button("Keep").clicked() {
                        self.confirm_remove = None;
                    }
                } else if ui.small_button("Remove…").clicked() {
                    self.confirm_remove = Some(worktree.path.clone());
                }
            });
        }
    }
}
