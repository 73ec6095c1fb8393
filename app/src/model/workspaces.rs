//! The workspaces of a window: their records in sidebar order, which one is active, and the
//! changes a user makes to them (create, rename, recolour, reorder, archive, notes, delete).
//! Every change is checked here and returns the records to save; the caller saves them.

use std::collections::HashMap;

use spaces_store::{WorkspaceId, WorkspaceRecord, WorkspaceSetup, WorktreeRecord};

use super::workspace_input::{self, InputError};

/// The name of the workspace a fresh install starts with.
pub const FIRST_WORKSPACE: &str = "default";

/// Every workspace, archived ones included, in sidebar order.
#[derive(Clone, Debug)]
pub struct Workspaces {
    list: Vec<WorkspaceRecord>,
    active: WorkspaceId,
    next_id: i64,
    /// Root directories and environments, where set.
    setups: HashMap<WorkspaceId, WorkspaceSetup>,
    worktrees: Vec<WorktreeRecord>,
}

impl Workspaces {
    /// The saved workspaces (in any order); `active` if it is one of the unarchived ones, else
    /// the first unarchived one. A list without an unarchived workspace gets a new one.
    pub fn new(mut list: Vec<WorkspaceRecord>, active: Option<WorkspaceId>) -> Self {
        list.sort_by_key(|record| (record.position, record.id.0));
        let next_id = list.iter().map(|record| record.id.0).max().unwrap_or(0) + 1;
        let mut workspaces = Self {
            list,
            active: WorkspaceId(0),
            next_id,
            setups: HashMap::new(),
            worktrees: Vec::new(),
        };
        let active = active
            .filter(|id| workspaces.get(*id).is_some_and(|record| !record.archived))
            .or_else(|| workspaces.visible().next().map(|record| record.id));
        workspaces.active = match active {
            Some(id) => id,
            None => {
                workspaces
                    .create(FIRST_WORKSPACE, None)
                    .unwrap_or_else(|_| {
                        // The name is taken by an archived workspace: number it.
                        let name = workspace_input::unused_name(
                            FIRST_WORKSPACE,
                            workspaces.names().collect::<Vec<_>>(),
                        );
                        workspaces
                            .create(&name, None)
                            .expect("an unused name is accepted")
                    })
                    .id
            }
        };
        workspaces
    }

    /// Adds the saved roots, environments and worktrees.
    pub fn with_setups(
        mut self,
        setups: Vec<WorkspaceSetup>,
        worktrees: Vec<WorktreeRecord>,
    ) -> Self {
        self.setups = setups
            .into_iter()
            .map(|setup| (setup.workspace_id, setup))
            .collect();
        self.worktrees = worktrees;
        self
    }

    /// The root directory and environment of `id`, if set.
    pub fn setup(&self, id: WorkspaceId) -> Option<&WorkspaceSetup> {
        self.setups.get(&id)
    }

    /// Replaces the root and environment of `id`; returns the setup to save.
    pub fn set_setup(
        &mut self,
        id: WorkspaceId,
        root: Option<String>,
        env: std::collections::BTreeMap<String, String>,
    ) -> WorkspaceSetup {
        let setup = WorkspaceSetup {
            workspace_id: id,
            root,
            env,
            updated_at_ms: spaces_store::unix_millis(),
        };
        self.setups.insert(id, setup.clone());
        setup
    }

    /// The worktrees made for `id`, oldest first.
    pub fn worktrees_of(&self, id: WorkspaceId) -> impl Iterator<Item = &WorktreeRecord> {
        self.worktrees
            .iter()
            .filter(move |worktree| worktree.workspace_id == id)
    }

    pub fn add_worktree(&mut self, worktree: WorktreeRecord) {
        self.worktrees.push(worktree);
    }

    pub fn forget_worktree(&mut self, id: WorkspaceId, path: &str) {
        self.worktrees
            .retain(|worktree| !(worktree.workspace_id == id && worktree.path == path));
    }

    pub fn active_id(&self) -> WorkspaceId {
        self.active
    }

    pub fn active(&self) -> &WorkspaceRecord {
        self.get(self.active).expect("the active workspace exists")
    }

    pub fn get(&self, id: WorkspaceId) -> Option<&WorkspaceRecord> {
        self.list.iter().find(|record| record.id == id)
    }

    /// The workspace called `name` (compared without regard to case).
    pub fn by_name(&self, name: &str) -> Option<&WorkspaceRecord> {
        let name = name.trim();
        self.list
            .iter()
            .find(|record| record.name.eq_ignore_ascii_case(name))
    }

    /// Unarchived workspaces in sidebar order.
    pub fn visible(&self) -> impl Iterator<Item = &WorkspaceRecord> {
        self.list.iter().filter(|record| !record.archived)
    }

    pub fn archived(&self) -> impl Iterator<Item = &WorkspaceRecord> {
        self.list.iter().filter(|record| record.archived)
    }

    pub fn all(&self) -> &[WorkspaceRecord] {
        &self.list
    }

    fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.list.iter().map(|record| record.name.as_str())
    }

    /// A new workspace at the end of the list, in `color` or the next unused palette colour.
    pub fn create(
        &mut self,
        name: &str,
        color: Option<&str>,
    ) -> Result<WorkspaceRecord, InputError> {
        let name = workspace_input::check_name(name, self.names())?;
        let color = match color {
            Some(color) => workspace_input::check_color(color)?,
            None => {
                workspace_input::next_color(self.list.iter().map(|r| r.color.as_str())).to_owned()
            }
        };
        let position = self.list.iter().map(|r| r.position).max().unwrap_or(-1) + 1;
        let record = WorkspaceRecord::new(WorkspaceId(self.next_id), &name, &color, position);
        self.next_id += 1;
        self.list.push(record.clone());
        Ok(record)
    }

    /// Adds a workspace that exists in the store already (imported by `spaces workspace
    /// import` while the window runs).
    pub fn adopt(&mut self, record: WorkspaceRecord) {
        if self.get(record.id).is_some() {
            return;
        }
        self.next_id = self.next_id.max(record.id.0 + 1);
        self.list.push(record);
        self.list
            .sort_by_key(|record| (record.position, record.id.0));
    }

    pub fn rename(&mut self, id: WorkspaceId, name: &str) -> Result<WorkspaceRecord, InputError> {
        let others = self
            .list
            .iter()
            .filter(|record| record.id != id)
            .map(|record| record.name.as_str());
        let name = workspace_input::check_name(name, others)?;
        Ok(self.change(id, |record| record.name = name))
    }

    pub fn recolor(&mut self, id: WorkspaceId, color: &str) -> Result<WorkspaceRecord, InputError> {
        let color = workspace_input::check_color(color)?;
        Ok(self.change(id, |record| record.color = color))
    }

    /// Replaces the notes; `None` when they are already that text.
    pub fn set_notes(&mut self, id: WorkspaceId, notes: &str) -> Option<WorkspaceRecord> {
        let record = self.get(id)?;
        if record.notes == notes {
            return None;
        }
        Some(self.change(id, |record| record.notes = notes.to_owned()))
    }

    /// Archives or unarchives `id`. Archiving the active workspace makes another one active
    /// (a new one if it was the last).
    pub fn set_archived(&mut self, id: WorkspaceId, archived: bool) -> Vec<WorkspaceRecord> {
        let Some(record) = self.get(id) else {
            return Vec::new();
        };
        if record.archived == archived {
            return Vec::new();
        }
        let mut changed = vec![self.change(id, |record| record.archived = archived)];
        if archived && self.active == id {
            changed.extend(self.activate_another(id));
        }
        changed
    }

    /// Removes `id` from the list; `None` if there is no such workspace. Removing the active
    /// workspace makes another one active; the second value is a workspace made for that when
    /// no other was left (to save).
    pub fn remove(
        &mut self,
        id: WorkspaceId,
    ) -> Option<(WorkspaceRecord, Option<WorkspaceRecord>)> {
        let index = self.list.iter().position(|record| record.id == id)?;
        let removed = self.list.remove(index);
        self.setups.remove(&id);
        self.worktrees
            .retain(|worktree| worktree.workspace_id != id);
        let created = if self.active == id {
            self.activate_another(id)
        } else {
            None
        };
        Some((removed, created))
    }

    /// Makes another unarchived workspace active, creating one if none is left.
    fn activate_another(&mut self, leaving: WorkspaceId) -> Option<WorkspaceRecord> {
        let next = self
            .visible()
            .find(|record| record.id != leaving)
            .map(|record| record.id);
        match next {
            Some(next) => {
                self.active = next;
                None
            }
            None => {
                let name = workspace_input::unused_name(FIRST_WORKSPACE, self.names());
                let created = self
                    .create(&name, None)
                    .expect("an unused name is accepted");
                self.active = created.id;
                Some(created)
            }
        }
    }

    /// Makes `id` active; false if it does not exist or is archived.
    pub fn set_active(&mut self, id: WorkspaceId) -> bool {
        let usable = self.get(id).is_some_and(|record| !record.archived);
        if usable {
            self.active = id;
        }
        usable
    }

    /// Moves `id` to `index` among the unarchived workspaces; returns the records whose
    /// position changed.
    pub fn move_to(&mut self, id: WorkspaceId, index: usize) -> Vec<WorkspaceRecord> {
        let mut order: Vec<WorkspaceId> = self.visible().map(|record| record.id).collect();
        let Some(from) = order.iter().position(|other| *other == id) else {
            return Vec::new();
        };
        let moved = order.remove(from);
        order.insert(index.min(order.len()), moved);
        // Archived workspaces keep their place after the visible ones.
        order.extend(self.archived().map(|record| record.id));
        let mut changed = Vec::new();
        for (position, id) in order.into_iter().enumerate() {
            let position = position as i64;
            if self
                .get(id)
                .is_some_and(|record| record.position != position)
            {
                changed.push(self.change(id, |record| record.position = position));
            }
        }
        self.list
            .sort_by_key(|record| (record.position, record.id.0));
        changed
    }

    /// Applies `edit` to the workspace `id`, stamps it, and returns the new record.
    fn change(
        &mut self,
        id: WorkspaceId,
        edit: impl FnOnce(&mut WorkspaceRecord),
    ) -> WorkspaceRecord {
        let record = self
            .list
            .iter_mut()
            .find(|record| record.id == id)
            .expect("changes are made to existing workspaces");
        edit(record);
        record.updated_at_ms = spaces_store::unix_millis();
        record.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(workspaces: &Workspaces) -> Vec<&str> {
        workspaces.visible().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn an_empty_list_gets_a_first_workspace() {
        let workspaces = Workspaces::new(Vec::new(), None);
        assert_eq!(workspaces.active().name, FIRST_WORKSPACE);
        assert_eq!(workspaces.active().color, workspace_input::PALETTE[0]);
    }

    #[test]
    fn create_rename_recolor_and_refuse_bad_input() {
        let mut workspaces = Workspaces::new(Vec::new(), None);
        let api = workspaces.create("api", None).expect("create");
        assert_eq!(api.color, workspace_input::PALETTE[1]);
        assert_eq!(api.position, 1);
        assert!(matches!(
            workspaces.create("API", None),
            Err(InputError::DuplicateName(_))
        ));
        assert!(workspaces.create("x", Some("blue")).is_err());
        assert!(workspaces.rename(api.id, "").is_err());
        assert!(workspaces.rename(api.id, "default").is_err());
        // Renaming to its own name in another case is fine.
        assert_eq!(
            workspaces.rename(api.id, "Api").expect("rename").name,
            "Api"
        );
        let red = workspaces.recolor(api.id, "#FF0000").expect("recolor");
        assert_eq!(red.color, "#ff0000");
        assert_eq!(names(&workspaces), ["default", "Api"]);
    }

    #[test]
    fn reorder_archive_and_remove_keep_an_active_workspace() {
        let mut workspaces = Workspaces::new(Vec::new(), None);
        let first = workspaces.active_id();
        let b = workspaces.create("b", None).expect("b").id;
        let c = workspaces.create("c", None).expect("c").id;
        let changed = workspaces.move_to(c, 0);
        assert_eq!(changed.len(), 3);
        assert_eq!(names(&workspaces), ["c", "default", "b"]);

        let changed = workspaces.set_archived(first, true);
        assert_eq!(changed.len(), 1);
        assert_eq!(
            workspaces.active_id(),
            c,
            "the first visible one takes over"
        );
        assert_eq!(names(&workspaces), ["c", "b"]);
        assert!(
            !workspaces.set_active(first),
            "archived ones are not switched to"
        );

        workspaces.set_archived(first, false);
        assert_eq!(names(&workspaces), ["c", "default", "b"]);

        let (removed, created) = workspaces.remove(c).expect("remove");
        assert_eq!((removed.id, created), (c, None));
        assert_ne!(workspaces.active_id(), c);
        workspaces.remove(first);
        let (_, created) = workspaces.remove(b).expect("remove the last");
        let created = created.expect("a fresh workspace replaces the last one");
        assert_eq!(workspaces.active_id(), created.id);
    }

    #[test]
    fn saved_order_and_active_come_back() {
        let mut saved = Workspaces::new(Vec::new(), None);
        let b = saved.create("b", None).expect("b").id;
        saved.move_to(b, 0);
        let reloaded = Workspaces::new(saved.all().to_vec(), Some(b));
        assert_eq!(reloaded.active_id(), b);
        assert_eq!(names(&reloaded), ["b", "default"]);
        let next = reloaded.clone().create("c", None).expect("c");
        assert_eq!(next.id.0, 3, "ids are not reused");
    }
}
