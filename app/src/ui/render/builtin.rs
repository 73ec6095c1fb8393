//! Characters drawn as geometry instead of font glyphs: box drawing (U+2500-257F), block
//! elements (U+2580-259F) and the Powerline separators (U+E0B0-E0B7). Fonts draw these
//! with gaps and dotted shades at most sizes; agents' logos, progress bars and borders need
//! them to fill the cell exactly and join their neighbours, as alacritty's built-in font does.
//!
//! Everything is solid-colour quads on the font texture's white texel, snapped to physical
//! pixels, pushed into the pane's mesh like any glyph.

use egui::epaint::{Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, pos2};

/// Whether `c` is drawn here rather than from the font.
#[inline]
pub fn is_builtin(c: char) -> bool {
    matches!(c, '\u{2500}'..='\u{259F}' | '\u{E0B0}'..='\u{E0B7}')
}

/// Draws `c` into `cell` (points; `pixel` is the size of one physical pixel in points).
pub fn draw(c: char, cell: Rect, pixel: f32, color: Color32, out: &mut Vec<Vertex>) {
    let mut pen = Pen {
        cell,
        pixel,
        color,
        out,
    };
    let code = c as u32;
    match code {
        0x2500..=0x257F => box_drawing(&mut pen, code),
        0x2580..=0x259F => block_element(&mut pen, code),
        _ => powerline(&mut pen, code),
    }
}

/// Where shapes go, and the sizes they are measured in.
struct Pen<'a> {
    cell: Rect,
    pixel: f32,
    color: Color32,
    out: &'a mut Vec<Vertex>,
}

impl Pen<'_> {
    /// `value` (points) rounded to whole physical pixels.
    fn snap(&self, value: f32) -> f32 {
        (value / self.pixel).round() * self.pixel
    }

    /// The width of a light line: about an eighth of the cell, at least one pixel.
    fn light(&self) -> f32 {
        (self.cell.width() / 8.0 / self.pixel).round().max(1.0) * self.pixel
    }

    fn stroke(&self, weight: u8) -> f32 {
        if weight == 2 {
            self.light() * 2.0
        } else {
            self.light()
        }
    }

    /// A rectangle in cell fractions (0-1 across, 0-1 down), snapped to pixels.
    fn fraction(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, color: Color32) {
        let cell = self.cell;
        let rect = Rect::from_min_max(
            pos2(
                self.snap(cell.min.x + x0 * cell.width()),
                self.snap(cell.min.y + y0 * cell.height()),
            ),
            pos2(
                self.snap(cell.min.x + x1 * cell.width()),
                self.snap(cell.min.y + y1 * cell.height()),
            ),
        );
        self.rect(rect, color);
    }

    fn rect(&mut self, rect: Rect, color: Color32) {
        self.quad(
            [
                rect.left_top(),
                rect.right_top(),
                rect.right_bottom(),
                rect.left_bottom(),
            ],
            color,
        );
    }

    /// Any four-cornered shape, corners in drawing order (a triangle repeats one).
    fn quad(&mut self, [a, b, c, d]: [Pos2; 4], color: Color32) {
        let uv = WHITE_UV;
        // The mesh's quads are indexed (0,1,2) and (2,1,3): top-left, top-right,
        // bottom-left, bottom-right.
        for pos in [a, b, d, c] {
            self.out.push(Vertex { pos, uv, color });
        }
    }

    /// A straight line between two points, `width` wide.
    fn line(&mut self, from: Pos2, to: Pos2, width: f32) {
        let direction = (to - from).normalized();
        let across = egui::vec2(-direction.y, direction.x) * (width / 2.0);
        let color = self.color;
        self.quad(
            [from + across, to + across, to - across, from - across],
            color,
        );
    }

    /// The cell's centre, on the pixel grid so that strokes land on whole pixels.
    fn centre(&self, stroke: f32) -> Pos2 {
        let cell = self.cell;
        pos2(
            self.snap(cell.center().x - stroke / 2.0) + stroke / 2.0,
            self.snap(cell.center().y - stroke / 2.0) + stroke / 2.0,
        )
    }
}

/// The four arms of a box-drawing character: up, right, down, left; 0 none, 1 light,
/// 2 heavy, 3 double.
type Arms = [u8; 4];

/// U+250C to U+254B: corners, tees and crosses of light and heavy lines.
const CORNERS_AND_CROSSES: [Arms; 64] = [
    [0, 1, 1, 0],
    [0, 2, 1, 0],
    [0, 1, 2, 0],
    [0, 2, 2, 0], // ┌ ┍ ┎ ┏
    [0, 0, 1, 1],
    [0, 0, 1, 2],
    [0, 0, 2, 1],
    [0, 0, 2, 2], // ┐ ┑ ┒ ┓
    [1, 1, 0, 0],
    [1, 2, 0, 0],
    [2, 1, 0, 0],
    [2, 2, 0, 0], // └ ┕ ┖ ┗
    [1, 0, 0, 1],
    [1, 0, 0, 2],
    [2, 0, 0, 1],
    [2, 0, 0, 2], // ┘ ┙ ┚ ┛
    [1, 1, 1, 0],
    [1, 2, 1, 0],
    [2, 1, 1, 0],
    [1, 1, 2, 0], // ├ ┝ ┞ ┟
    [2, 1, 2, 0],
    [2, 2, 1, 0],
    [1, 2, 2, 0],
    [2, 2, 2, 0], // ┠ ┡ ┢ ┣
    [1, 0, 1, 1],
    [1, 0, 1, 2],
    [2, 0, 1, 1],
    [1, 0, 2, 1], // ┤ ┥ ┦ ┧
    [2, 0, 2, 1],
    [2, 0, 1, 2],
    [1, 0, 2, 2],
    [2, 0, 2, 2], // ┨ ┩ ┪ ┫
    [0, 1, 1, 1],
    [0, 1, 1, 2],
    [0, 2, 1, 1],
    [0, 2, 1, 2], // ┬ ┭ ┮ ┯
    [0, 1, 2, 1],
    [0, 1, 2, 2],
    [0, 2, 2, 1],
    [0, 2, 2, 2], // ┰ ┱ ┲ ┳
    [1, 1, 0, 1],
    [1, 1, 0, 2],
    [1, 2, 0, 1],
    [1, 2, 0, 2], // ┴ ┵ ┶ ┷
    [2, 1, 0, 1],
    [2, 1, 0, 2],
    [2, 2, 0, 1],
    [2, 2, 0, 2], // ┸ ┹ ┺ ┻
    [1, 1, 1, 1],
    [1, 1, 1, 2],
    [1, 2, 1, 1],
    [1, 2, 1, 2], // ┼ ┽ ┾ ┿
    [2, 1, 1, 1],
    [1, 1, 2, 1],
    [2, 1, 2, 1],
    [2, 1, 1, 2], // ╀ ╁ ╂ ╃
    [2, 2, 1, 1],
    [1, 1, 2, 2],
    [1, 2, 2, 1],
    [2, 2, 1, 2], // ╄ ╅ ╆ ╇
    [1, 2, 2, 2],
    [2, 1, 2, 2],
    [2, 2, 2, 1],
    [2, 2, 2, 2], // ╈ ╉ ╊ ╋
];

/// U+2550 to U+256C: double lines and their joins with single ones.
const DOUBLES: [Arms; 29] = [
    [0, 3, 0, 3],
    [3, 0, 3, 0], // ═ ║
    [0, 3, 1, 0],
    [0, 1, 3, 0],
    [0, 3, 3, 0], // ╒ ╓ ╔
    [0, 0, 1, 3],
    [0, 0, 3, 1],
    [0, 0, 3, 3], // ╕ ╖ ╗
    [1, 3, 0, 0],
    [3, 1, 0, 0],
    [3, 3, 0, 0], // ╘ ╙ ╚
    [1, 0, 0, 3],
    [3, 0, 0, 1],
    [3, 0, 0, 3], // ╛ ╜ ╝
    [1, 3, 1, 0],
    [3, 1, 3, 0],
    [3, 3, 3, 0], // ╞ ╟ ╠
    [1, 0, 1, 3],
    [3, 0, 3, 1],
    [3, 0, 3, 3], // ╡ ╢ ╣
    [0, 3, 1, 3],
    [0, 1, 3, 1],
    [0, 3, 3, 3], // ╤ ╥ ╦
    [1, 3, 0, 3],
    [3, 1, 0, 1],
    [3, 3, 0, 3], // ╧ ╨ ╩
    [1, 3, 1, 3],
    [3, 1, 3, 1],
    [3, 3, 3, 3], // ╪ ╫ ╬
];

/// U+2574 to U+257F: half lines.
const HALVES: [Arms; 12] = [
    [0, 0, 0, 1],
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0], // ╴ ╵ ╶ ╷
    [0, 0, 0, 2],
    [2, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 2, 0], // ╸ ╹ ╺ ╻
    [0, 2, 0, 1],
    [1, 0, 2, 0],
    [0, 1, 0, 2],
    [2, 0, 1, 0], // ╼ ╽ ╾ ╿
];

fn box_drawing(pen: &mut Pen<'_>, code: u32) {
    let index = |base: u32| (code - base) as usize;
    match code {
        0x2500 => arms(pen, [0, 1, 0, 1]),
        0x2501 => arms(pen, [0, 2, 0, 2]),
        0x2502 => arms(pen, [1, 0, 1, 0]),
        0x2503 => arms(pen, [2, 0, 2, 0]),
        // Dashed: triple (2504-2507), quadruple (2508-250B), double (254C-254F).
        0x2504..=0x250B => {
            let offset = code - 0x2504;
            let dashes = if offset < 4 { 3 } else { 4 };
            dashed(pen, offset.is_multiple_of(2), offset % 4 < 2, dashes);
        }
        0x254C..=0x254F => {
            let offset = code - 0x254C;
            dashed(pen, offset.is_multiple_of(2), offset < 2, 2);
        }
        0x250C..=0x254B => arms(pen, CORNERS_AND_CROSSES[index(0x250C)]),
        0x2550..=0x256C => arms(pen, DOUBLES[index(0x2550)]),
        0x256D..=0x2570 => arc(pen, code),
        0x2571 => diagonal(pen, true),
        0x2572 => diagonal(pen, false),
        0x2573 => {
            diagonal(pen, true);
            diagonal(pen, false);
        }
        _ => arms(pen, HALVES[index(0x2574)]),
    }
}

/// Lines from the centre to each edge that has an arm; they overlap at the centre so joins
/// are solid.
fn arms(pen: &mut Pen<'_>, [up, right, down, left]: Arms) {
    let cell = pen.cell;
    // The thickest crossing line decides how far the others reach into the centre.
    let vertical = pen.stroke(up.max(down).min(2));
    let horizontal = pen.stroke(left.max(right).min(2));
    let centre = pen.centre(vertical.max(horizontal));
    let color = pen.color;
    let arm = |pen: &mut Pen<'_>, weight: u8, horizontal_arm: bool, towards_start: bool| {
        if weight == 0 {
            return;
        }
        let stroke = pen.stroke(weight.min(2));
        // Double lines: two light strokes a stroke apart on each side of the centre line.
        let offsets: &[f32] = if weight == 3 { &[-1.0, 1.0] } else { &[0.0] };
        let reach = if horizontal_arm { vertical } else { horizontal } / 2.0
            + if weight == 3 { stroke } else { 0.0 };
        for offset in offsets {
            let shift = offset * stroke;
            let rect = if horizontal_arm {
                let (x0, x1) = if towards_start {
                    (cell.min.x, centre.x + reach)
                } else {
                    (centre.x - reach, cell.max.x)
                };
                let y = centre.y + shift;
                Rect::from_min_max(pos2(x0, y - stroke / 2.0), pos2(x1, y + stroke / 2.0))
            } else {
                let (y0, y1) = if towards_start {
                    (cell.min.y, centre.y + reach)
                } else {
                    (centre.y - reach, cell.max.y)
                };
                let x = centre.x + shift;
                Rect::from_min_max(pos2(x - stroke / 2.0, y0), pos2(x + stroke / 2.0, y1))
            };
            pen.rect(rect, color);
        }
    };
    arm(pen, up, false, true);
    arm(pen, down, false, false);
    arm(pen, left, true, true);
    arm(pen, right, true, false);
}

/// A line of `dashes` dashes across the cell, each half the space it has.
fn dashed(pen: &mut Pen<'_>, light: bool, horizontal: bool, dashes: u32) {
    let stroke = pen.stroke(if light { 1 } else { 2 });
    let centre = pen.centre(stroke);
    let cell = pen.cell;
    let color = pen.color;
    for dash in 0..dashes {
        let start = dash as f32 / dashes as f32;
        let end = start + 0.5 / dashes as f32;
        let rect = if horizontal {
            Rect::from_min_max(
                pos2(
                    pen.snap(cell.min.x + start * cell.width()),
                    centre.y - stroke / 2.0,
                ),
                pos2(
                    pen.snap(cell.min.x + end * cell.width()),
                    centre.y + stroke / 2.0,
                ),
            )
        } else {
            Rect::from_min_max(
                pos2(
                    centre.x - stroke / 2.0,
                    pen.snap(cell.min.y + start * cell.height()),
                ),
                pos2(
                    centre.x + stroke / 2.0,
                    pen.snap(cell.min.y + end * cell.height()),
                ),
            )
        };
        pen.rect(rect, color);
    }
}

/// ╭ ╮ ╯ ╰: a quarter circle from the middle of one edge to the middle of another, in short
/// straight pieces.
fn arc(pen: &mut Pen<'_>, code: u32) {
    let stroke = pen.light();
    let centre = pen.centre(stroke);
    let cell = pen.cell;
    // The directions from the centre to the two edges the arc joins.
    let (towards_x, towards_y) = match code {
        0x256D => (1.0, 1.0),   // ╭ down and right
        0x256E => (-1.0, 1.0),  // ╮ down and left
        0x256F => (-1.0, -1.0), // ╯ up and left
        _ => (1.0, -1.0),       // ╰ up and right
    };
    let radius = (cell.width().min(cell.height()) / 2.0).max(stroke);
    // The arc's centre is `radius` from the cell centre towards the corner.
    let arc_centre = pos2(centre.x + towards_x * radius, centre.y + towards_y * radius);
    let steps = 8;
    let mut previous = None;
    for step in 0..=steps {
        let angle = std::f32::consts::FRAC_PI_2 * step as f32 / steps as f32;
        let point = pos2(
            arc_centre.x - towards_x * radius * angle.cos(),
            arc_centre.y - towards_y * radius * angle.sin(),
        );
        if let Some(from) = previous {
            pen.line(from, point, stroke);
        }
        previous = Some(point);
    }
    // Straight on to the edges where the arc's ends stop short of them.
    let color = pen.color;
    let horizontal_end = pos2(arc_centre.x, centre.y);
    let edge_x = if towards_x > 0.0 {
        cell.max.x
    } else {
        cell.min.x
    };
    pen.rect(
        Rect::from_two_pos(
            pos2(horizontal_end.x, centre.y - stroke / 2.0),
            pos2(edge_x, centre.y + stroke / 2.0),
        ),
        color,
    );
    let edge_y = if towards_y > 0.0 {
        cell.max.y
    } else {
        cell.min.y
    };
    pen.rect(
        Rect::from_two_pos(
            pos2(centre.x - stroke / 2.0, arc_centre.y),
            pos2(centre.x + stroke / 2.0, edge_y),
        ),
        color,
    );
}

/// ╱ (rising) or ╲ (falling), corner to corner.
fn diagonal(pen: &mut Pen<'_>, rising: bool) {
    let cell = pen.cell;
    let stroke = pen.light();
    let (from, to) = if rising {
        (cell.left_bottom(), cell.right_top())
    } else {
        (cell.left_top(), cell.right_bottom())
    };
    pen.line(from, to, stroke);
}

fn block_element(pen: &mut Pen<'_>, code: u32) {
    let color = pen.color;
    let eighth = |n: u32| n as f32 / 8.0;
    match code {
        0x2580 => pen.fraction(0.0, 0.0, 1.0, 0.5, color),
        // ▁ to █: lower one to eight eighths.
        0x2581..=0x2588 => pen.fraction(0.0, 1.0 - eighth(code - 0x2580), 1.0, 1.0, color),
        // ▉ to ▏: left seven eighths down to one.
        0x2589..=0x258F => pen.fraction(0.0, 0.0, eighth(8 - (code - 0x2588)), 1.0, color),
        0x2590 => pen.fraction(0.5, 0.0, 1.0, 1.0, color),
        // ░ ▒ ▓: the whole cell, a quarter, half and three quarters covered.
        0x2591..=0x2593 => {
            let coverage = (code - 0x2590) as f32 / 4.0;
            pen.fraction(0.0, 0.0, 1.0, 1.0, color.gamma_multiply(coverage));
        }
        0x2594 => pen.fraction(0.0, 0.0, 1.0, eighth(1), color),
        0x2595 => pen.fraction(eighth(7), 0.0, 1.0, 1.0, color),
        _ => quadrants(pen, code),
    }
}

/// ▖ to ▟: which quarters are filled (upper left, upper right, lower left, lower right).
fn quadrants(pen: &mut Pen<'_>, code: u32) {
    const QUARTERS: [[bool; 4]; 10] = [
        [false, false, true, false], // ▖
        [false, false, false, true], // ▗
        [true, false, false, false], // ▘
        [true, false, true, true],   // ▙
        [true, false, false, true],  // ▚
        [true, true, true, false],   // ▛
        [true, true, false, true],   // ▜
        [false, true, false, false], // ▝
        [false, true, true, false],  // ▞
        [false, true, true, true],   // ▟
    ];
    let color = pen.color;
    let filled = QUARTERS[(code - 0x2596) as usize];
    let corners = [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5)];
    for (fill, (x, y)) in filled.into_iter().zip(corners) {
        if fill {
            pen.fraction(x, y, x + 0.5, y + 0.5, color);
        }
    }
}

/// Powerline separators: solid triangles (E0B0, E0B2), thin arrows (E0B1, E0B3), solid and
/// thin half circles (E0B4-E0B7).
fn powerline(pen: &mut Pen<'_>, code: u32) {
    let cell = pen.cell;
    let color = pen.color;
    let pointing_right = matches!(code, 0xE0B0 | 0xE0B1 | 0xE0B4 | 0xE0B5);
    let (base, tip) = if pointing_right {
        (cell.min.x, cell.max.x)
    } else {
        (cell.max.x, cell.min.x)
    };
    let middle = cell.center().y;
    let solid = code.is_multiple_of(2);
    if code <= 0xE0B3 {
        let top = pos2(base, cell.min.y);
        let point = pos2(tip, middle);
        let bottom = pos2(base, cell.max.y);
        if solid {
            pen.quad([top, point, point, bottom], color);
        } else {
            let stroke = pen.light();
            pen.line(top, point, stroke);
            pen.line(point, bottom, stroke);
        }
        return;
    }
    // Half circles, from the base edge out to the tip.
    let steps = 12;
    let radius_x = tip - base;
    let radius_y = cell.height() / 2.0;
    let point = |step: u32| {
        let angle = std::f32::consts::PI * (step as f32 / steps as f32 - 0.5);
        pos2(
            base + radius_x * angle.cos(),
            middle + radius_y * angle.sin(),
        )
    };
    for step in 0..steps {
        let (from, to) = (point(step), point(step + 1));
        if solid {
            pen.quad([pos2(base, from.y), from, to, pos2(base, to.y)], color);
        } else {
            let stroke = pen.light();
            pen.line(from, to, stroke);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(c: char) -> f32 {
        let mut out = Vec::new();
        let cell = Rect::from_min_size(pos2(0.0, 0.0), egui::vec2(8.0, 16.0));
        draw(c, cell, 1.0, Color32::WHITE, &mut out);
        out.chunks(4)
            .map(|quad| {
                // The quads here are axis-aligned rectangles: width x height.
                let xs = quad.iter().map(|v| v.pos.x);
                let ys = quad.iter().map(|v| v.pos.y);
                let width = xs.clone().fold(f32::MIN, f32::max) - xs.fold(f32::MAX, f32::min);
                let height = ys.clone().fold(f32::MIN, f32::max) - ys.fold(f32::MAX, f32::min);
                width * height
            })
            .sum()
    }

    #[test]
    fn blocks_fill_exactly_their_part_of_the_cell() {
        assert_eq!(area('█'), 8.0 * 16.0);
        assert_eq!(area('▀'), 8.0 * 8.0);
        assert_eq!(area('▄'), 8.0 * 8.0);
        assert_eq!(area('▌'), 4.0 * 16.0);
        assert_eq!(area('▁'), 8.0 * 2.0);
        assert_eq!(area('▙'), 3.0 * 4.0 * 8.0);
    }

    #[test]
    fn lines_reach_the_cell_edges_so_neighbours_join() {
        let mut out = Vec::new();
        let cell = Rect::from_min_size(pos2(10.0, 20.0), egui::vec2(9.0, 18.0));
        draw('─', cell, 1.0, Color32::WHITE, &mut out);
        let xs: Vec<f32> = out.iter().map(|v| v.pos.x).collect();
        assert_eq!(xs.iter().copied().fold(f32::MAX, f32::min), 10.0);
        assert_eq!(xs.iter().copied().fold(f32::MIN, f32::max), 19.0);
        // Whole pixels: a crisp line.
        assert!(out.iter().all(|v| v.pos.y.fract() == 0.0), "{out:?}");
    }

    #[test]
    fn every_character_of_the_ranges_draws_something() {
        for code in (0x2500..=0x259F).chain(0xE0B0..=0xE0B7) {
            let c = char::from_u32(code).expect("a character");
            assert!(is_builtin(c));
            let mut out = Vec::new();
            let cell = Rect::from_min_size(pos2(0.0, 0.0), egui::vec2(9.0, 18.0));
            draw(c, cell, 1.0, Color32::WHITE, &mut out);
            assert!(!out.is_empty() && out.len() % 4 == 0, "{c:?}");
        }
        assert!(!is_builtin('a') && !is_builtin('\u{24FF}') && !is_builtin('\u{25A0}'));
    }
}
