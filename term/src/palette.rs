//! The default colour theme: the 256-colour palette plus foreground, background and cursor.
//!
//! Shared by the renderer (to paint cells) and the event proxy (to answer OSC 10/11/4 colour
//! queries with the colours actually shown).

use alacritty_terminal::vte::ansi::{Color, NamedColor, Rgb};

/// A complete set of colours for one terminal.
#[derive(Clone, Debug)]
pub struct Palette {
    pub foreground: Rgb,
    pub background: Rgb,
    pub cursor: Rgb,
    pub selection: Rgb,
    /// Indexed colours 0-255.
    pub indexed: [Rgb; 256],
    /// Dim variants of the 8 normal colours and of the foreground.
    pub dim_foreground: Rgb,
}

const fn rgb(r: u8, g: u8, b: u8) -> Rgb {
    Rgb { r, g, b }
}

/// The 16 base colours (a calm dark theme close to alacritty's default).
const BASE16: [Rgb; 16] = [
    rgb(0x1d, 0x1f, 0x21),
    rgb(0xcc, 0x66, 0x66),
    rgb(0xb5, 0xbd, 0x68),
    rgb(0xf0, 0xc6, 0x74),
    rgb(0x81, 0xa2, 0xbe),
    rgb(0xb2, 0x94, 0xbb),
    rgb(0x8a, 0xbe, 0xb7),
    rgb(0xc5, 0xc8, 0xc6),
    rgb(0x66, 0x66, 0x66),
    rgb(0xd5, 0x4e, 0x53),
    rgb(0xb9, 0xca, 0x4a),
    rgb(0xe7, 0xc5, 0x47),
    rgb(0x7a, 0xa6, 0xda),
    rgb(0xc3, 0x97, 0xd8),
    rgb(0x70, 0xc0, 0xb1),
    rgb(0xea, 0xea, 0xea),
];

impl Default for Palette {
    fn default() -> Self {
        Self {
            cursor: rgb(0xe0, 0xe0, 0xe0),
            selection: rgb(0x3a, 0x4d, 0x6b),
            dim_foreground: rgb(0x8e, 0x8e, 0x8e),
            ..Self::with_colors(rgb(0xd8, 0xd8, 0xd8), rgb(0x18, 0x19, 0x1b), BASE16)
        }
    }
}

impl Palette {
    /// A palette from a theme's foreground, background and 16 base colours (the cube and the
    /// greys are xterm's; cursor, selection and dim text are derived).
    pub fn with_colors(foreground: Rgb, background: Rgb, base16: [Rgb; 16]) -> Self {
        let mut indexed = [rgb(0, 0, 0); 256];
        indexed[..16].copy_from_slice(&base16);
        // 6x6x6 colour cube, as xterm defines it.
        let steps = [0u8, 0x5f, 0x87, 0xaf, 0xd7, 0xff];
        for r in 0..6 {
            for g in 0..6 {
                for b in 0..6 {
                    indexed[16 + r * 36 + g * 6 + b] = rgb(steps[r], steps[g], steps[b]);
                }
            }
        }
        // 24 greys.
        for i in 0..24 {
            let level = (8 + i * 10) as u8;
            indexed[232 + i] = rgb(level, level, level);
        }
        let mix = |a: Rgb, b: Rgb, t: f32| {
            let channel =
                |x: u8, y: u8| (f32::from(x) * (1.0 - t) + f32::from(y) * t).round() as u8;
            rgb(channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b))
        };
        Self {
            foreground,
            background,
            cursor: foreground,
            selection: mix(background, base16[4], 0.45),
            indexed,
            dim_foreground: mix(foreground, background, 0.4),
        }
    }

    /// Resolves a cell colour, honouring colours the application set with OSC 4/10/11.
    pub fn resolve(
        &self,
        color: Color,
        overrides: &alacritty_terminal::term::color::Colors,
    ) -> Rgb {
        match color {
            Color::Spec(rgb) => rgb,
            Color::Indexed(index) => {
                overrides[usize::from(index)].unwrap_or(self.indexed[usize::from(index)])
            }
            Color::Named(name) => overrides[name].unwrap_or_else(|| self.named(name)),
        }
    }

    /// The theme's value of a named colour.
    pub fn named(&self, name: NamedColor) -> Rgb {
        match name {
            NamedColor::Foreground | NamedColor::BrightForeground => self.foreground,
            NamedColor::Background => self.background,
            NamedColor::Cursor => self.cursor,
            NamedColor::DimForeground => self.dim_foreground,
            NamedColor::DimBlack
            | NamedColor::DimRed
            | NamedColor::DimGreen
            | NamedColor::DimYellow
            | NamedColor::DimBlue
            | NamedColor::DimMagenta
            | NamedColor::DimCyan
            | NamedColor::DimWhite => {
                let base = self.indexed[name as usize - NamedColor::DimBlack as usize];
                dim(base)
            }
            other => self.indexed[(other as usize).min(255)],
        }
    }

    /// The colour with a terminal-wide index (0-255 indexed, then the named specials).
    pub fn by_index(&self, index: usize) -> Rgb {
        match index {
            0..=255 => self.indexed[index],
            i if i == NamedColor::Foreground as usize => self.foreground,
            i if i == NamedColor::Background as usize => self.background,
            i if i == NamedColor::Cursor as usize => self.cursor,
            _ => self.foreground,
        }
    }
}

/// Two thirds of the brightness, as most terminals draw SGR 2 (dim).
pub fn dim(color: Rgb) -> Rgb {
    rgb(
        (u16::from(color.r) * 2 / 3) as u8,
        (u16::from(color.g) * 2 / 3) as u8,
        (u16::from(color.b) * 2 / 3) as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cube_and_greys_follow_xterm() {
        let palette = Palette::default();
        assert_eq!(palette.indexed[16], rgb(0, 0, 0));
        assert_eq!(palette.indexed[196], rgb(0xff, 0, 0));
        assert_eq!(palette.indexed[231], rgb(0xff, 0xff, 0xff));
        assert_eq!(palette.indexed[232], rgb(8, 8, 8));
        assert_eq!(palette.indexed[255], rgb(238, 238, 238));
    }

    #[test]
    fn named_colours_map_to_base16() {
        let palette = Palette::default();
        assert_eq!(palette.named(NamedColor::Red), BASE16[1]);
        assert_eq!(palette.named(NamedColor::BrightWhite), BASE16[15]);
        assert_eq!(palette.named(NamedColor::DimRed), dim(BASE16[1]));
    }
}
