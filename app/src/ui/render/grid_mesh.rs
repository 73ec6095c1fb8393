//! Builds one `egui::Mesh` for a whole terminal grid, straight from the font atlas: background
//! runs first, then one quad per visible glyph, then decorations and the cursor.
//!
//! One pass over each row: background runs go to a side buffer and glyph quads straight into
//! the mesh; the (usually few) background quads are moved in front at the end so they are drawn
//! under the glyphs. Every primitive is a quad, so the indices are generated in one go.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Line, Point};
use alacritty_terminal::selection::SelectionRange;
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::term::color::Colors;
use alacritty_terminal::vte::ansi::{Color, CursorShape, NamedColor, Rgb};
use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, TextureId, Vec2, pos2, vec2};
use spaces_term::colors::{SELECTION_BACKGROUND, SELECTION_FOREGROUND};
use spaces_term::palette::{Palette, dim};
use spaces_term::{Term, alacritty_terminal};

use crate::ui::render::builtin;
use crate::ui::render::glyph_cache::{GlyphCache, GlyphQuad, cell_origin};

/// How the pane around the grid wants it drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridStyle {
    pub origin: Pos2,
    pub focused: bool,
    /// False during the "off" half of a blinking cursor.
    pub cursor_blink_on: bool,
}

/// Cells that draw nothing of their own (their background still counts).
const NO_GLYPH: Flags = Flags::WIDE_CHAR_SPACER
    .union(Flags::LEADING_WIDE_CHAR_SPACER)
    .union(Flags::HIDDEN);

/// The flags that change a cell's colours.
const COLOR_FLAGS: Flags = Flags::BOLD.union(Flags::DIM).union(Flags::INVERSE);

/// Builds the mesh of `term`'s visible rows: each row's backgrounds and glyphs, then the
/// cursor.
pub fn build_grid_mesh(
    term: &Term,
    glyphs: &mut GlyphCache,
    ctx: &egui::Context,
    palette: &Palette,
    style: GridStyle,
) -> Mesh {
    let content = term.renderable_content();
    let colors = content.colors;
    let columns = term.columns();
    let rows = term.screen_lines();
    let mut pass = GridPass {
        builder: MeshBuilder::new(glyphs.cell_size(), style.origin, columns * rows),
        resolver: ColorResolver::new(palette, colors),
        glyphs,
        ctx,
        default_bg: to_color(palette.resolve(Color::Named(NamedColor::Background), colors)),
        // A program may set the selection colours (OSC 17/19, kept in two colour slots).
        selection_bg: to_color(colors[SELECTION_BACKGROUND].unwrap_or(palette.selection)),
        selection_fg: colors[SELECTION_FOREGROUND].map(to_color),
        pixel: 1.0 / ctx.pixels_per_point(),
        display_offset: content.display_offset as i32,
    };
    let grid = term.grid();
    for row in 0..rows {
        let line = Line(row as i32 - pass.display_offset);
        let cells = &grid[line][..];
        let selected = content
            .selection
            .and_then(|selection| selected_columns(&selection, line));
        pass.row(row, &cells[..columns.min(cells.len())], columns, selected);
    }
    // The cursor (hidden while scrolled back or when the program hid it).
    let cursor = content.cursor;
    if cursor.shape != CursorShape::Hidden && style.cursor_blink_on {
        let color = to_color(palette.resolve(Color::Named(NamedColor::Cursor), colors));
        let shape = if style.focused {
            cursor.shape
        } else {
            CursorShape::HollowBlock
        };
        pass.cursor(cursor.point, &grid[cursor.point], rows, shape, color);
    }
    pass.builder.finish()
}

/// One mesh being built: the builder, the colour and glyph lookups, and the pane's defaults.
struct GridPass<'a> {
    builder: MeshBuilder,
    resolver: ColorResolver<'a>,
    glyphs: &'a mut GlyphCache,
    ctx: &'a egui::Context,
    default_bg: Color32,
    selection_bg: Color32,
    /// One physical pixel, in points (box drawing snaps to it).
    pixel: f32,
    /// The foreground of selected cells, when a program set one (else their own).
    selection_fg: Option<Color32>,
    display_offset: i32,
}

impl GridPass<'_> {
    /// One screen row: runs of equal background colour, then a quad per glyph and its
    /// decorations. `selected` is the selected column range of the row, if any.
    fn row(
        &mut self,
        row: usize,
        cells: &[Cell],
        columns: usize,
        selected: Option<(usize, usize)>,
    ) {
        let y = self.builder.row_y(row);
        // The current run of equal background colour: its first column and colour.
        let mut run_start = 0;
        let mut run_color = self.default_bg;
        for (column, cell) in cells.iter().enumerate() {
            let (fg, bg) = self.resolver.colors(cell);
            let (fg, bg) = match selected {
                Some((first, last)) if first <= column && column <= last => {
                    (self.selection_fg.unwrap_or(fg), self.selection_bg)
                }
                _ => (fg, bg),
            };
            if bg != run_color {
                if run_color != self.default_bg {
                    self.builder
                        .background(run_start, row, column - run_start, run_color);
                }
                run_start = column;
                run_color = bg;
            }

            let flags = cell.flags;
            if flags.intersects(NO_GLYPH) {
                continue;
            }
            let width = cell_width(cell);
            if builtin::is_builtin(cell.c) {
                let rect = self.builder.cell_rect(column, row, width);
                builtin::draw(cell.c, rect, self.pixel, fg, &mut self.builder.vertices);
            } else if cell.c != ' ' && cell.c != '\t' {
                let face = face_of(flags);
                let quad = self.glyphs.glyph(self.ctx, cell.c, face);
                self.builder.glyph(column, y, width, &quad, fg);
                if let Some(marks) = cell.zerowidth() {
                    for mark in marks {
                        let quad = self.glyphs.glyph(self.ctx, *mark, face);
                        self.builder.glyph(column, y, width, &quad, fg);
                    }
                }
            }
            if flags.intersects(Flags::ALL_UNDERLINES | Flags::STRIKEOUT) {
                self.builder.decorations(column, row, width, fg, flags);
            }
        }
        if run_color != self.default_bg {
            self.builder
                .background(run_start, row, columns - run_start, run_color);
        }
    }

    /// The cursor at `point` over `cell`, if its row is on screen.
    fn cursor(
        &mut self,
        point: Point,
        cell: &Cell,
        rows: usize,
        shape: CursorShape,
        color: Color32,
    ) {
        let row = point.line.0 + self.display_offset;
        if !(0..rows as i32).contains(&row) {
            return;
        }
        let column = point.column.0;
        let width = cell_width(cell);
        self.builder
            .cursor(column, row as usize, width, shape, color);
        if shape == CursorShape::Block && builtin::is_builtin(cell.c) {
            let rect = self.builder.cell_rect(column, row as usize, width);
            builtin::draw(
                cell.c,
                rect,
                self.pixel,
                self.default_bg,
                &mut self.builder.vertices,
            );
        } else if shape == CursorShape::Block && cell.c != ' ' {
            // The character under a block cursor is drawn again in the background colour.
            let quad = self.glyphs.glyph(self.ctx, cell.c, face_of(cell.flags));
            let y = self.builder.row_y(row as usize);
            self.builder.glyph(column, y, width, &quad, self.default_bg);
        }
    }
}

/// How many columns a cell's character takes.
fn cell_width(cell: &Cell) -> usize {
    if cell.flags.contains(Flags::WIDE_CHAR) {
        2
    } else {
        1
    }
}

/// The selected columns of `line` (first, last; inclusive), as `SelectionRange::contains`.
fn selected_columns(selection: &SelectionRange, line: Line) -> Option<(usize, usize)> {
    if selection.start.line > line || selection.end.line < line {
        return None;
    }
    let first = if selection.start.line == line || selection.is_block {
        selection.start.column.0
    } else {
        0
    };
    let last = if selection.end.line == line || selection.is_block {
        selection.end.column.0
    } else {
        usize::MAX
    };
    Some((first, last))
}

/// Resolves cell colours, remembering the last answer: neighbouring cells mostly share them.
struct ColorResolver<'a> {
    palette: &'a Palette,
    colors: &'a Colors,
    key: (Color, Color, Flags),
    value: (Color32, Color32),
}

impl<'a> ColorResolver<'a> {
    fn new(palette: &'a Palette, colors: &'a Colors) -> Self {
        let key = (
            Color::Named(NamedColor::Foreground),
            Color::Named(NamedColor::Background),
            Flags::empty(),
        );
        let value = cell_colors(key.0, key.1, key.2, palette, colors);
        Self {
            palette,
            colors,
            key,
            value,
        }
    }

    #[inline]
    fn colors(&mut self, cell: &Cell) -> (Color32, Color32) {
        let flags = cell.flags & COLOR_FLAGS;
        if cell.fg != self.key.0 || cell.bg != self.key.1 || flags != self.key.2 {
            self.key = (cell.fg, cell.bg, flags);
            self.value = cell_colors(cell.fg, cell.bg, flags, self.palette, self.colors);
        }
        self.value
    }
}

/// Foreground and background of a cell after inverse, dim and bold-as-bright.
fn cell_colors(
    fg: Color,
    bg: Color,
    flags: Flags,
    palette: &Palette,
    colors: &Colors,
) -> (Color32, Color32) {
    let mut fg_color = fg;
    if flags.contains(Flags::BOLD)
        && let Color::Named(name) = fg_color
        && (name as usize) < 8
    {
        fg_color = Color::Named(name.to_bright());
    }
    let mut fg = palette.resolve(fg_color, colors);
    if flags.contains(Flags::DIM) {
        fg = dim(fg);
    }
    let bg = palette.resolve(bg, colors);
    if flags.contains(Flags::INVERSE) {
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
    /// Glyphs, decorations and the cursor, in drawing order; becomes the mesh's vertices.
    vertices: Vec<Vertex>,
    /// Background quads, drawn under everything else.
    backgrounds: Vec<Vertex>,
    cell: Vec2,
    origin: Pos2,
}

impl MeshBuilder {
    fn new(cell: Vec2, origin: Pos2, cells: usize) -> Self {
        // One glyph per cell, and room for the cursor (up to 4 quads, plus its glyph and that
        // glyph's bold overstrike) so a full screen does not reallocate at the very end.
        Self {
            vertices: Vec::with_capacity((cells + 6) * 4),
            backgrounds: Vec::new(),
            cell,
            origin,
        }
    }

    /// The mesh: backgrounds first, then the rest; two triangles per quad.
    fn finish(self) -> Mesh {
        let Self {
            mut vertices,
            backgrounds,
            ..
        } = self;
        if !backgrounds.is_empty() {
            vertices.splice(0..0, backgrounds);
        }
        let quads = vertices.len() / 4;
        let mut indices = Vec::with_capacity(quads * 6);
        for quad in 0..quads as u32 {
            let index = quad * 4;
            indices.extend_from_slice(&[
                index,
                index + 1,
                index + 2,
                index + 2,
                index + 1,
                index + 3,
            ]);
        }
        let mut mesh = Mesh::with_texture(TextureId::default());
        mesh.vertices = vertices;
        mesh.indices = indices;
        mesh
    }

    /// Top edge of `row`.
    #[inline]
    fn row_y(&self, row: usize) -> f32 {
        cell_origin(self.origin, self.cell, 0, row).y
    }

    fn cell_rect(&self, column: usize, row: usize, width: usize) -> Rect {
        let min = cell_origin(self.origin, self.cell, column, row);
        Rect::from_min_size(min, vec2(self.cell.x * width as f32, self.cell.y))
    }

    /// A quad from (x0, y0) to (x1, y1).
    #[inline(always)]
    fn push_quad(
        out: &mut Vec<Vertex>,
        [x0, y0, x1, y1]: [f32; 4],
        [u0, v0, u1, v1]: [f32; 4],
        color: Color32,
    ) {
        out.extend_from_slice(&[
            Vertex {
                pos: pos2(x0, y0),
                uv: pos2(u0, v0),
                color,
            },
            Vertex {
                pos: pos2(x1, y0),
                uv: pos2(u1, v0),
                color,
            },
            Vertex {
                pos: pos2(x0, y1),
                uv: pos2(u0, v1),
                color,
            },
            Vertex {
                pos: pos2(x1, y1),
                uv: pos2(u1, v1),
                color,
            },
        ]);
    }

    fn solid(&mut self, rect: Rect, color: Color32) {
        Self::push_solid(&mut self.vertices, rect, color);
    }

    fn push_solid(out: &mut Vec<Vertex>, rect: Rect, color: Color32) {
        let (u, v) = (WHITE_UV.x, WHITE_UV.y);
        Self::push_quad(
            out,
            [rect.min.x, rect.min.y, rect.max.x, rect.max.y],
            [u, v, u, v],
            color,
        );
    }

    fn background(&mut self, column: usize, row: usize, count: usize, color: Color32) {
        let rect = self.cell_rect(column, row, count);
        Self::push_solid(&mut self.backgrounds, rect, color);
    }

    /// The glyph `quad` in the cell at `column` of the row whose top edge is `y`.
    #[inline]
    fn glyph(&mut self, column: usize, y: f32, width: usize, quad: &GlyphQuad, color: Color32) {
        if quad.is_blank() {
            return;
        }
        let cell_x = self.origin.x + column as f32 * self.cell.x;
        let mut x0 = cell_x + quad.offset.x;
        let y0 = y + quad.offset.y;
        if width == 2 {
            // Glyphs wider than one cell (wide characters laid out narrow) are centred.
            let cell_width = (cell_x + self.cell.x * 2.0) - cell_x;
            if quad.size.x < cell_width {
                x0 = cell_x + ((cell_width - quad.size.x) / 2.0).round();
            }
        }
        let (x1, y1) = (x0 + quad.size.x, y0 + quad.size.y);
        let uv = [quad.uv.min.x, quad.uv.min.y, quad.uv.max.x, quad.uv.max.y];
        let color = if quad.is_color { Color32::WHITE } else { color };
        // Bold and italic come from their own faces (`Face`): no overstrike, no slant.
        Self::push_quad(&mut self.vertices, [x0, y0, x1, y1], uv, color);
    }

    fn decorations(
        &mut self,
        column: usize,
        row: usize,
        width: usize,
        color: Color32,
        flags: Flags,
    ) {
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

/// The face a cell's flags ask for.
fn face_of(flags: Flags) -> crate::ui::render::glyph_cache::Face {
    crate::ui::render::glyph_cache::Face::of(
        flags.contains(Flags::BOLD),
        flags.contains(Flags::ITALIC),
    )
}
