//! Commands in the window: the menu bar, the keyboard shortcuts, and `execute`, the one
//! place a command from a menu, a shortcut or the palette is carried out.

use super::SpacesApp;
use crate::model::Notice;
use crate::ui::clipboard::Selection as ClipboardKind;
use crate::ui::commands::{Command, Menu};
use crate::ui::layout::{self, Direction};
use spaces_term::alacritty_terminal;

impl SpacesApp {
    /// The menu bar: each menu lists the commands that name it (`Command::menu`).
    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut picked = None;
        egui::MenuBar::new().ui(ui, |ui| {
            for menu in Menu::ALL {
                ui.menu_button(menu.title(), |ui| {
                    for command in menu.commands() {
                        let button = egui::Button::new(command.label())
                            .shortcut_text(command.shortcut_text());
                        if ui.add(button).clicked() {
                            picked = Some(command);
                        }
                    }
                });
            }
        });
        if let Some(command) = picked {
            self.execute(&ctx, command);
        }
    }

    pub(super) fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        let mut fired = Vec::new();
        ctx.input_mut(|input| {
            for command in Command::ALL {
                if let Some(shortcut) = command.shortcut()
                    && crate::ui::commands::consume_shortcut(input, &shortcut)
                {
                    fired.push(*command);
                }
            }
        });
        if !self.palette.open && !self.workspace_ui.sidebar.is_editing() {
            self.workspace_shortcuts(ctx);
        }
        for command in fired {
            // While the palette is open only its own toggle and quit act.
            if self.palette.open && !matches!(command, Command::CommandPalette | Command::Quit) {
                continue;
            }
            self.execute(ctx, command);
        }
    }

    /// Carries out one command: the single place menus, shortcuts and the palette end up.
    pub fn execute(&mut self, ctx: &egui::Context, command: Command) {
        let focused = self.focused;
        match command {
            Command::SplitRight => self.split_focused(Direction::Right, Vec::new(), None),
            Command::SplitDown => self.split_focused(Direction::Down, Vec::new(), None),
            Command::NewTab => self.new_tab(),
            Command::ClosePane => {
                if let Some(pane) = focused {
                    self.close_pane_asking(pane);
                }
            }
            Command::RestartPane => {
                if let Some(pane) = focused {
                    self.restart_pane(pane);
                }
            }
            Command::FocusLeft => self.move_focus(Direction::Left),
            Command::FocusRight => self.move_focus(Direction::Right),
            Command::FocusUp => self.move_focus(Direction::Up),
            Command::FocusDown => self.move_focus(Direction::Down),
            Command::NextTab | Command::PreviousTab => {
                let forward = command == Command::NextTab;
                if let Some(next) =
                    focused.and_then(|p| layout::neighbour_tab(&self.tree, p, forward))
                {
                    self.focus(next);
                }
            }
            Command::Copy => self.copy_selection(),
            Command::Paste => self.paste(ClipboardKind::Clipboard),
            Command::PastePrimary => self.paste(ClipboardKind::Primary),
            Command::SelectAll => self.select_all(),
            Command::FindInPane => {
                if let Some(pane) = focused {
                    self.find.open(pane);
                }
            }
            Command::ClearScrollback => {
                self.with_focused_term(|term| term.grid_mut().clear_history());
            }
            Command::ScrollPageUp => self.with_focused_term(|term| {
                term.scroll_display(alacritty_terminal::grid::Scroll::PageUp);
            }),
            Command::ScrollPageDown => self.with_focused_term(|term| {
                term.scroll_display(alacritty_terminal::grid::Scroll::PageDown);
            }),
            Command::ScrollToBottom => self.with_focused_term(|term| {
                term.scroll_display(alacritty_terminal::grid::Scroll::Bottom);
            }),
            Command::ZoomIn => self.glyphs.set_font_size(self.glyphs.font_size() + 1.0),
            Command::ZoomOut => self.glyphs.set_font_size(self.glyphs.font_size() - 1.0),
            Command::ZoomReset => self.glyphs.set_font_size(self.settings.font_size),
            Command::Settings => self.settings_window.toggle(&self.settings),
            Command::ShowHistory => {
                if let Some(pane) = focused {
                    let title = self.panes.get(pane).map(|e| e.title()).unwrap_or_default();
                    self.history
                        .open(self.persistence.database_path(), pane, title);
                }
            }
            Command::ToggleSessions => self.toggle_sessions(),
            Command::ToggleUsage => self.toggle_usage(),
            Command::SearchEverything => self.search.toggle(),
            Command::NewAgentPane => self.open_new_agent_dialog(),
            Command::RerunCommand => self.rerun_offered_command(),
            Command::NewWorkspace => self.workspace_ui.sidebar.start_new(),
            Command::RenameWorkspace => {
                let record = self.workspaces.active().clone();
                self.workspace_ui.sidebar.start_rename(&record);
            }
            Command::ArchiveWorkspace => {
                let id = self.workspaces.active_id();
                if let Err(error) = self.archive_workspace(id) {
                    self.notices.push(Notice::error(error));
                }
            }
            Command::DeleteWorkspace => {
                let id = self.workspaces.active_id();
                self.workspace_ui.sidebar.open = true;
                self.workspace_ui.sidebar.ask_delete(id);
            }
            Command::ToggleNotes => {
                self.workspace_ui.notes_open = !self.workspace_ui.notes_open;
                self.workspace_ui.notes_focus = self.workspace_ui.notes_open;
            }
            Command::ExportWorkspace => {
                let name = self.workspaces.active().name.clone();
                self.workspace_ui.transfer.export(&name);
            }
            Command::ImportWorkspace => self.workspace_ui.transfer.import(),
            Command::WorkspaceSettings | Command::NewWorktreePane => {
                self.open_workspace_settings(self.workspaces.active_id());
            }
            Command::ToggleSidebar => {
                self.workspace_ui.sidebar.open = !self.workspace_ui.sidebar.open;
            }
            Command::NextWorkspace | Command::PreviousWorkspace => {
                self.cycle_workspace(command == Command::NextWorkspace);
            }
            Command::CommandPalette => self.palette.toggle(),
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
        ctx.request_repaint();
    }
}
