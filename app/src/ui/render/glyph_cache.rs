//! Where each character's glyph sits in egui's font atlas, so a terminal grid can be drawn as
//! one mesh without egui's text layout (measured 5x too slow for 16 busy panes: DESIGN.md).
//!
//! Each character is laid out alone once (per font size and pixels-per-point) and its quad
//! offset, size and atlas rectangle (as UVs: texels divided by the atlas size) are kept: ASCII
//! in an array, the rest in a map. egui clears the atlas when it gets ~80% full and may grow it:
//! both invalidate the cache (grown, the UVs of every cached glyph would be wrong).

use std::collections::HashMap;

use egui::{Color32, FontFamily, FontId, Pos2, Rect, Vec2, pos2, vec2};

/// Everything needed to draw one character in a cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlyphQuad {
    /// Offset of the quad's top-left corner from the cell's top-left corner, in points.
    pub offset: Vec2,
    /// Size of the quad in points (zero for blank glyphs).
    pub size: Vec2,
    /// Rectangle in the font atlas as UVs (0..1), for the atlas size of the current frame.
    pub uv: Rect,
    /// A colour glyph (emoji): drawn with its own colours, not tinted.
    pub is_color: bool,
}

impl GlyphQuad {
    pub fn is_blank(&self) -> bool {
        self.size.x <= 0.0 || self.size.y <= 0.0
    }
}

/// Which face of the monospace font a cell is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Face {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Face {
    pub fn of(bold: bool, italic: bool) -> Self {
        match (bold, italic) {
            (false, false) => Face::Regular,
            (true, false) => Face::Bold,
            (false, true) => Face::Italic,
            (true, true) => Face::BoldItalic,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The egui font family of the face (the bundled DejaVu Sans Mono faces; regular is
    /// egui's own monospace, Hack, which has the same metrics).
    fn family(self) -> FontFamily {
        match self {
            Face::Regular => FontFamily::Monospace,
            other => FontFamily::Name(FACE_FAMILIES[other.index() - 1].0.into()),
        }
    }
}

/// The bundled faces: (egui family name, font file).
const FACE_FAMILIES: [(&str, &[u8]); 3] = [
    (
        "spaces-mono-bold",
        include_bytes!("../../../../assets/fonts/DejaVuSansMono-Bold.ttf"),
    ),
    (
        "spaces-mono-italic",
        include_bytes!("../../../../assets/fonts/DejaVuSansMono-Oblique.ttf"),
    ),
    (
        "spaces-mono-bold-italic",
        include_bytes!("../../../../assets/fonts/DejaVuSansMono-BoldOblique.ttf"),
    ),
];

/// Registers the bold, italic and bold-italic faces with egui (once per context).
pub fn install_faces(ctx: &egui::Context) {
    for (name, data) in FACE_FAMILIES {
        ctx.add_font(egui::epaint::text::FontInsert::new(
            name,
            egui::FontData::from_static(data),
            vec![egui::epaint::text::InsertFontFamily {
                family: FontFamily::Name(name.into()),
                priority: egui::epaint::text::FontPriority::Highest,
            }],
        ));
    }
}

/// The cell grid metrics and the glyphs of one font at one scale.
pub struct GlyphCache {
    font: FontId,
    pixels_per_point: f32,
    atlas_size: [usize; 2],
    atlas_fill: f32,
    cell: Vec2,
    /// ASCII glyphs of each face.
    ascii: [[Option<GlyphQuad>; 128]; 4],
    others: HashMap<(char, Face), GlyphQuad>,
    /// Bumped whenever cached glyphs were thrown away, so views rebuild their meshes.
    epoch: u64,
}

impl GlyphCache {
    pub fn new(font_size: f32) -> Self {
        Self {
            font: FontId::new(font_size, FontFamily::Monospace),
            pixels_per_point: 0.0,
            atlas_size: [0, 0],
            atlas_fill: 0.0,
            cell: vec2(8.0, 16.0),
            ascii: [[None; 128]; 4],
            others: HashMap::new(),
            epoch: 0,
        }
    }

    pub fn font_size(&self) -> f32 {
        self.font.size
    }

    pub fn set_font_size(&mut self, size: f32) {
        let size = size.clamp(6.0, 48.0);
        if (size - self.font.size).abs() > f32::EPSILON {
            self.font.size = size;
            self.pixels_per_point = 0.0;
        }
    }

    /// Size of one cell in points, snapped to whole physical pixels.
    pub fn cell_size(&self) -> Vec2 {
        self.cell
    }

    /// Changes whenever the glyphs (and so every mesh built from them) became invalid.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Call once per frame before drawing: notices scale, atlas growth and atlas clears.
    pub fn begin_frame(&mut self, ctx: &egui::Context) {
        let pixels_per_point = ctx.pixels_per_point();
        let (atlas_size, atlas_fill) =
            ctx.fonts(|fonts| (fonts.font_image_size(), fonts.font_atlas_fill_ratio()));
        let atlas_cleared = atlas_fill + 1e-6 < self.atlas_fill;
        if pixels_per_point != self.pixels_per_point
            || atlas_size != self.atlas_size
            || atlas_cleared
        {
            self.reset(ctx, pixels_per_point);
        }
        self.atlas_fill = ctx.fonts(|fonts| fonts.font_atlas_fill_ratio());
        self.atlas_size = ctx.fonts(|fonts| fonts.font_image_size());
    }

    fn reset(&mut self, ctx: &egui::Context, pixels_per_point: f32) {
        self.pixels_per_point = pixels_per_point;
        self.ascii = [[None; 128]; 4];
        self.others.clear();
        self.epoch += 1;
        let font = self.font.clone();
        let (advance, row_height) =
            ctx.fonts_mut(|fonts| (fonts.glyph_width(&font, 'M'), fonts.row_height(&font)));
        let snap = |points: f32| (points * pixels_per_point).round().max(1.0) / pixels_per_point;
        self.cell = vec2(snap(advance), snap(row_height));
    }

    /// The quad for `c` in `face`, laying it out (and so rasterising it into the atlas) the
    /// first time. A character the face lacks (CJK, emoji) comes from the regular face and
    /// its fallbacks.
    #[inline]
    pub fn glyph(&mut self, ctx: &egui::Context, c: char, face: Face) -> GlyphQuad {
        if let Some(Some(quad)) = self.ascii[face.index()].get(c as usize) {
            return *quad;
        }
        self.glyph_slow(ctx, c, face)
    }

    /// Non-ASCII characters and first sightings.
    fn glyph_slow(&mut self, ctx: &egui::Context, c: char, face: Face) -> GlyphQuad {
        if let Some(quad) = self.others.get(&(c, face)) {
            return *quad;
        }
        let mut font = FontId::new(self.font.size, face.family());
        if face != Face::Regular && !ctx.fonts_mut(|fonts| fonts.has_glyph(&font, c)) {
            font = self.font.clone();
        }
        let quad = self.layout(ctx, c, font);
        match self.ascii[face.index()].get_mut(c as usize) {
            Some(slot) => *slot = Some(quad),
            None => {
                self.others.insert((c, face), quad);
            }
        }
        quad
    }

    fn layout(&self, ctx: &egui::Context, c: char, font: FontId) -> GlyphQuad {
        let galley =
            ctx.fonts_mut(|fonts| fonts.layout_no_wrap(c.to_string(), font, Color32::WHITE));
        let blank = GlyphQuad {
            offset: Vec2::ZERO,
            size: Vec2::ZERO,
            uv: Rect::NOTHING,
            is_color: false,
        };
        let Some(row) = galley.rows.first() else {
            return blank;
        };
        let Some(glyph) = row.row.glyphs.first() else {
            return blank;
        };
        let uv_rect = glyph.uv_rect;
        if uv_rect.is_nothing() {
            return blank;
        }
        let left_top = row.pos + glyph.pos.to_vec2() + uv_rect.offset;
        let atlas = self.atlas_size();
        let (width, height) = (atlas.x.max(1.0), atlas.y.max(1.0));
        GlyphQuad {
            offset: snap_vec(left_top.to_vec2(), self.pixels_per_point),
            size: uv_rect.size,
            uv: Rect::from_min_max(
                pos2(
                    f32::from(uv_rect.min[0]) / width,
                    f32::from(uv_rect.min[1]) / height,
                ),
                pos2(
                    f32::from(uv_rect.max[0]) / width,
                    f32::from(uv_rect.max[1]) / height,
                ),
            ),
            is_color: glyph.is_color,
        }
    }

    /// Atlas size for turning texel coordinates into UVs.
    pub fn atlas_size(&self) -> Vec2 {
        vec2(self.atlas_size[0] as f32, self.atlas_size[1] as f32)
    }
}

fn snap_vec(v: Vec2, pixels_per_point: f32) -> Vec2 {
    if pixels_per_point <= 0.0 {
        return v;
    }
    vec2(
        (v.x * pixels_per_point).round() / pixels_per_point,
        (v.y * pixels_per_point).round() / pixels_per_point,
    )
}

/// Top-left corner of cell (`column`, `row`) in a grid that starts at `origin`.
pub fn cell_origin(origin: Pos2, cell: Vec2, column: usize, row: usize) -> Pos2 {
    pos2(
        origin.x + column as f32 * cell.x,
        origin.y + row as f32 * cell.y,
    )
}

#[cfg(test)]
mod face_tests {
    use super::*;

    #[test]
    fn bold_and_italic_have_their_own_glyphs_and_fall_back_for_what_they_lack() {
        let ctx = egui::Context::default();
        install_faces(&ctx);
        let mut glyphs = GlyphCache::new(14.0);
        let mut seen = None;
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            let ctx = ui.ctx();
            glyphs.begin_frame(ctx);
            let quads: Vec<GlyphQuad> = [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic]
                .into_iter()
                .map(|face| glyphs.glyph(ctx, 'a', face))
                .collect();
            // A character the DejaVu faces lack comes from the regular face's fallbacks.
            let emoji = [Face::Regular, Face::Bold].map(|face| glyphs.glyph(ctx, '🙂', face));
            seen = Some((quads, emoji));
        });
        output.textures_delta.clear();
        let (quads, emoji) = seen.expect("the pass ran");
        for (index, quad) in quads.iter().enumerate() {
            assert!(!quad.is_blank(), "face {index} drew nothing");
            for other in &quads[index + 1..] {
                assert_ne!(quad.uv, other.uv, "two faces share one glyph");
            }
        }
        assert_eq!(emoji[0].uv, emoji[1].uv);
    }
}
