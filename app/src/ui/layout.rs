//! The live tile tree of the window (egui_tiles): which pane sits where. Holds pane ids only;
//! operations here split, tab, close and find neighbours, keeping egui_tiles' invariants
//! (every pane in a tab container, so each has a tab to drag). [`to_layout`] and
//! [`from_layout`] convert it to and from the model's own format, which is what is saved.

use egui::{Pos2, Rect};
use egui_tiles::{Container, Linear, LinearDir, Tile, TileId, Tiles, Tree};
use spaces_term::PaneId;

use crate::model::layout::{Layout, Node, Share, SplitDir};

/// Which way a new pane goes, or which way focus moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// A tree without panes (a workspace whose panes were all closed).
pub fn empty_tree(id: &str) -> Tree<PaneId> {
    Tree::empty(egui::Id::unique(id))
}

/// A tree with one pane in one tab container.
pub fn single_pane_tree(id: &str, pane: PaneId) -> Tree<PaneId> {
    let mut tiles = Tiles::default();
    let tile = tiles.insert_pane(pane);
    let tabs = tiles.insert_tab_tile(vec![tile]);
    Tree::new(egui::Id::unique(id), tabs, tiles)
}

pub fn tile_of(tree: &Tree<PaneId>, pane: PaneId) -> Option<TileId> {
    tree.tiles.find_pane(&pane)
}

/// Every pane in the tree, in tree order.
pub fn panes(tree: &Tree<PaneId>) -> Vec<PaneId> {
    let mut out = Vec::new();
    if let Some(root) = tree.root {
        collect_panes(&tree.tiles, root, &mut out);
    }
    out
}

fn collect_panes(tiles: &Tiles<PaneId>, tile: TileId, out: &mut Vec<PaneId>) {
    match tiles.get(tile) {
        Some(Tile::Pane(pane)) => out.push(*pane),
        Some(Tile::Container(container)) => {
            for child in container.children() {
                collect_panes(tiles, *child, out);
            }
        }
        None => {}
    }
}

/// Panes shown right now (the active tab of each tab container).
pub fn visible_panes(tree: &Tree<PaneId>) -> Vec<PaneId> {
    tree.active_tiles()
        .into_iter()
        .filter_map(|tile| tree.tiles.get_pane(&tile).copied())
        .collect()
}

/// The tab container holding `tile` (the pane's tab bar), or the tile itself.
fn tab_group_of(tiles: &Tiles<PaneId>, tile: TileId) -> TileId {
    match tiles
        .parent_of(tile)
        .and_then(|parent| tiles.get_container(parent))
    {
        Some(Container::Tabs(_)) => tiles.parent_of(tile).unwrap_or(tile),
        _ => tile,
    }
}

/// Puts `new` beside `target` (right or down); `target`'s space is shared equally.
pub fn split(tree: &mut Tree<PaneId>, target: PaneId, new: PaneId, direction: Direction) {
    let Some(target_tile) = tile_of(tree, target) else {
        return;
    };
    let group = tab_group_of(&tree.tiles, target_tile);
    let new_tile = tree.tiles.insert_pane(new);
    let new_group = tree.tiles.insert_tab_tile(vec![new_tile]);
    let dir = match direction {
        Direction::Left | Direction::Right => LinearDir::Horizontal,
        Direction::Up | Direction::Down => LinearDir::Vertical,
    };
    let before = matches!(direction, Direction::Left | Direction::Up);
    let parent = tree.tiles.parent_of(group);

    // Same direction as the parent: add a sibling instead of nesting another container.
    if let Some(parent) = parent
        && let Some(Tile::Container(Container::Linear(linear))) = tree.tiles.get_mut(parent)
        && linear.dir == dir
        && let Some(index) = linear.children.iter().position(|child| *child == group)
    {
        let half = linear.shares[group] / 2.0;
        linear.shares[group] = half;
        linear.shares[new_group] = half;
        let at = if before { index } else { index + 1 };
        linear.children.insert(at, new_group);
        return;
    }

    let children = if before {
        [new_group, group]
    } else {
        [group, new_group]
    };
    let linear = tree
        .tiles
        .insert_container(Container::Linear(Linear::new_binary(dir, children, 0.5)));
    match parent {
        Some(parent) => {
            if let Some(Tile::Container(container)) = tree.tiles.get_mut(parent) {
                let replaced = container.replace_child(group, linear);
                debug_assert!(replaced.is_some(), "the tab group is a child of its parent");
            }
        }
        None => tree.root = Some(linear),
    }
}

/// Adds `new` as another tab next to `target` and shows it.
pub fn add_tab(tree: &mut Tree<PaneId>, target: PaneId, new: PaneId) {
    let Some(target_tile) = tile_of(tree, target) else {
        return;
    };
    let group = tab_group_of(&tree.tiles, target_tile);
    let new_tile = tree.tiles.insert_pane(new);
    if let Some(Tile::Container(Container::Tabs(tabs))) = tree.tiles.get_mut(group) {
        tabs.add_child(new_tile);
        tabs.set_active(new_tile);
    }
}

/// Removes a pane's tile; empty containers are pruned on the next layout pass.
pub fn remove_pane(tree: &mut Tree<PaneId>, pane: PaneId) {
    if let Some(tile) = tile_of(tree, pane) {
        tree.remove_recursively(tile);
        tree.simplify(&simplification());
    }
}

/// Shows `pane`'s tab in its group.
pub fn activate(tree: &mut Tree<PaneId>, pane: PaneId) {
    tree.make_active(|_, tile| matches!(tile, Tile::Pane(p) if *p == pane));
}

/// The tab next to `pane` in its group (wrapping), if the group has several.
pub fn neighbour_tab(tree: &Tree<PaneId>, pane: PaneId, forward: bool) -> Option<PaneId> {
    let tile = tile_of(tree, pane)?;
    let group = tree.tiles.parent_of(tile)?;
    let Some(Container::Tabs(tabs)) = tree.tiles.get_container(group) else {
        return None;
    };
    let index = tabs.children.iter().position(|child| *child == tile)?;
    let count = tabs.children.len();
    if count < 2 {
        return None;
    }
    let next = if forward {
        (index + 1) % count
    } else {
        (index + count - 1) % count
    };
    tree.tiles.get_pane(&tabs.children[next]).copied()
}

/// The visible pane nearest to `from` in `direction`, by the rectangles of the last layout.
pub fn neighbour(tree: &Tree<PaneId>, from: PaneId, direction: Direction) -> Option<PaneId> {
    let from_rect = tree.tiles.rect(tile_of(tree, from)?)?;
    let origin = from_rect.center();
    visible_panes(tree)
        .into_iter()
        .filter(|pane| *pane != from)
        .filter_map(|pane| Some((pane, tree.tiles.rect(tile_of(tree, pane)?)?)))
        .filter(|(_, rect)| lies_towards(from_rect, *rect, direction))
        .min_by(|(_, a), (_, b)| {
            distance(origin, a.center()).total_cmp(&distance(origin, b.center()))
        })
        .map(|(pane, _)| pane)
}

fn lies_towards(from: Rect, to: Rect, direction: Direction) -> bool {
    let overlaps_x = to.min.x < from.max.x && to.max.x > from.min.x;
    let overlaps_y = to.min.y < from.max.y && to.max.y > from.min.y;
    match direction {
        Direction::Left => to.max.x <= from.min.x + 1.0 && overlaps_y,
        Direction::Right => to.min.x >= from.max.x - 1.0 && overlaps_y,
        Direction::Up => to.max.y <= from.min.y + 1.0 && overlaps_x,
        Direction::Down => to.min.y >= from.max.y - 1.0 && overlaps_x,
    }
}

fn distance(a: Pos2, b: Pos2) -> f32 {
    a.distance(b)
}

/// How the tree is tidied after edits: every pane keeps a tab bar (so it can be dragged), and
/// containers left with one child collapse.
pub fn simplification() -> egui_tiles::SimplificationOptions {
    egui_tiles::SimplificationOptions {
        prune_empty_tabs: true,
        prune_empty_containers: true,
        prune_single_child_tabs: true,
        prune_single_child_containers: true,
        all_panes_must_have_tabs: true,
        join_nested_linear_containers: true,
        flatten_tabs_in_tabs: false,
    }
}

/// The tree in the model's format (what is saved).
pub fn to_layout(tree: &Tree<PaneId>) -> Layout {
    Layout::new(tree.root.and_then(|root| node_of(&tree.tiles, root)))
}

fn node_of(tiles: &Tiles<PaneId>, tile: TileId) -> Option<Node> {
    let children =
        |ids: &[TileId]| -> Vec<Node> { ids.iter().filter_map(|id| node_of(tiles, *id)).collect() };
    Some(match tiles.get(tile)? {
        Tile::Pane(pane) => Node::Pane { pane: *pane },
        Tile::Container(Container::Tabs(tabs)) => Node::Tabs {
            active: tabs
                .active
                .and_then(|active| tabs.children.iter().position(|child| *child == active))
                .unwrap_or(0),
            children: children(&tabs.children),
        },
        Tile::Container(Container::Linear(linear)) => Node::Split {
            dir: match linear.dir {
                LinearDir::Horizontal => SplitDir::Horizontal,
                LinearDir::Vertical => SplitDir::Vertical,
            },
            children: linear
                .children
                .iter()
                .filter_map(|id| {
                    Some(Share {
                        share: linear.shares[*id],
                        node: node_of(tiles, *id)?,
                    })
                })
                .collect(),
        },
        Tile::Container(Container::Grid(grid)) => Node::Grid {
            children: children(&grid.children().copied().collect::<Vec<_>>()),
        },
    })
}

/// A tile tree showing `layout`, tidied as the window keeps it; `None` for a layout with
/// no panes.
pub fn from_layout(id: &str, layout: &Layout) -> Option<Tree<PaneId>> {
    let mut tiles = Tiles::default();
    let root = insert_node(&mut tiles, layout.root.as_ref()?);
    let mut tree = Tree::new(egui::Id::unique(id), root, tiles);
    tree.simplify(&simplification());
    Some(tree)
}

fn insert_node(tiles: &mut Tiles<PaneId>, node: &Node) -> TileId {
    match node {
        Node::Pane { pane } => tiles.insert_pane(*pane),
        Node::Tabs { active, children } => {
            let ids: Vec<TileId> = children.iter().map(|c| insert_node(tiles, c)).collect();
            let mut tabs = egui_tiles::Tabs::new(ids.clone());
            if let Some(active) = ids.get(*active) {
                tabs.set_active(*active);
            }
            tiles.insert_container(Container::Tabs(tabs))
        }
        Node::Split { dir, children } => {
            let ids: Vec<TileId> = children
                .iter()
                .map(|child| insert_node(tiles, &child.node))
                .collect();
            let dir = match dir {
                SplitDir::Horizontal => LinearDir::Horizontal,
                SplitDir::Vertical => LinearDir::Vertical,
            };
            let mut linear = Linear::new(dir, ids.clone());
            for (id, child) in ids.iter().zip(children) {
                // A damaged share (zero, negative, NaN) would hide its pane.
                let share = if child.share.is_finite() && child.share > 0.0 {
                    child.share
                } else {
                    1.0
                };
                linear.shares.set_share(*id, share);
            }
            tiles.insert_container(Container::Linear(linear))
        }
        Node::Grid { children } => {
            let ids: Vec<TileId> = children.iter().map(|c| insert_node(tiles, c)).collect();
            tiles.insert_container(Container::Grid(egui_tiles::Grid::new(ids)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_right_then_down_nests() {
        let mut tree = single_pane_tree("t", PaneId(1));
        split(&mut tree, PaneId(1), PaneId(2), Direction::Right);
        split(&mut tree, PaneId(2), PaneId(3), Direction::Down);
        assert_eq!(panes(&tree), vec![PaneId(1), PaneId(2), PaneId(3)]);
    }

    #[test]
    fn split_in_same_direction_adds_a_sibling() {
        let mut tree = single_pane_tree("t", PaneId(1));
        split(&mut tree, PaneId(1), PaneId(2), Direction::Right);
        split(&mut tree, PaneId(1), PaneId(3), Direction::Right);
        assert_eq!(panes(&tree), vec![PaneId(1), PaneId(3), PaneId(2)]);
        let root = tree.root.expect("root");
        let Some(Container::Linear(linear)) = tree.tiles.get_container(root) else {
            panic!("root should be a row");
        };
        assert_eq!(linear.children.len(), 3);
    }

    #[test]
    fn tabs_and_removal() {
        let mut tree = single_pane_tree("t", PaneId(1));
        add_tab(&mut tree, PaneId(1), PaneId(2));
        assert_eq!(visible_panes(&tree), vec![PaneId(2)]);
        assert_eq!(neighbour_tab(&tree, PaneId(2), true), Some(PaneId(1)));
        remove_pane(&mut tree, PaneId(2));
        assert_eq!(panes(&tree), vec![PaneId(1)]);
    }

    #[test]
    fn the_saved_layout_rebuilds_the_same_tree() {
        let mut tree = single_pane_tree("t", PaneId(1));
        split(&mut tree, PaneId(1), PaneId(2), Direction::Right);
        split(&mut tree, PaneId(2), PaneId(3), Direction::Down);
        add_tab(&mut tree, PaneId(3), PaneId(4));
        activate(&mut tree, PaneId(3));
        let layout = to_layout(&tree);
        assert_eq!(layout.panes(), panes(&tree));
        let rebuilt = from_layout("t", &layout).expect("panes");
        assert_eq!(panes(&rebuilt), panes(&tree));
        assert_eq!(visible_panes(&rebuilt), visible_panes(&tree));
        assert_eq!(to_layout(&rebuilt), layout);
    }

    /// The model reads layouts saved by older builds in egui_tiles' own form: check its
    /// mirror of that form against what this egui_tiles actually writes.
    #[test]
    fn an_egui_tiles_tree_as_json_converts_to_the_same_layout() {
        let mut tree = single_pane_tree("t", PaneId(1));
        split(&mut tree, PaneId(1), PaneId(2), Direction::Right);
        split(&mut tree, PaneId(2), PaneId(3), Direction::Down);
        add_tab(&mut tree, PaneId(3), PaneId(4));
        let json = serde_json::to_string(&tree).expect("serializes");
        assert_eq!(
            Layout::from_json(&json).expect("converts"),
            to_layout(&tree)
        );
    }
}
