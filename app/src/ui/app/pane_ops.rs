//! Pane operations of the window: spawning, splitting, tabs, focus, closing and restarting
//! panes, clipboard actions on the focused pane, and the requests a pane's view makes.

use std::path::PathBuf;

use spaces_term::alacritty_terminal;
use spaces_term::{PaneId, SpawnOptions};

use super::{SpacesApp, base_options};
use crate::model::Notice;
use crate::ui::clipboard::Selection as ClipboardKind;
use crate::ui::layout::{self, Direction};
use crate::ui::terminal::PaneRequest;

impl SpacesApp {
    /// Changes the focused pane's grid (scrolling, selection, clearing history).
    pub(super) fn with_focused_term(&mut self, change: impl FnOnce(&mut spaces_term::Term)) {
        if let Some(entry) = self.focused.and_then(|pane| self.panes.get(pane)) {
            entry.terminal.update(change);
        }
    }

    pub(super) fn spawn_options(&self, command: Vec<String>, cwd: Option<PathBuf>) -> SpawnOptions {
        // New panes start in the workspace's root when it has one, else where the focused
        // pane's program is, as most terminals do; with the workspace's environment.
        let setup = self.workspaces.setup(self.workspaces.active_id());
        let root = setup
            .and_then(|setup| setup.root.as_ref())
            .map(PathBuf::from)
            .filter(|root| root.is_dir());
        let cwd = cwd.or(root).or_else(|| {
            self.focused
                .and_then(|p| self.panes.get(p))
                .and_then(|e| e.cwd())
        });
        let mut options = base_options(&self.settings, &self.config);
        options.cwd = cwd;
        options
            .env
            .extend(crate::model::workspace_setup::pane_env(setup));
        // An empty command keeps the default one (the login shell unless configured).
        if !command.is_empty() {
            options.command = command;
        }
        options
    }

    pub(super) fn spawn_pane(&mut self, options: SpawnOptions) -> Option<PaneId> {
        let persistence = &self.persistence;
        let workspace = self.workspaces.active_id();
        let record = |pane: PaneId, options: &SpawnOptions| {
            persistence.save_pane(crate::model::record::new_record(pane, options, workspace));
        };
        match self.panes.spawn(options, workspace, record) {
            Ok(pane) => Some(pane),
            Err(error) => {
                self.notices.push(Notice::error(error.to_string()));
                None
            }
        }
    }

    /// Splits the focused pane (or `target`); returns the new pane.
    pub fn split(
        &mut self,
        target: Option<PaneId>,
        direction: Direction,
        command: Vec<String>,
        cwd: Option<PathBuf>,
    ) -> Option<PaneId> {
        let target = target.or(self.focused)?;
        let options = self.spawn_options(command, cwd);
        let pane = self.spawn_pane(options)?;
        layout::split(&mut self.tree, target, pane, direction);
        self.focus(pane);
        Some(pane)
    }

    pub(super) fn split_focused(
        &mut self,
        direction: Direction,
        command: Vec<String>,
        cwd: Option<PathBuf>,
    ) {
        if self.panes.is_empty() {
            self.new_tab();
        } else {
            self.split(None, direction, command, cwd);
        }
    }

    /// Opens a new pane as a tab beside the focused one (or as the only pane).
    pub fn spawn_tab(&mut self, command: Vec<String>, cwd: Option<PathBuf>) -> Option<PaneId> {
        let options = self.spawn_options(command, cwd);
        let pane = self.spawn_pane(options)?;
        match self
            .focused
            .filter(|p| layout::tile_of(&self.tree, *p).is_some())
        {
            Some(target) => layout::add_tab(&mut self.tree, target, pane),
            None => {
                let id = super::workspaces::tree_id(self.workspaces.active_id());
                self.tree = layout::single_pane_tree(&id, pane);
            }
        }
        self.focus(pane);
        Some(pane)
    }

    pub(super) fn new_tab(&mut self) {
        self.spawn_tab(Vec::new(), None);
    }

    /// Focuses `pane`, showing its workspace first when it is another one.
    pub fn focus(&mut self, pane: PaneId) {
        let workspace = self.panes.get(pane).map(|entry| entry.workspace);
        if let Some(workspace) = workspace
            && workspace != self.workspaces.active_id()
            && let Err(error) = self.switch_workspace(workspace)
        {
            self.notices.push(Notice::warning(error));
            return;
        }
        if self.panes.get(pane).is_some() {
            layout::activate(&mut self.tree, pane);
            self.focused = Some(pane);
        }
    }

    pub(super) fn move_focus(&mut self, direction: Direction) {
        if let Some(next) = self
            .focused
            .and_then(|p| layout::neighbour(&self.tree, p, direction))
        {
            self.focus(next);
        }
    }

    /// Closes `pane`, asking first when a program other than an idle shell runs in it (and
    /// the setting says to ask).
    pub(super) fn close_pane_asking(&mut self, pane: PaneId) {
        let running = self
            .panes
            .get(pane)
            .filter(|entry| entry.terminal.exit_info().is_none())
            .and_then(|entry| entry.foreground_command());
        match running {
            Some(command) if self.settings.confirm_close => {
                let program = command
                    .first()
                    .map(|program| {
                        std::path::Path::new(program).file_name().map_or_else(
                            || program.clone(),
                            |name| name.to_string_lossy().into_owned(),
                        )
                    })
                    .unwrap_or_default();
                self.pending_close = Some((pane, program));
            }
            _ => self.close_pane(pane),
        }
    }

    /// The question of a close that waits for the user, if any.
    pub(super) fn close_question(&mut self, ctx: &egui::Context) {
        let Some((pane, program)) = self.pending_close.clone() else {
            return;
        };
        if self.panes.get(pane).is_none() {
            self.pending_close = None;
            return;
        }
        let mut answer = None;
        egui::Window::new("Close this pane?")
            .id(egui::Id::unique("close-pane-question"))
            .collapsible(false)
            .resizable(false)
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(crate::ui::theme::dialog_position(ctx))
            .show(ctx, |ui| {
                ui.label(format!(
                    "{program} is still running in it. Closing the pane ends it (its output stays in the history)."
                ));
                ui.horizontal(|ui| {
                    if ui.button("Close the pane").clicked()
                        || ui.input(|input| input.key_pressed(egui::Key::Enter))
                    {
                        answer = Some(true);
                    }
                    if ui.button("Cancel").clicked()
                        || ui.input(|input| input.key_pressed(egui::Key::Escape))
                    {
                        answer = Some(false);
                    }
                });
            });
        match answer {
            Some(true) => {
                self.pending_close = None;
                self.close_pane(pane);
            }
            Some(false) => self.pending_close = None,
            None => {}
        }
    }

    /// The view of a workspace without panes; what it asks for is done here.
    pub(super) fn welcome_view(&mut self, ui: &mut egui::Ui) {
        let workspace = self.workspaces.active().name.clone();
        let ctx = ui.ctx().clone();
        match crate::ui::welcome::show(ui, &workspace, &self.recent_dirs) {
            Some(crate::ui::welcome::WelcomeChoice::Shell(dir)) => {
                // A directory picked wins; else the workspace's root (spawn_tab's default),
                // else the home directory.
                let has_root = self
                    .workspaces
                    .setup(self.workspaces.active_id())
                    .is_some_and(|setup| setup.root.is_some());
                let cwd = match dir {
                    Some(dir) => Some(dir),
                    None if has_root => None,
                    None => std::env::var_os("HOME").map(PathBuf::from),
                };
                self.spawn_tab(Vec::new(), cwd);
            }
            Some(crate::ui::welcome::WelcomeChoice::Command(command)) => {
                self.execute(&ctx, command);
            }
            None => {}
        }
    }

    /// Remembers the directory of a pane being closed, for the welcome view.
    fn remember_dir(&mut self, pane: PaneId) {
        const RECENT: usize = 6;
        if let Some(dir) = self.panes.get(pane).and_then(|entry| entry.cwd()) {
            self.recent_dirs.retain(|known| *known != dir);
            self.recent_dirs.insert(0, dir);
            self.recent_dirs.truncate(RECENT);
        }
    }

    pub fn close_pane(&mut self, pane: PaneId) {
        self.remember_dir(pane);
        if layout::tile_of(&self.tree, pane).is_none() {
            // A pane of a hidden workspace (closed from `spaces cli`).
            self.forget_hidden_pane(pane);
            self.close_pane_record(pane);
            self.panes.remove(pane);
            self.views.remove(&pane);
            return;
        }
        // Focus goes where the eye is: the neighbouring tab of the same group (it takes the
        // closed tab's place), else the nearest pane beside it.
        let next = layout::neighbour_tab(&self.tree, pane, false).or_else(|| {
            [
                Direction::Left,
                Direction::Up,
                Direction::Right,
                Direction::Down,
            ]
            .into_iter()
            .find_map(|direction| layout::neighbour(&self.tree, pane, direction))
        });
        layout::remove_pane(&mut self.tree, pane);
        self.close_pane_record(pane);
        self.panes.remove(pane);
        self.views.remove(&pane);
        if self.focused == Some(pane) {
            self.focused = next.or_else(|| layout::panes(&self.tree).first().copied());
            if let Some(next) = self.focused {
                layout::activate(&mut self.tree, next);
            }
        }
    }

    pub(super) fn restart_pane(&mut self, pane: PaneId) {
        let exited = self
            .panes
            .get(pane)
            .is_some_and(|e| e.terminal.exit_info().is_some());
        if !exited {
            return;
        }
        if let Err(error) = self.panes.restart(pane) {
            self.notices.push(Notice::error(error.to_string()));
        }
    }

    pub(super) fn copy_selection(&mut self) {
        let text = self
            .focused
            .and_then(|pane| self.panes.get(pane))
            .and_then(|entry| entry.terminal.read(|term| term.selection_to_string()));
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            self.clipboard.set(ClipboardKind::Clipboard, text);
        }
    }

    pub(super) fn paste(&mut self, kind: ClipboardKind) {
        let Some(text) = self.clipboard.get(kind) else {
            return;
        };
        if let Some(entry) = self.focused.and_then(|pane| self.panes.get(pane)) {
            entry.paste(&text);
        }
    }

    pub(super) fn select_all(&mut self) {
        use alacritty_terminal::grid::Dimensions as _;
        use alacritty_terminal::index::{Column, Line, Point, Side};
        use alacritty_terminal::selection::{Selection, SelectionType};
        self.with_focused_term(|term| {
            let top = Point::new(Line(-(term.grid().history_size() as i32)), Column(0));
            let bottom = Point::new(Line(term.screen_lines() as i32 - 1), term.last_column());
            let mut selection = Selection::new(SelectionType::Simple, top, Side::Left);
            selection.update(bottom, Side::Right);
            term.selection = Some(selection);
        });
    }

    pub(super) fn handle_pane_request(&mut self, request: PaneRequest) {
        match request {
            PaneRequest::NewPane => self.new_tab(),
            PaneRequest::Focus(pane) => self.focus(pane),
            PaneRequest::Restart(pane) => self.restart_pane(pane),
            PaneRequest::Close(pane) => self.close_pane_asking(pane),
            PaneRequest::Rerun(pane) => {
                self.focus(pane);
                self.rerun_offered_command();
            }
            PaneRequest::DismissRerun(pane) => {
                if let Some(entry) = self.panes.get_mut(pane) {
                    entry.rerun_offer = None;
                    entry.resume_problem = None;
                }
            }
            PaneRequest::OpenFile { path, line } => self.open_file(&path, line),
        }
    }

    /// Opens a file a Ctrl+click found: in `$EDITOR` (at the line, `+N` as vi, emacs, nano
    /// and helix take it) in a new pane beside the focused one, else with the desktop's opener.
    fn open_file(&mut self, path: &std::path::Path, line: Option<u32>) {
        let editor = std::env::var("VISUAL")
            .ok()
            .or_else(|| std::env::var("EDITOR").ok())
            .filter(|editor| !editor.trim().is_empty());
        let Some(editor) = editor else {
            crate::ui::terminal::open_with_desktop(&path.display().to_string());
            return;
        };
        let mut command: Vec<String> = editor.split_whitespace().map(str::to_owned).collect();
        if let Some(line) = line {
            command.push(format!("+{line}"));
        }
        command.push(path.display().to_string());
        let cwd = path.parent().map(std::path::Path::to_path_buf);
        if self
            .split(self.focused, Direction::Right, command, cwd)
            .is_none()
        {
            self.notices.push(Notice::warning(format!(
                "could not open {} in {editor}",
                path.display()
            )));
        }
    }
}
