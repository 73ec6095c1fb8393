//! The workspace panels of the window: the sidebar and the colour bar, the notes panel, the
//! read-only view of an archived workspace, the settings window (root, environment, git
//! worktrees), and what a search hit opens.

use std::path::PathBuf;

use egui_commonmark::CommonMarkViewer;
use spaces_store::WorkspaceId;
use spaces_term::PaneId;

use super::SpacesApp;
use super::workspaces::Browsing;
use crate::model::Notice;
use crate::ui::workspaces::{Row, SidebarAction};

impl SpacesApp {
    /// The sidebar, the colour bar, the notes panel and the read-only view of an archived
    /// workspace.
    pub(super) fn workspaces_ui(&mut self, ui: &mut egui::Ui) {
        let active = self.workspaces.active_id();
        self.mark_seen();
        let rows: Vec<Row<'_>> = self
            .workspaces
            .visible()
            .map(|record| Row {
                record,
                panes: self.panes.ids_in(record.id).len(),
                active: record.id == active,
                unseen_output: record.id != active && self.has_unseen_output(record.id),
                agent_waiting: self.panes.ids_in(record.id).into_iter().any(|pane| {
                    self.panes
                        .get(pane)
                        .and_then(|entry| entry.agent.as_ref())
                        .is_some_and(|agent| {
                            agent.state == crate::model::agents::AgentState::Waiting
                        })
                }),
            })
            .collect();
        let archived: Vec<_> = self.workspaces.archived().collect();
        let actions = self.workspace_ui.sidebar.show(ui, &rows, &archived);
        drop(rows);
        drop(archived);
        for action in actions {
            self.apply_sidebar_action(action);
        }
        self.notes_panel(ui);
        self.browse_window(ui.ctx());
        self.settings_window(ui.ctx());
        let imported = self.workspace_ui.transfer.show(
            ui.ctx(),
            &self.config.data_dir,
            self.persistence.recorder.as_ref(),
        );
        if let Some(record) = imported {
            self.adopt_workspace(record);
        }
        let color = crate::ui::workspaces::color(self.workspaces.active());
        egui::Panel::top("workspace-colour")
            .exact_size(3.0)
            .frame(egui::Frame::new().fill(color))
            .show(ui, |_| {});
    }

    fn apply_sidebar_action(&mut self, action: SidebarAction) {
        let result = match action {
            SidebarAction::Switch(id) => self.switch_workspace(id),
            SidebarAction::Create { name } => self.create_workspace(&name, None).map(drop),
            SidebarAction::Rename(id, name) => self.rename_workspace(id, &name),
            SidebarAction::Recolor(id, color) => self.recolor_workspace(id, &color),
            SidebarAction::Move(id, index) => {
                self.move_workspace(id, index);
                Ok(())
            }
            SidebarAction::ToggleNotes(id) => {
                let shown = self.workspaces.active_id() == id;
                self.workspace_ui.notes_open = !(self.workspace_ui.notes_open && shown);
                self.workspace_ui.notes_focus = self.workspace_ui.notes_open;
                if shown {
                    Ok(())
                } else {
                    self.switch_workspace(id)
                }
            }
            SidebarAction::Archive(id) => self.archive_workspace(id),
            SidebarAction::Unarchive(id) => self.unarchive_workspace(id),
            SidebarAction::Delete(id) => self.delete_workspace(id),
            SidebarAction::Browse(id) => {
                self.browse_archived(id);
                Ok(())
            }
            SidebarAction::Settings(id) => {
                self.open_workspace_settings(id);
                Ok(())
            }
            SidebarAction::Search(words) => {
                if let Some(ctx) = self.egui_ctx.clone() {
                    self.search.show_window();
                    self.search.search(&ctx, &words);
                }
                Ok(())
            }
        };
        self.workspace_ui.sidebar.problem = result.err();
    }

    /// The notes of the shown workspace: Markdown typed on the left of a toggle, rendered on
    /// the right of it. Saved as the user types (see `persist_state`).
    fn notes_panel(&mut self, ui: &mut egui::Ui) {
        if !self.workspace_ui.notes_open {
            return;
        }
        let active = self.workspaces.active().clone();
        let mut notes = active.notes.clone();
        egui::Panel::right("workspace-notes")
            .resizable(true)
            .default_size(320.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.strong(format!("Notes: {}", active.name));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.small_button("Close").clicked() {
                            self.workspace_ui.notes_open = false;
                        }
                        ui.toggle_value(&mut self.workspace_ui.notes_preview, "Preview");
                    });
                });
                ui.separator();
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if self.workspace_ui.notes_preview {
                        CommonMarkViewer::new().show(ui, &mut self.workspace_ui.markdown, &notes);
                    } else {
                        let field = ui.add(
                            egui::TextEdit::multiline(&mut notes)
                                .id_source(("workspace-notes", active.id.0))
                                .hint_text("Notes for this workspace (Markdown)")
                                .desired_width(f32::INFINITY)
                                .desired_rows(20)
                                .font(egui::TextStyle::Monospace),
                        );
                        if std::mem::take(&mut self.workspace_ui.notes_focus) {
                            field.request_focus();
                        }
                    }
                });
            });
        if notes != active.notes {
            self.set_workspace_notes(active.id, &notes);
        }
    }

    /// Opens what a search hit points at: a pane's history at the line, a workspace's notes,
    /// or the sessions panel searching for the same words.
    pub(super) fn open_search_choice(&mut self, choice: crate::ui::search::SearchChoice) {
        use crate::ui::search::SearchChoice;
        match choice {
            SearchChoice::History { pane, line } => {
                let pane = PaneId(pane);
                let title = self
                    .panes
                    .get(pane)
                    .map_or_else(|| format!("pane {pane}"), |entry| entry.title());
                self.history.open_at(
                    self.persistence.database_path(),
                    pane,
                    title,
                    Some(crate::model::search::history_index(line)),
                );
            }
            SearchChoice::Notes { workspace } => {
                let Some(record) = self.workspaces.by_name(&workspace).cloned() else {
                    return;
                };
                if record.archived {
                    self.browse_archived(record.id);
                } else if self.switch_workspace(record.id).is_ok() {
                    self.workspace_ui.notes_open = true;
                }
            }
            SearchChoice::Session { .. } => {
                let words = self.search.searched().to_owned();
                if self.sessions.is_some() {
                    self.sessions_panel.open_with_search(&words);
                }
            }
        }
    }

    /// Opens the settings window of workspace `id`.
    pub(super) fn open_workspace_settings(&mut self, id: WorkspaceId) {
        let setup = self.workspaces.setup(id).cloned();
        self.workspace_ui.settings.open(id, setup.as_ref());
    }

    fn settings_window(&mut self, ctx: &egui::Context) {
        if !self.workspace_ui.settings.is_open() {
            return;
        }
        let record = self
            .workspace_ui
            .settings
            .target()
            .and_then(|id| self.workspaces.get(id))
            .cloned();
        let worktrees: Vec<_> = record
            .as_ref()
            .map(|record| self.workspaces.worktrees_of(record.id).cloned().collect())
            .unwrap_or_default();
        let shown: Vec<&spaces_store::WorktreeRecord> = worktrees.iter().collect();
        let actions = self
            .workspace_ui
            .settings
            .show(ctx, record.as_ref(), &shown);
        for action in actions {
            let result = self.apply_setup_action(action);
            self.workspace_ui.settings.problem = result.err();
        }
    }

    fn apply_setup_action(
        &mut self,
        action: crate::ui::workspace_settings::SetupAction,
    ) -> Result<(), String> {
        use crate::ui::workspace_settings::SetupAction;
        match action {
            SetupAction::Apply {
                workspace,
                root,
                env,
            } => self.set_workspace_setup(workspace, &root, &env),
            SetupAction::CreateWorktree { workspace, branch } => {
                self.new_worktree_pane(workspace, &branch).map(drop)
            }
            SetupAction::OpenPane(path) => self
                .spawn_tab(Vec::new(), Some(PathBuf::from(path)))
                .map(drop)
                .ok_or_else(|| "could not start the pane".to_owned()),
            SetupAction::RemoveWorktree { workspace, path } => {
                self.remove_worktree(workspace, &path)
            }
        }
    }

    /// Sets a workspace's root (empty: none) and environment (`NAME=value` lines).
    pub fn set_workspace_setup(
        &mut self,
        id: WorkspaceId,
        root: &str,
        env: &str,
    ) -> Result<(), String> {
        let root = crate::model::workspace_setup::check_root(root)?;
        let env = crate::model::workspace_setup::parse_assignments(env)?;
        if self.workspaces.get(id).is_none() {
            return Err("no such workspace".to_owned());
        }
        let setup = self.workspaces.set_setup(id, root, env);
        self.persistence.save_workspace_setup(setup);
        Ok(())
    }

    /// Makes a git worktree of the workspace's root on a new branch, lists it on the
    /// workspace and opens a pane in it (showing the workspace).
    pub fn new_worktree_pane(&mut self, id: WorkspaceId, branch: &str) -> Result<PaneId, String> {
        let root = self
            .workspaces
            .setup(id)
            .and_then(|setup| setup.root.clone())
            .ok_or_else(|| "set the workspace's root (a git repository) first".to_owned())?;
        let directory =
            crate::model::workspace_setup::create_worktree(std::path::Path::new(&root), branch)?;
        let record = spaces_store::WorktreeRecord {
            workspace_id: id,
            path: directory.to_string_lossy().into_owned(),
            branch: branch.trim().to_owned(),
            repository: root,
            created_at_ms: spaces_store::unix_millis(),
        };
        self.workspaces.add_worktree(record.clone());
        self.persistence.save_worktree(record);
        self.switch_workspace(id)?;
        self.spawn_tab(Vec::new(), Some(directory))
            .ok_or_else(|| "the worktree was made, but its pane could not start".to_owned())
    }

    /// Removes a worktree listed on a workspace (git refuses one with uncommitted changes).
    pub fn remove_worktree(&mut self, id: WorkspaceId, path: &str) -> Result<(), String> {
        let worktree = self
            .workspaces
            .worktrees_of(id)
            .find(|worktree| worktree.path == path)
            .cloned()
            .ok_or_else(|| format!("{path} is not a worktree of this workspace"))?;
        crate::model::workspace_setup::remove_worktree(
            std::path::Path::new(&worktree.repository),
            std::path::Path::new(&worktree.path),
        )?;
        self.workspaces.forget_worktree(id, path);
        self.persistence.forget_worktree(id, path);
        Ok(())
    }

    /// Opens the read-only view of an archived workspace.
    fn browse_archived(&mut self, id: WorkspaceId) {
        let loaded = spaces_store::Database::open_readonly(self.persistence.database_path())
            .and_then(|database| database.list_panes(id));
        self.workspace_ui.browsing = Some(match loaded {
            Ok(panes) => Browsing {
                workspace: id,
                panes,
                error: None,
            },
            Err(error) => Browsing {
                workspace: id,
                panes: Vec::new(),
                error: Some(format!("could not read its panes: {error}")),
            },
        });
    }

    fn browse_window(&mut self, ctx: &egui::Context) {
        let Some(browsing) = &self.workspace_ui.browsing else {
            return;
        };
        let Some(record) = self.workspaces.get(browsing.workspace).cloned() else {
            self.workspace_ui.browsing = None;
            return;
        };
        let mut open = true;
        let mut history = None;
        let mut unarchive = false;
        egui::Window::new(format!("{} (archived, read-only)", record.name))
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(crate::ui::theme::dialog_position(ctx))
            .id(egui::Id::unique("archived-workspace"))
            .open(&mut open)
            .default_size([520.0, 420.0])
            .show(ctx, |ui| {
                if let Some(error) = &browsing.error {
                    ui.colored_label(crate::ui::theme::ERROR, error);
                }
                ui.horizontal(|ui| {
                    ui.label(crate::model::workspace_transfer::count(
                        browsing.panes.len() as u64,
                        "pane",
                    ));
                    if ui.button("Unarchive").clicked() {
                        unarchive = true;
                    }
                });
                ui.separator();
                for pane in &browsing.panes {
                    ui.horizontal(|ui| {
                        let title = if pane.title.is_empty() {
                            "shell"
                        } else {
                            &pane.title
                        };
                        ui.label(format!("{title} — {}", pane.cwd));
                        if ui.small_button("History").clicked() {
                            history = Some((pane.id, title.to_owned()));
                        }
                    });
                }
                ui.separator();
                ui.strong("Notes");
                if record.notes.trim().is_empty() {
                    ui.label(egui::RichText::new("No notes.").weak());
                } else {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        CommonMarkViewer::new().show(
                            ui,
                            &mut self.workspace_ui.markdown,
                            &record.notes,
                        );
                    });
                }
            });
        if let Some((pane, title)) = history {
            self.history.open(
                self.persistence.database_path(),
                crate::model::persistence::pane_id(pane),
                title,
            );
        }
        if unarchive && let Err(error) = self.unarchive_workspace(record.id) {
            self.notices.push(Notice::error(error));
        }
        if !open {
            self.workspace_ui.browsing = None;
        }
    }
}
