//! The terminal renderer: glyph quads from egui's font atlas (`glyph_cache`) and one mesh
//! per pane built from a locked grid (`grid_mesh`).

pub mod builtin;
pub mod glyph_cache;
pub mod grid_mesh;
