//! Workspaces in the window: the active one's tiles are `SpacesApp::tree`; the others' trees
//! wait here while their panes keep running and recording. Switching, creating, renaming,
//! recolouring, reordering, notes, archiving (processes ended politely, everything kept),
//! unarchiving (brought back as a relaunch does) and deleting.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use egui_commonmark::CommonMarkCache;
use egui_tiles::Tree;
use spaces_store::{PaneRecord, WorkspaceId};
use spaces_term::PaneId;

use super::SpacesApp;
use crate::model::Notice;
use crate::model::layout::Layout;
use crate::model::persistence::Saved;
use crate::ui::layout;
use crate::ui::workspaces::Sidebar;

/// How long an archived workspace's programs get to end after SIGHUP before SIGKILL.
const END_GRACE: Duration = Duration::from_secs(3);

/// How long after a restore the restored panes' output is not marked as unseen.
const QUIET_AFTER_RESTORE: Duration = Duration::from_secs(3);

/// A hidden workspace's tiles and focus.
struct Stashed {
    tree: Tree<PaneId>,
    focused: Option<PaneId>,
}

/// An archived workspace shown read-only: its panes as they were saved.
pub(super) struct Browsing {
    pub workspace: WorkspaceId,
    pub panes: Vec<PaneRecord>,
    pub error: Option<String>,
}

/// The window's workspace state besides the active tree.
#[derive(Default)]
pub(super) struct WorkspaceUi {
    stashed: HashMap<WorkspaceId, Stashed>,
    pub(super) sidebar: Sidebar,
    /// How far each pane's output had got when its workspace was last shown.
    seen_output: HashMap<PaneId, u64>,
    /// Until then every pane counts as seen: restored shells print their prompts, which is
    /// not news.
    quiet_until: Option<std::time::Instant>,
    pub(super) notes_open: bool,
    /// The notes field takes the keyboard on the next frame (the panel was just opened).
    pub(super) notes_focus: bool,
    pub(super) notes_preview: bool,
    /// Workspaces whose notes changed since the last save.
    notes_dirty: BTreeSet<WorkspaceId>,
    pub(super) browsing: Option<Browsing>,
    pub(super) markdown: CommonMarkCache,
    pub(super) settings: crate::ui::workspace_settings::WorkspaceSettings,
    pub(super) transfer: crate::ui::transfer::TransferDialog,
}

/// The egui id of a workspace's tile tree (each keeps its own tile state).
pub(super) fn tree_id(workspace: WorkspaceId) -> String {
    format!("workspace-{}", workspace.0)
}

impl SpacesApp {
    pub fn workspaces(&self) -> &crate::model::workspaces::Workspaces {
        &self.workspaces
    }

    /// Every pane, the active workspace's first, each workspace's in layout order.
    pub fn panes_in_order(&self) -> Vec<PaneId> {
        let mut order = layout::panes(&self.tree);
        for workspace in self.workspaces.visible() {
            if let Some(stashed) = self.workspace_ui.stashed.get(&workspace.id) {
                order.extend(layout::panes(&stashed.tree));
            }
        }
        // Panes a tree lost track of still count.
        for pane in self.panes.ids() {
            if !order.contains(&pane) {
                order.push(pane);
            }
        }
        order
    }

    /// The name of the workspace `pane` belongs to.
    pub fn workspace_name_of(&self, pane: PaneId) -> String {
        self.panes
            .get(pane)
            .and_then(|entry| self.workspaces.get(entry.workspace))
            .map_or_else(String::new, |record| record.name.clone())
    }

    /// Takes the saved layouts of every unarchived workspace: the active one's becomes the
    /// shown tree. Panes a layout does not show are closed (their history stays on disk).
    pub(super) fn adopt_saved_layouts(&mut self, saved: Option<&Saved>) {
        let active = self.workspaces.active_id();
        let ids: Vec<WorkspaceId> = self.workspaces.visible().map(|r| r.id).collect();
        for workspace in ids {
            let layout = saved.and_then(|saved| saved.layout(workspace));
            let (tree, focused) = self.adopt_layout(workspace, layout);
            if workspace == active {
                self.tree = tree;
                self.focused = focused;
            } else {
                self.workspace_ui
                    .stashed
                    .insert(workspace, Stashed { tree, focused });
            }
        }
        self.workspace_ui.quiet_until = Some(std::time::Instant::now() + QUIET_AFTER_RESTORE);
    }

    /// One workspace's tree from its saved layout and its restored panes.
    fn adopt_layout(
        &mut self,
        workspace: WorkspaceId,
        saved: Option<&spaces_store::LayoutRecord>,
    ) -> (Tree<PaneId>, Option<PaneId>) {
        let id = tree_id(workspace);
        let restored = self.panes.ids_in(workspace);
        let Some(first) = restored.first().copied() else {
            return (layout::empty_tree(&id), None);
        };
        let parsed = saved.and_then(|saved| match Layout::from_json(&saved.tree_json) {
            Ok(layout) => layout::from_layout(&id, &layout),
            Err(error) => {
                self.notices.push(Notice::warning(format!(
                    "the saved arrangement of the panes could not be read ({error}); they are shown as tabs"
                )));
                None
            }
        });
        let mut tree = parsed.unwrap_or_else(|| {
            let mut tree = layout::single_pane_tree(&id, first);
            for pane in &restored[1..] {
                layout::add_tab(&mut tree, first, *pane);
            }
            tree
        });
        for pane in layout::panes(&tree) {
            if !restored.contains(&pane) {
                layout::remove_pane(&mut tree, pane);
            }
        }
        let shown = layout::panes(&tree);
        for pane in restored {
            if !shown.contains(&pane) {
                self.close_pane_record(pane);
                self.panes.remove(pane);
                self.views.remove(&pane);
            }
        }
        let focused = saved
            .and_then(|layout| layout.focused_pane)
            .map(crate::model::persistence::pane_id)
            .filter(|pane| shown.contains(pane))
            .or_else(|| shown.first().copied());
        if let Some(pane) = focused {
            layout::activate(&mut tree, pane);
        }
        (tree, focused)
    }

    /// Every workspace's layout and focus, the active one's included, for saving.
    pub(super) fn layouts_to_save(&self) -> Vec<(WorkspaceId, Layout, Option<PaneId>)> {
        let mut layouts = vec![(
            self.workspaces.active_id(),
            layout::to_layout(&self.tree),
            self.focused,
        )];
        for (workspace, stashed) in &self.workspace_ui.stashed {
            layouts.push((
                *workspace,
                layout::to_layout(&stashed.tree),
                stashed.focused,
            ));
        }
        layouts
    }

    /// Notes changed since the last call, to save.
    pub(super) fn take_dirty_notes(&mut self) -> Vec<spaces_store::WorkspaceRecord> {
        std::mem::take(&mut self.workspace_ui.notes_dirty)
            .into_iter()
            .filter_map(|id| self.workspaces.get(id).cloned())
            .collect()
    }

    /// Starts indexing new output for search now (a `spaces search` waits for it); false
    /// when this window has no indexer.
    pub fn wake_search_indexer(&self) -> bool {
        if let Some(indexer) = &self.search_indexer {
            indexer.wake_now();
        }
        self.search_indexer.is_some()
    }

    /// Commits everything recorded so far (waits for the writer: for requests that read the
    /// database next).
    pub fn flush_recording(&self) {
        if let Some(recorder) = &self.persistence.recorder
            && let Err(error) = recorder.flush()
        {
            tracing::warn!(%error, "could not commit the recording");
        }
    }

    /// Takes in a workspace another process added to the database (an import).
    pub fn adopt_workspace(&mut self, record: spaces_store::WorkspaceRecord) {
        self.workspaces.adopt(record);
    }

    /// Shows workspace `id`; a workspace without panes gets a shell.
    pub fn switch_workspace(&mut self, id: WorkspaceId) -> Result<(), String> {
        let active = self.workspaces.active_id();
        if id == active {
            return Ok(());
        }
        if !self.workspaces.set_active(id) {
            return Err(match self.workspaces.get(id) {
                Some(record) => format!(
                    "workspace {:?} is archived: unarchive it first",
                    record.name
                ),
                None => "no such workspace".to_owned(),
            });
        }
        let shown = self.take_shown_tree();
        self.workspace_ui.stashed.insert(active, shown);
        self.show_active();
        Ok(())
    }

    /// Creates a workspace and shows it (with a shell in its first pane).
    pub fn create_workspace(
        &mut self,
        name: &str,
        color: Option<&str>,
    ) -> Result<WorkspaceId, String> {
        self.create_workspace_in(name, color, None)
    }

    /// Creates a workspace whose panes start in `root` (checked by the caller) and shows it.
    pub fn create_workspace_in(
        &mut self,
        name: &str,
        color: Option<&str>,
        root: Option<String>,
    ) -> Result<WorkspaceId, String> {
        let record = self
            .workspaces
            .create(name, color)
            .map_err(|error| error.to_string())?;
        let id = record.id;
        self.persistence.save_workspace(record);
        if root.is_some() {
            let setup = self.workspaces.set_setup(id, root, Default::default());
            self.persistence.save_workspace_setup(setup);
        }
        self.switch_workspace(id)?;
        Ok(id)
    }

    pub fn rename_workspace(&mut self, id: WorkspaceId, name: &str) -> Result<(), String> {
        let record = self
            .workspaces
            .rename(id, name)
            .map_err(|error| error.to_string())?;
        self.persistence.save_workspace(record);
        Ok(())
    }

    pub fn recolor_workspace(&mut self, id: WorkspaceId, color: &str) -> Result<(), String> {
        let record = self
            .workspaces
            .recolor(id, color)
            .map_err(|error| error.to_string())?;
        self.persistence.save_workspace(record);
        Ok(())
    }

    pub fn set_workspace_notes(&mut self, id: WorkspaceId, notes: &str) {
        if self.workspaces.set_notes(id, notes).is_some() {
            self.workspace_ui.notes_dirty.insert(id);
        }
    }

    pub(super) fn move_workspace(&mut self, id: WorkspaceId, index: usize) {
        for record in self.workspaces.move_to(id, index) {
            self.persistence.save_workspace(record);
        }
    }

    /// Archives a workspace: its programs are ended (SIGHUP, then SIGKILL after a grace
    /// period); its layout, pane records, histories and notes are kept.
    pub fn archive_workspace(&mut self, id: WorkspaceId) -> Result<(), String> {
        if self.workspaces.get(id).is_none_or(|record| record.archived) {
            return Err("no such unarchived workspace".to_owned());
        }
        let was_active = self.workspaces.active_id() == id;
        self.save_layouts_now();
        let changed = self.workspaces.set_archived(id, true);
        for record in changed {
            self.persistence.save_workspace(record);
        }
        self.end_workspace_panes(id, false);
        self.workspace_ui.stashed.remove(&id);
        if was_active {
            self.show_active();
        }
        Ok(())
    }

    /// Brings an archived workspace back as a relaunch would: each pane's screen replayed
    /// from its history and a fresh shell in its last directory.
    pub fn unarchive_workspace(&mut self, id: WorkspaceId) -> Result<(), String> {
        if !self
            .workspaces
            .get(id)
            .is_some_and(|record| record.archived)
        {
            return Err("no such archived workspace".to_owned());
        }
        let database = spaces_store::Database::open_readonly(self.persistence.database_path())
            .map_err(|error| format!("could not read the workspace's panes: {error}"))?;
        let records = database.list_panes(id).map_err(|error| error.to_string())?;
        let layout = database
            .load_layout(id)
            .map_err(|error| error.to_string())?;
        let mut plans = crate::model::restore::load_plans(&database, records, &mut self.notices);
        let env = crate::model::workspace_setup::pane_env(self.workspaces.setup(id));
        for plan in &mut plans {
            plan.env = env.clone();
        }
        let base = super::base_options(&self.settings, &self.config);
        // An archived workspace's agents are offered their conversations, not restarted.
        let resume = crate::model::restore::ResumePolicy {
            roots: self.session_roots(),
            automatic: false,
        };
        for pane in self.panes.restore_all(&plans, &base, &resume) {
            self.notices.push(Notice::warning(format!(
                "pane {pane} came back empty: its history could not be replayed"
            )));
        }
        for (pane, error) in self.panes.start_pending() {
            self.notices.push(Notice::error(format!(
                "could not start pane {pane}: {error}"
            )));
        }
        for record in self.workspaces.set_archived(id, false) {
            self.persistence.save_workspace(record);
        }
        let (tree, focused) = self.adopt_layout(id, layout.as_ref());
        self.workspace_ui
            .stashed
            .insert(id, Stashed { tree, focused });
        if self
            .workspace_ui
            .browsing
            .as_ref()
            .is_some_and(|b| b.workspace == id)
        {
            self.workspace_ui.browsing = None;
        }
        self.switch_workspace(id)
    }

    /// Deletes a workspace with its panes and their whole history.
    pub fn delete_workspace(&mut self, id: WorkspaceId) -> Result<(), String> {
        let was_active = self.workspaces.active_id() == id;
        let Some((_, created)) = self.workspaces.remove(id) else {
            return Err("no such workspace".to_owned());
        };
        self.end_workspace_panes(id, true);
        self.workspace_ui.stashed.remove(&id);
        self.persistence.delete_workspace(id);
        if let Some(created) = created {
            self.persistence.save_workspace(created);
        }
        if was_active {
            self.show_active();
        }
        Ok(())
    }

    /// The shown tree and focus, taken out (an empty tree stays in their place).
    fn take_shown_tree(&mut self) -> Stashed {
        let id = tree_id(self.workspaces.active_id());
        Stashed {
            tree: std::mem::replace(&mut self.tree, layout::empty_tree(&id)),
            focused: self.focused.take(),
        }
    }

    /// Shows the workspace the list calls active: its stashed tree (a shell when it has no
    /// pane), remembered for the next start.
    fn show_active(&mut self) {
        let id = self.workspaces.active_id();
        let next = self
            .workspace_ui
            .stashed
            .remove(&id)
            .unwrap_or_else(|| Stashed {
                tree: layout::empty_tree(&tree_id(id)),
                focused: None,
            });
        self.tree = next.tree;
        self.focused = next.focused;
        self.persistence.save_active_workspace(id);
        if layout::panes(&self.tree).is_empty() {
            self.new_tab();
        }
        self.mark_seen();
    }

    /// Ends every program of a workspace's panes and takes the panes out of the window. Their
    /// records are saved as they are now (`closed` when the workspace is being deleted).
    fn end_workspace_panes(&mut self, id: WorkspaceId, deleting: bool) {
        let mut pids = Vec::new();
        for pane in self.panes.ids_in(id) {
            if let Some(entry) = self.panes.get(pane) {
                if !deleting {
                    let record = crate::model::record::current_record(pane, entry);
                    self.persistence.save_pane(record.clone());
                }
                pids.extend(entry.terminal.child_pid().map(|pid| pid as i32));
                pids.extend(entry.terminal.foreground_pid());
            }
            // Dropping the terminal sends SIGHUP.
            self.panes.remove(pane);
            self.views.remove(&pane);
            self.workspace_ui.seen_output.remove(&pane);
        }
        end_after_grace(pids);
    }

    /// Saves every layout now (before a workspace's panes go away).
    fn save_layouts_now(&mut self) {
        for (workspace, layout, focused) in self.layouts_to_save() {
            self.persistence
                .save_layout_if_changed(workspace, &layout, focused);
        }
    }

    /// Takes a pane of a hidden workspace out of its tree.
    pub(super) fn forget_hidden_pane(&mut self, pane: PaneId) {
        for stashed in self.workspace_ui.stashed.values_mut() {
            if layout::tile_of(&stashed.tree, pane).is_some() {
                layout::remove_pane(&mut stashed.tree, pane);
                if stashed.focused == Some(pane) {
                    stashed.focused = layout::panes(&stashed.tree).first().copied();
                }
            }
        }
    }

    /// Shows the next (or previous) workspace in sidebar order, wrapping around.
    pub(super) fn cycle_workspace(&mut self, forward: bool) {
        let order: Vec<WorkspaceId> = self.workspaces.visible().map(|r| r.id).collect();
        let Some(index) = order
            .iter()
            .position(|id| *id == self.workspaces.active_id())
        else {
            return;
        };
        let next = if forward {
            (index + 1) % order.len()
        } else {
            (index + order.len() - 1) % order.len()
        };
        if let Err(error) = self.switch_workspace(order[next]) {
            self.notices.push(Notice::warning(error));
        }
    }

    /// Remembers how far the shown workspace's panes have printed (every pane's, just after
    /// a restore).
    pub(super) fn mark_seen(&mut self) {
        let quiet = self
            .workspace_ui
            .quiet_until
            .is_some_and(|until| std::time::Instant::now() < until);
        let panes = if quiet {
            self.panes.ids()
        } else {
            self.panes.ids_in(self.workspaces.active_id())
        };
        for pane in panes {
            if let Some(entry) = self.panes.get(pane) {
                self.workspace_ui
                    .seen_output
                    .insert(pane, entry.terminal.bytes_read());
            }
        }
    }

    /// Whether a pane of `workspace` printed since the workspace was last shown.
    pub(super) fn has_unseen_output(&self, workspace: WorkspaceId) -> bool {
        self.panes.ids_in(workspace).into_iter().any(|pane| {
            let seen = self
                .workspace_ui
                .seen_output
                .get(&pane)
                .copied()
                .unwrap_or(0);
            self.panes
                .get(pane)
                .is_some_and(|entry| entry.terminal.bytes_read() > seen)
        })
    }

    /// Ctrl+1..9 show the first nine workspaces.
    pub(super) fn workspace_shortcuts(&mut self, ctx: &egui::Context) {
        const KEYS: [egui::Key; 9] = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
            egui::Key::Num6,
            egui::Key::Num7,
            egui::Key::Num8,
            egui::Key::Num9,
        ];
        let ctrl = egui::Modifiers::CTRL;
        let pressed = ctx.input_mut(|input| {
            KEYS.iter().position(|key| {
                crate::ui::commands::consume_shortcut(
                    input,
                    &egui::KeyboardShortcut::new(ctrl, *key),
                )
            })
        });
        let target = pressed.and_then(|index| self.workspaces.visible().nth(index).map(|r| r.id));
        if let Some(target) = target
            && let Err(error) = self.switch_workspace(target)
        {
            self.notices.push(Notice::warning(error));
        }
    }
}

/// SIGKILLs what is left of `pids` (and their process groups) after the grace period; the
/// SIGHUP went out when their terminals were dropped.
fn end_after_grace(pids: Vec<i32>) {
    let pids: Vec<i32> = pids.into_iter().filter(|pid| *pid > 1).collect();
    if pids.is_empty() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("end-workspace".into())
        .spawn(move || {
            std::thread::sleep(END_GRACE);
            for pid in pids {
                use nix::sys::signal::{Signal, kill, killpg};
                let target = nix::unistd::Pid::from_raw(pid);
                if kill(target, None).is_ok() {
                    let _gone = killpg(target, Signal::SIGKILL);
                    let _gone = kill(target, Signal::SIGKILL);
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not watch the ending programs");
    }
}
