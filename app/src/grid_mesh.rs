//! Builds one `egui::Mesh` for a whole terminal grid, straight from the font atlas: background
//! runs first, then one quad per visible glyph, then decorations and the cursor.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line, Point};
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::vte::ansi::{Color, CursorShape, NamedColor, Rgb};
use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, TextureId, Vec2, pos2, vec2};
use spaces_term::palette::{Palette, dim};
use spaces_term::{Term, alacritty_terminal};

use crate::glyph_cache::{GlyphCache, GlyphQuad, cell_origin};

/// How the pane around the grid wants it drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridStyle {
    pub origin: Pos2,
    pub focused: bool,
    /// False during the "off" half of a blinking cursor.
    pub cursor_blink_on: bool,
}

/// Builds the mesh of `term`'s visible rows.
pub fn build_grid_mesh(
    term: &Term,
    glyphs: &mut GlyphCache,
    ctx: &egui::Context,
    palette: &Palette,
    style: GridStyle,
) -> Mesh {
    let mut builder = MeshBuilder::new(glyphs.atlas_size(), glyphs.cell_size(), style.origin);
    let content = term.renderable_content();
    let colors = content.colors;
    let display_offset = content.display_offset as i32;
    let columns = term.columns();
    let rows = term.screen_lines();
    let default_bg = to_color(palette.resolve(Color::Named(NamedColor::Background), colors));
    let selection_bg = to_color(palette.selection);

    // Pass 1: backgrounds, one rectangle per run of equal colour in a row.
    let grid = term.grid();
    for row in 0..rows {
        let line = Line(row as i32 - display_offset);
        let mut run: Option<(usize, Color32)> = None;
        for column in 0..=columns {
            let bg = if column < columns {
                let point = Point::new(line, Column(column));
                let cell = &grid[point];
                let selected = content.selection.is_some_and(|s| s.contains(point));
                let (_, bg) = cell_colors(cell, palette, colors);
                if selected { selection_bg } else { bg }
            } else {
                default_bg
            };
            match run {
                Some((start, color)) if color != bg => {
                    if color != default_bg {
                        builder.background(start, row, column - start, color);
                    }
                    run = Some((column, bg));
                }
                None => run = Some((column, bg)),
                Some(_) => {}
            }
        }
    }

    // Pass 2: glyphs and decorations.
    for row in 0..rows {
        let line = Line(row as i32 - display_offset);
        for column in 0..columns {
            let cell = &grid[Point::new(line, Column(column))];
            if cell.flags.intersects(
                Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER | Flags::HIDDEN,
            ) {
                continue;
            }
            let (fg, _) = cell_colors(cell, palette, colors);
            let width = if cell.flags.contains(Flags::WIDE_CHAR) {
                2
            } else {
                1
            };
            if cell.c != ' ' && cell.c != '\t' {
                let quad = glyphs.glyph(ctx, cell.c);
                builder.glyph(column, row, width, &quad, fg, cell.flags);
                if let Some(marks) = cell.zerowidth() {
                    for mark in marks {
                        let quad = glyphs.glyph(ctx, *mark);
                        builder.glyph(column, row, width, &quad, fg, cell.flags);
                    }
                }
            }
            builder.decorations(column, row, width, fg, cell.flags);
        }
    }

    // Pass 3: the cursor (hidden while scrolled back or when the program hid it).
    let cursor = content.cursor;
    if cursor.shape != CursorShape::Hidden && style.cursor_blink_on {
        let row = cursor.point.line.0 + display_offset;
        if (0..rows as i32).contains(&row) {
            let column = cursor.point.column.0;
            let cell = &grid[cursor.point];
            let width = if cell.flags.contains(Flags::WIDE_CHAR) {
                2
            } else {
                1
            };
            let color = to_color(palette.resolve(Color::Named(NamedColor::Cursor), colors));
            let shape = if style.focused {
                cursor.shape
            } else {
                CursorShape::HollowBlock
            };
            builder.cursor(column, row as usize, width, shape, color);
            if shape == CursorShape::Block && cell.c != ' ' {
                // The character under a block cursor is drawn again in the background colour.
                let quad = glyphs.glyph(ctx, cell.c);
                builder.glyph(column, row as usize, width, &quad, default_bg, cell.flags);
            }
        }
    }
    builder.mesh
}

/// Foreground and background of a cell after inverse, dim and bold-as-bright.
fn cell_colors(
    cell: &Cell,
    palette: &Palette,
    colors: &alacritty_terminal::term::color::Colors,
) -> (Color32, Color32) {
    let mut fg_color = cell.fg;
    if cell.flags.contains(Flags::BOLD)
        && let Color::Named(name) = fg_color
        && (name as usize) < 8
    {
        fg_color = Color::Named(name.to_bright());
    }
    let mut fg = palette.resolve(fg_color, colors);
    if cell.flags.contains(Flags::DIM) {
        fg = dim(fg);
    }
    let bg = palette.resolve(cell.bg, colors);
    if cell.flags.contains(Flags::INVERSE) {
        (to_color(bg), to_color(fg))
    } else {
        (to_color(fg), to_color(bg))
    }
}

fn to_color(rgb: Rgb) -> Color32 {
    Color32::from_rgb(rgb.r, rgb.g, rgb.b)
}

/// Appends quads to one mesh on the font texture.
struct MeshBuilder {
    mesh: Mesh,
    atlas: Vec2,
    cell: Vec2,
    origin: Pos2,
    white_uv: Pos2,
}

impl MeshBuilder {
    fn new(atlas: Vec2, cell: Vec2, origin: Pos2) -> Self {
        Self {
            mesh: Mesh::with_texture(TextureId::default()),
            atlas: vec2(atlas.x.max(1.0), atlas.y.max(1.0)),
            cell,
            origin,
            white_uv: WHITE_UV,
        }
    }

    fn cell_rect(&self, column: usize, row: usize, width: usize) -> Rect {
        let min = cell_origin(self.origin, self.cell, column, row);
        Rect::from_min_size(min, vec2(self.cell.x * width as f32, self.cell.y))
    }

    fn solid(&mut self, rect: Rect, color: Color32) {
        let uv = Rect::from_min_max(self.white_uv, self.white_uv);
        self.quad(rect, uv, color, 0.0);
    }

    /// A quad; `skew` shifts the top edge right (for italics).
    fn quad(&mut self, rect: Rect, uv: Rect, color: Color32, skew: f32) {
        let index = self.mesh.vertices.len() as u32;
        let corners = [
            (pos2(rect.min.x + skew, rect.min.y), uv.left_top()),
            (pos2(rect.max.x + skew, rect.min.y), uv.right_top()),
            (rect.left_bottom(), uv.left_bottom()),
            (rect.right_bottom(), uv.right_bottom()),
        ];
        for (pos, uv) in corners {
            self.mesh.vertices.push(Vertex { pos, uv, color });
        }
        self.mesh.indices.extend_from_slice(&[
            index,
            index + 1,
            index + 2,
            index + 2,
            index + 1,
            index + 3,
        ]);
    }

    fn background(&mut self, column: usize, row: usize, count: usize, color: Color32) {
        let rect = self.cell_rect(column, row, count);
        self.solid(rect, color);
    }

    fn glyph(
        &mut self,
        column: usize,
        row: usize,
        width: usize,
        quad: &GlyphQuad,
        color: Color32,
        flags: Flags,
    ) {
        if quad.is_blank() {
            return;
        }
        let cell = self.cell_rect(column, row, width);
        let mut min = cell.min + quad.offset;
        // Glyphs wider than one cell (wide characters laid out narrow) are centred.
        if width == 2 && quad.size.x < cell.width() {
            min.x = cell.min.x + ((cell.width() - quad.size.x) / 2.0).round();
        }
        let rect = Rect::from_min_size(min, quad.size);
        let uv = Rect::from_min_max(
            pos2(quad.uv.min.x / self.atlas.x, quad.uv.min.y / self.atlas.y),
            pos2(quad.uv.max.x / self.atlas.x, quad.uv.max.y / self.atlas.y),
        );
        let color = if quad.is_color { Color32::WHITE } else { color };
        let skew = if flags.contains(Flags::ITALIC) {
            quad.size.y * 0.18
        } else {
            0.0
        };
        self.quad(rect, uv, color, skew);
        if flags.contains(Flags::BOLD) && !quad.is_color {
            // egui's bundled monospace font has no bold face: overstrike one pixel right.
            self.quad(rect.translate(vec2(0.75, 0.0)), uv, color, skew);
        }
    }

    fn decorations(
        &mut self,
        column: usize,
        row: usize,
        width: usize,
        color: Color32,
        flags: Flags,
    ) {
        if !flags.intersects(Flags::ALL_UNDERLINES | Flags::STRIKEOUT) {
            return;
        }
        let cell = self.cell_rect(column, row, width);
        let thickness = (self.cell.y / 16.0).max(1.0).round();
        let underline_y = cell.max.y - thickness * 2.0;
        if flags.intersects(Flags::ALL_UNDERLINES) {
            let line =
                Rect::from_min_size(pos2(cell.min.x, underline_y), vec2(cell.width(), thickness));
            self.solid(line, color);
            if flags.contains(Flags::DOUBLE_UNDERLINE) {
                self.solid(line.translate(vec2(0.0, -thickness * 2.0)), color);
            }
        }
        if flags.contains(Flags::STRIKEOUT) {
            let y = cell.center().y;
            let line = Rect::from_min_size(pos2(cell.min.x, y), vec2(cell.width(), thickness));
            self.solid(line, color);
        }
    }

    fn cursor(
        &mut self,
        column: usize,
        row: usize,
        width: usize,
        shape: CursorShape,
        color: Color32,
    ) {
        let cell = self.cell_rect(column, row, width);
        let thin = (self.cell.x / 8.0).max(1.0).round();
        match shape {
            CursorShape::Block => self.solid(cell, color),
            CursorShape::Underline => {
                self.solid(
                    Rect::from_min_max(pos2(cell.min.x, cell.max.y - thin * 2.0), cell.max),
                    color,
                );
            }
            CursorShape::Beam => {
                self.solid(
                    Rect::from_min_size(cell.min, vec2(thin * 1.5, cell.height())),
                    color,
                );
            }
            CursorShape::HollowBlock => {
                let top = Rect::from_min_size(cell.min, vec2(cell.width(), thin));
                let bottom = Rect::from_min_max(pos2(cell.min.x, cell.max.y - thin), cell.max);
                let left = Rect::from_min_size(cell.min, vec2(thin, cell.height()));
                let right = Rect::from_min_max(pos2(cell.max.x - thin, cell.min.y), cell.max);
                for side in [top, bottom, left, right] {
                    self.solid(side, color);
                }
            }
            CursorShape::Hidden => {}
        }
    }
}
