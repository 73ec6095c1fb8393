//! How the panes of a workspace are arranged, in a format Spaces owns: a small versioned tree
//! of splits, tab groups and pane ids. The window converts it to and from its tile widget
//! (`ui::layout`); the store keeps it as JSON. An upgrade of the tile widget can therefore
//! never lose a saved layout, and a future server can own layouts without any UI.
//!
//! Layouts saved before this format existed are egui_tiles 0.18 trees; [`Layout::from_json`]
//! converts them (see `legacy`), and the next save writes the new format.

use serde::{Deserialize, Serialize};
use spaces_term::PaneId;

/// The format version written by this build. Bump it (and convert the old one in
/// [`Layout::from_json`]) when the shape of [`Node`] changes.
pub const LAYOUT_VERSION: u32 = 1;

/// A workspace's arrangement of panes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub version: u32,
    /// `None`: no panes.
    pub root: Option<Node>,
}

/// Which way a split lays out its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitDir {
    /// Side by side, left to right.
    Horizontal,
    /// Stacked, top to bottom.
    Vertical,
}

/// One part of a layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    Pane {
        pane: PaneId,
    },
    /// A tab group: one child shown at a time (`active` is its index).
    Tabs {
        active: usize,
        children: Vec<Node>,
    },
    /// Children side by side or stacked; each takes `share` of the space relative to the
    /// sum of its siblings' shares.
    Split {
        dir: SplitDir,
        children: Vec<Share>,
    },
    /// Children in a grid of as many columns as fit.
    Grid {
        children: Vec<Node>,
    },
}

/// A child of a split and its share of the space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub share: f32,
    pub node: Node,
}

/// A saved layout that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "the layout was saved by a newer Spaces (format {0}, this build reads up to {LAYOUT_VERSION})"
    )]
    Newer(u32),
    #[error("the layout is not valid JSON of any known format")]
    Unreadable(#[source] serde_json::Error),
    #[error("the layout saved by an older Spaces could not be converted: {0}")]
    Legacy(String),
}

impl Layout {
    pub fn new(root: Option<Node>) -> Self {
        Self {
            version: LAYOUT_VERSION,
            root,
        }
    }

    /// Every pane in the layout, in tree order (left to right, top to bottom, tab order).
    pub fn panes(&self) -> Vec<PaneId> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            root.collect_panes(&mut out);
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| {
            // Only plain numbers and strings: this cannot fail.
            unreachable!("a layout always serializes: {error}")
        })
    }

    /// Reads a saved layout: this format, or an egui_tiles 0.18 tree saved by an older build.
    pub fn from_json(json: &str) -> Result<Self, LayoutError> {
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        match serde_json::from_str::<Versioned>(json) {
            Ok(Versioned { version }) if version > LAYOUT_VERSION => {
                Err(LayoutError::Newer(version))
            }
            Ok(_) => serde_json::from_str(json).map_err(LayoutError::Unreadable),
            Err(_) => legacy::convert(json),
        }
    }
}

impl Node {
    fn collect_panes(&self, out: &mut Vec<PaneId>) {
        match self {
            Node::Pane { pane } => out.push(*pane),
            Node::Tabs { children, .. } | Node::Grid { children } => {
                for child in children {
                    child.collect_panes(out);
                }
            }
            Node::Split { children, .. } => {
                for child in children {
                    child.node.collect_panes(out);
                }
            }
        }
    }
}

/// Layouts saved by builds before this format: egui_tiles 0.18's serde form of
/// `Tree<PaneId>`, read with our own mirror of it (so this keeps working whatever version of
/// egui_tiles the window uses).
mod legacy {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::{Layout, LayoutError, Node, PaneId, Share, SplitDir};

    #[derive(Deserialize)]
    struct Tree {
        root: Option<u64>,
        tiles: Tiles,
    }

    #[derive(Deserialize)]
    struct Tiles {
        tiles: HashMap<u64, Tile>,
    }

    #[derive(Deserialize)]
    enum Tile {
        Pane(PaneId),
        Container(Container),
    }

    #[derive(Deserialize)]
    enum Container {
        Tabs {
            children: Vec<u64>,
            active: Option<u64>,
        },
        Linear {
            children: Vec<u64>,
            dir: Dir,
            shares: Shares,
        },
        Grid {
            children: Vec<Option<u64>>,
        },
    }

    #[derive(Deserialize)]
    enum Dir {
        Horizontal,
        Vertical,
    }

    #[derive(Deserialize)]
    struct Shares {
        shares: HashMap<u64, f32>,
    }

    pub(super) fn convert(json: &str) -> Result<Layout, LayoutError> {
        let tree: Tree = serde_json::from_str(json).map_err(LayoutError::Unreadable)?;
        let root = match tree.root {
            Some(root) => Some(node(&tree.tiles.tiles, root, 0)?),
            None => None,
        };
        Ok(Layout::new(root))
    }

    /// Deeper than any real layout: a cycle in a damaged tree ends here.
    const MAX_DEPTH: usize = 64;

    fn node(tiles: &HashMap<u64, Tile>, id: u64, depth: usize) -> Result<Node, LayoutError> {
        if depth > MAX_DEPTH {
            return Err(LayoutError::Legacy("the tree nests too deeply".into()));
        }
        let tile = tiles
            .get(&id)
            .ok_or_else(|| LayoutError::Legacy(format!("tile {id} is missing")))?;
        let children = |ids: &[u64]| -> Result<Vec<Node>, LayoutError> {
            ids.iter()
                .map(|child| node(tiles, *child, depth + 1))
                .collect()
        };
        Ok(match tile {
            Tile::Pane(pane) => Node::Pane { pane: *pane },
            Tile::Container(Container::Tabs {
                children: ids,
                active,
            }) => Node::Tabs {
                active: active
                    .and_then(|active| ids.iter().position(|child| *child == active))
                    .unwrap_or(0),
                children: children(ids)?,
            },
            Tile::Container(Container::Linear {
                children: ids,
                dir,
                shares,
            }) => Node::Split {
                dir: match dir {
                    Dir::Horizontal => SplitDir::Horizontal,
                    Dir::Vertical => SplitDir::Vertical,
                },
                children: ids
                    .iter()
                    .zip(children(ids)?)
                    .map(|(id, node)| Share {
                        share: shares.shares.get(id).copied().unwrap_or(1.0),
                        node,
                    })
                    .collect(),
            },
            Tile::Container(Container::Grid { children: ids }) => {
                let ids: Vec<u64> = ids.iter().flatten().copied().collect();
                Node::Grid {
                    children: children(&ids)?,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layout as the landed build (egui_tiles 0.18) saved it: pane 1 left; panes 2 and 3
    /// stacked on the right, 3 with a second tab (pane 4) shown.
    const EGUI_TILES_0_18: &str = r#"{"root":5,"tiles":{"next_tile_id":11,"tiles":{"1":{"Pane":1},"2":{"Container":{"Tabs":{"children":[1],"active":1}}},"3":{"Pane":2},"4":{"Container":{"Tabs":{"children":[3],"active":3}}},"5":{"Container":{"Linear":{"children":[2,9],"dir":"Horizontal","shares":{"shares":{"2":0.3,"9":0.7}}}}},"6":{"Pane":3},"7":{"Container":{"Tabs":{"children":[6,10],"active":10}}},"9":{"Container":{"Linear":{"children":[4,7],"dir":"Vertical","shares":{"shares":{"4":1.0,"7":1.0}}}}},"10":{"Pane":4}},"invisible":[]},"height":null,"width":null}"#;

    fn tab(pane: u64) -> Node {
        Node::Tabs {
            active: 0,
            children: vec![Node::Pane { pane: PaneId(pane) }],
        }
    }

    #[test]
    fn an_egui_tiles_layout_converts_exactly() {
        let layout = Layout::from_json(EGUI_TILES_0_18).expect("converts");
        let expected = Layout::new(Some(Node::Split {
            dir: SplitDir::Horizontal,
            children: vec![
                Share {
                    share: 0.3,
                    node: tab(1),
                },
                Share {
                    share: 0.7,
                    node: Node::Split {
                        dir: SplitDir::Vertical,
                        children: vec![
                            Share {
                                share: 1.0,
                                node: tab(2),
                            },
                            Share {
                                share: 1.0,
                                node: Node::Tabs {
                                    active: 1,
                                    children: vec![
                                        Node::Pane { pane: PaneId(3) },
                                        Node::Pane { pane: PaneId(4) },
                                    ],
                                },
                            },
                        ],
                    },
                },
            ],
        }));
        assert_eq!(layout, expected);
        assert_eq!(layout.panes(), [1, 2, 3, 4].map(PaneId));
    }

    #[test]
    fn the_own_format_round_trips_and_names_its_version() {
        let layout = Layout::from_json(EGUI_TILES_0_18).expect("converts");
        let json = layout.to_json();
        assert!(json.starts_with(r#"{"version":1,"#), "{json}");
        assert_eq!(Layout::from_json(&json).expect("reads"), layout);
    }

    #[test]
    fn damaged_and_newer_layouts_are_errors_not_panics() {
        let newer = r#"{"version":99,"root":null}"#;
        assert!(matches!(
            Layout::from_json(newer),
            Err(LayoutError::Newer(99))
        ));
        assert!(Layout::from_json("not json").is_err());
        let missing = r#"{"root":1,"tiles":{"tiles":{"1":{"Container":{"Tabs":{"children":[7],"active":null}}}}}}"#;
        assert!(matches!(
            Layout::from_json(missing),
            Err(LayoutError::Legacy(_))
        ));
        let cycle = r#"{"root":1,"tiles":{"tiles":{"1":{"Container":{"Tabs":{"children":[1],"active":null}}}}}}"#;
        assert!(matches!(
            Layout::from_json(cycle),
            Err(LayoutError::Legacy(_))
        ));
    }
}
