//! The terminal colour themes: a few well-known ones built in, and the user's own colours on
//! top (`[colors]` in `config.toml`: `foreground`, `background`, `cursor`, `selection`,
//! `color0`..`color15`, as `#rrggbb`).

use std::collections::BTreeMap;

use spaces_term::alacritty_terminal::vte::ansi::Rgb;
use spaces_term::palette::Palette;

/// The built-in themes: name, whether it is light, foreground, background, the 16 colours.
const THEMES: &[(&str, bool, u32, u32, [u32; 16])] = &[
    (
        "dark",
        false,
        0xd8d8d8,
        0x18191b,
        [
            0x1d1f21, 0xcc6666, 0xb5bd68, 0xf0c674, 0x81a2be, 0xb294bb, 0x8abeb7, 0xc5c8c6,
            0x666666, 0xd54e53, 0xb9ca4a, 0xe7c547, 0x7aa6da, 0xc397d8, 0x70c0b1, 0xeaeaea,
        ],
    ),
    (
        "light",
        true,
        0x2e3436,
        0xfafafa,
        [
            0x000000, 0xc4302b, 0x3a8a14, 0xa06a00, 0x1f5fbf, 0x8e44ad, 0x1a8a8a, 0xd0d0d0,
            0x666666, 0xe0403a, 0x4aa41e, 0xc28a00, 0x3a7ae0, 0xa95bc9, 0x22a3a3, 0xffffff,
        ],
    ),
    (
        "solarized-dark",
        false,
        0x839496,
        0x002b36,
        [
            0x073642, 0xdc322f, 0x859900, 0xb58900, 0x268bd2, 0xd33682, 0x2aa198, 0xeee8d5,
            0x002b36, 0xcb4b16, 0x586e75, 0x657b83, 0x839496, 0x6c71c4, 0x93a1a1, 0xfdf6e3,
        ],
    ),
    (
        "solarized-light",
        true,
        0x657b83,
        0xfdf6e3,
        [
            0x073642, 0xdc322f, 0x859900, 0xb58900, 0x268bd2, 0xd33682, 0x2aa198, 0xeee8d5,
            0x002b36, 0xcb4b16, 0x586e75, 0x657b83, 0x839496, 0x6c71c4, 0x93a1a1, 0xfdf6e3,
        ],
    ),
    (
        "gruvbox-dark",
        false,
        0xebdbb2,
        0x282828,
        [
            0x282828, 0xcc241d, 0x98971a, 0xd79921, 0x458588, 0xb16286, 0x689d6a, 0xa89984,
            0x928374, 0xfb4934, 0xb8bb26, 0xfabd2f, 0x83a598, 0xd3869b, 0x8ec07c, 0xebdbb2,
        ],
    ),
];

/// The names of the built-in themes.
pub fn names() -> impl Iterator<Item = &'static str> {
    THEMES.iter().map(|theme| theme.0)
}

/// Whether theme `name` is a light one (the window's own colours follow).
pub fn is_light(name: &str) -> bool {
    THEMES
        .iter()
        .find(|theme| theme.0 == name)
        .is_some_and(|theme| theme.1)
}

/// The palette of theme `name` with the user's `colors` on top; what could not be read is
/// returned too (an unknown theme falls back to "dark").
pub fn palette(name: &str, colors: &BTreeMap<String, String>) -> (Palette, Vec<String>) {
    let mut problems = Vec::new();
    let theme = THEMES
        .iter()
        .find(|theme| theme.0 == name)
        .unwrap_or_else(|| {
            problems.push(format!(
                "theme {name:?} is not built in ({}); using \"dark\"",
                names().collect::<Vec<_>>().join(", ")
            ));
            &THEMES[0]
        });
    let base16 = theme.4.map(rgb);
    let mut palette = if theme.0 == "dark" {
        Palette::default()
    } else {
        Palette::with_colors(rgb(theme.2), rgb(theme.3), base16)
    };
    for (key, value) in colors {
        let Some(color) = parse_color(value) else {
            problems.push(format!("[colors] {key} = {value:?}: not a #rrggbb colour"));
            continue;
        };
        match key.as_str() {
            "foreground" => palette.foreground = color,
            "background" => palette.background = color,
            "cursor" => palette.cursor = color,
            "selection" => palette.selection = color,
            other => match other
                .strip_prefix("color")
                .and_then(|index| index.parse::<usize>().ok())
                .filter(|index| *index < 16)
            {
                Some(index) => palette.indexed[index] = color,
                None => problems.push(format!(
                    "[colors] {key}: not foreground, background, cursor, selection or color0..color15"
                )),
            },
        }
    }
    (palette, problems)
}

fn rgb(value: u32) -> Rgb {
    let [_, r, g, b] = value.to_be_bytes();
    Rgb { r, g, b }
}

fn parse_color(text: &str) -> Option<Rgb> {
    let hex = text.trim().strip_prefix('#')?;
    (hex.len() == 6)
        .then(|| u32::from_str_radix(hex, 16).ok())
        .flatten()
        .map(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_and_the_users_colours() {
        let none = BTreeMap::new();
        let (dark, problems) = palette("dark", &none);
        assert!(problems.is_empty());
        assert_eq!(dark.background, Palette::default().background);
        let (light, _) = palette("light", &none);
        assert_eq!(light.background, rgb(0xfafafa));
        assert!(is_light("light") && !is_light("dark"));
        let colors: BTreeMap<String, String> = [
            ("background", "#101010"),
            ("color1", "#ff0000"),
            ("color16", "#00ff00"),
            ("cursor", "red"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
        let (mine, problems) = palette("gruvbox-dark", &colors);
        assert_eq!(mine.background, rgb(0x101010));
        assert_eq!(mine.indexed[1], rgb(0xff0000));
        assert_eq!(problems.len(), 2, "{problems:?}");
        let (fallback, problems) = palette("neon", &none);
        assert_eq!(fallback.background, Palette::default().background);
        assert_eq!(problems.len(), 1);
    }
}
