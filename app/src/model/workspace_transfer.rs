//! Export and import of a workspace (`spaces workspace export|import`, the Workspace menu):
//! the store writes and reads the file, and asks here what only the app knows: which names
//! and colours a workspace may have (`workspace_input`) and how a layout names its panes
//! (`layout`).

use std::path::Path;

use anyhow::{Context as _, bail};
use spaces_store::{Database, ExportError, ExportSummary, IfExists, ImportRules, ImportSummary};

use super::layout::{Layout, Node, Share};
use super::persistence::{pane_id, store_id};
use super::workspace_input::{MAX_NAME_CHARS, check_color, check_name, next_color, unused_name};

/// Names checked and numbered when taken, colours checked (else the first unused palette
/// colour), layouts renumbered in this build's format.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkspaceImportRules;

impl ImportRules for WorkspaceImportRules {
    fn name(&self, exported: &str, taken: &[String]) -> Result<String, String> {
        let name = check_name(exported, [])
            .map_err(|error| format!("its workspace name is not usable ({error})"))?;
        let taken = || taken.iter().map(String::as_str);
        let free = unused_name(&name, taken());
        if free.chars().count() <= MAX_NAME_CHARS {
            return Ok(free);
        }
        // A long name with " (12)" added would pass the limit: shorten it to leave room, and
        // number it still, so it reads as the copy it is.
        let room = " (999)".len();
        let short: String = name.chars().take(MAX_NAME_CHARS - room).collect();
        let short = short.trim_end();
        Ok(unused_name(short, taken().chain([short])))
    }

    fn color(&self, exported: &str, used: &[String]) -> String {
        check_color(exported)
            .unwrap_or_else(|_| next_color(used.iter().map(String::as_str)).to_owned())
    }

    fn layout(
        &self,
        tree_json: &str,
        new_id: &dyn Fn(spaces_store::PaneId) -> Option<spaces_store::PaneId>,
    ) -> Result<String, String> {
        let layout = Layout::from_json(tree_json).map_err(|error| error.to_string())?;
        let renumber = |pane| new_id(store_id(pane)).map(pane_id);
        let root = layout.root.and_then(|root| renumbered(root, &renumber));
        Ok(Layout::new(root).to_json())
    }
}

/// `node` with every pane renumbered; panes with no new id (not in the file) are left out,
/// and so are the groups that leaves empty.
fn renumbered(
    node: Node,
    new_id: &dyn Fn(spaces_term::PaneId) -> Option<spaces_term::PaneId>,
) -> Option<Node> {
    let all = |children: Vec<Node>| -> Vec<Node> {
        children
            .into_iter()
            .filter_map(|child| renumbered(child, new_id))
            .collect()
    };
    match node {
        Node::Pane { pane } => new_id(pane).map(|pane| Node::Pane { pane }),
        Node::Tabs { active, children } => {
            let children = all(children);
            let active = active.min(children.len().checked_sub(1)?);
            Some(Node::Tabs { active, children })
        }
        Node::Grid { children } => {
            let children = all(children);
            (!children.is_empty()).then_some(Node::Grid { children })
        }
        Node::Split { dir, children } => {
            let children: Vec<Share> = children
                .into_iter()
                .filter_map(|Share { share, node }| {
                    renumbered(node, new_id).map(|node| Share { share, node })
                })
                .collect();
            (!children.is_empty()).then_some(Node::Split { dir, children })
        }
    }
}

/// Exports the workspace called `name` to `file`.
pub fn export(
    data_dir: &Path,
    name: &str,
    file: &Path,
    force: bool,
) -> anyhow::Result<ExportSummary> {
    let path = spaces_store::database_path(data_dir);
    if !path.exists() {
        bail!(
            "no workspace named {name:?}: there is no database in {}",
            data_dir.display()
        );
    }
    let database = Database::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let Some(workspace) = database.workspace_by_name(name)? else {
        let names: Vec<String> = database
            .list_workspaces(true)?
            .into_iter()
            .map(|workspace| format!("{:?}", workspace.name))
            .collect();
        bail!(
            "no workspace named {name:?} (there are: {})",
            names.join(", ")
        );
    };
    let if_exists = if force {
        IfExists::Replace
    } else {
        IfExists::Refuse
    };
    match database.export_workspace(workspace.id, file, if_exists) {
        Ok(summary) => Ok(summary),
        Err(ExportError::Exists { path }) => bail!(
            "{} already exists (pass --force to replace it)",
            path.display()
        ),
        Err(error) => Err(error.into()),
    }
}

/// Imports the workspace in `file` into the database of `data_dir` (created if there is
/// none, once the file has been found good).
pub fn import(data_dir: &Path, file: &Path) -> anyhow::Result<ImportSummary> {
    let path = spaces_store::database_path(data_dir);
    if !path.exists() {
        Database::check_export(file)?;
        spaces_store::ensure_private_dir(data_dir)?;
    }
    let database = Database::open(&path).with_context(|| format!("opening {}", path.display()))?;
    Ok(database.import_workspace(file, &WorkspaceImportRules)?)
}

pub fn describe_export(summary: &ExportSummary, file: &Path) -> String {
    format!(
        "exported workspace {:?} to {} ({}): {}",
        summary.workspace,
        file.display(),
        bytes(summary.file_bytes),
        contents(
            summary.panes,
            summary.output_bytes,
            summary.input_bytes,
            summary.snapshots
        ) + &format!(", {}", count(summary.sessions, "agent session")),
    )
}

pub fn describe_import(summary: &ImportSummary) -> String {
    let name = if summary.workspace.name == summary.exported_name {
        format!("{:?}", summary.workspace.name)
    } else {
        format!(
            "{:?} as {:?} (the name was taken)",
            summary.exported_name, summary.workspace.name
        )
    };
    let mut sessions = count(summary.sessions_added, "agent session");
    if summary.sessions_known > 0 {
        sessions.push_str(&format!(" added, {} already known", summary.sessions_known));
    }
    format!(
        "imported workspace {name}, archived: {}, {sessions}",
        contents(
            summary.panes,
            summary.output_bytes,
            summary.input_bytes,
            summary.snapshots
        )
    )
}

fn contents(panes: u64, output: u64, input: u64, snapshots: u64) -> String {
    format!(
        "{}, {} of output, {} of input, {}",
        count(panes, "pane"),
        bytes(output),
        bytes(input),
        count(snapshots, "snapshot")
    )
}

/// `n` things in words: `1 pane`, `3 panes`.
pub fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `n` bytes for people: `512 B`, `1.5 KiB`, `20.0 MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layout::SplitDir;
    use spaces_term::PaneId;

    fn pane(id: u64) -> Node {
        Node::Pane { pane: PaneId(id) }
    }

    #[test]
    fn names_are_checked_and_numbered_when_taken() {
        let rules = WorkspaceImportRules;
        let taken = ["api".to_owned(), "API (2)".to_owned()];
        assert_eq!(rules.name("  api ", &taken), Ok("api (3)".to_owned()));
        assert_eq!(rules.name("web", &taken), Ok("web".to_owned()));
        let error = rules.name("bad\u{1b}[31m", &[]).expect_err("control");
        assert!(error.contains("control characters"), "{error}");
        assert!(rules.name("   ", &[]).is_err());
        let long = "x".repeat(MAX_NAME_CHARS);
        let numbered = rules
            .name(&long, std::slice::from_ref(&long))
            .expect("numbered");
        assert!(numbered.chars().count() <= MAX_NAME_CHARS, "{numbered}");
        assert!(numbered.ends_with(" (2)"), "{numbered}");
    }

    #[test]
    fn colours_are_kept_when_valid_else_taken_from_the_palette() {
        let rules = WorkspaceImportRules;
        assert_eq!(rules.color("#E5734C", &[]), "#e5734c");
        let used = [crate::model::workspace_input::PALETTE[0].to_owned()];
        assert_eq!(
            rules.color("javascript:alert(1)", &used),
            crate::model::workspace_input::PALETTE[1]
        );
    }

    #[test]
    fn layouts_are_renumbered_and_unknown_panes_left_out() {
        let layout = Layout::new(Some(Node::Split {
            dir: SplitDir::Horizontal,
            children: vec![
                Share {
                    share: 0.3,
                    node: pane(1),
                },
                Share {
                    share: 0.7,
                    node: Node::Tabs {
                        active: 2,
                        children: vec![pane(2), pane(3), pane(9)],
                    },
                },
                Share {
                    share: 0.5,
                    node: Node::Grid {
                        children: vec![pane(8)],
                    },
                },
            ],
        }));
        let new_id =
            |old: spaces_store::PaneId| (old.0 < 5).then_some(spaces_store::PaneId(old.0 + 100));
        let json = WorkspaceImportRules
            .layout(&layout.to_json(), &new_id)
            .expect("renumbered");
        let expected = Layout::new(Some(Node::Split {
            dir: SplitDir::Horizontal,
            children: vec![
                Share {
                    share: 0.3,
                    node: pane(101),
                },
                Share {
                    share: 0.7,
                    node: Node::Tabs {
                        active: 1,
                        children: vec![pane(102), pane(103)],
                    },
                },
            ],
        }));
        assert_eq!(Layout::from_json(&json).expect("read"), expected);
        let newer = r#"{"version":99,"root":null}"#;
        let error = WorkspaceImportRules
            .layout(newer, &new_id)
            .expect_err("newer");
        assert!(error.contains("newer Spaces"), "{error}");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(20 * 1024 * 1024), "20.0 MiB");
    }
}
