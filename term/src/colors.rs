//! Colours programs set, query and reset: OSC 4 (palette entries), OSC 10/11/12 (foreground,
//! background, cursor), OSC 17/19 (selection background and foreground), and the resets
//! OSC 104/110/111/112/117/119.
//!
//! alacritty_terminal applies OSC 4/10/11/12 sets and the resets to `Term::colors`, the
//! pane's own overrides (so they belong to the pane, end with RIS, and are drawn at once), but
//! it cannot answer queries with them: its listener only gets a `ColorRequest` while the
//! terminal is borrowed. So the feeder finishes each colour OSC itself, right after vte has
//! applied it ([`ColorOscs`]): queries are answered from the pane's colours, falling back to
//! the theme, in xterm's format and with the query's own terminator, in stream order with
//! every other answer; colour forms vte does not parse (`rgbi:`, `#rgb` with 1 or 3 digits
//! per channel) are applied here; and OSC 17/19, which vte ignores, are kept in two slots of
//! `Term::colors` that no program can otherwise set and that no cell is drawn with (see
//! [`SELECTION_BACKGROUND`]). Being in `Term::colors`, all of it is also reset by RIS and
//! saved in snapshots.

use alacritty_terminal::event::EventListener;
use alacritty_terminal::vte::ansi::{Handler as _, NamedColor, Rgb};

use crate::palette::Palette;

/// The slot of `Term::colors` that holds the selection background a program set (OSC 17).
/// alacritty has no selection colour of its own; this slot (the dim foreground) is one that
/// no escape sequence sets and that Spaces' renderer never resolves for a cell (dim text is
/// drawn by darkening its colour).
pub const SELECTION_BACKGROUND: usize = NamedColor::DimForeground as usize;
/// The slot for the selection foreground (OSC 19); likewise never set by a sequence nor drawn
/// for a cell (bold text brightens only the eight normal colours).
pub const SELECTION_FOREGROUND: usize = NamedColor::BrightForeground as usize;

/// Longest colour OSC kept to finish (a query of all 256 entries fits easily).
const MAX_CAPTURE: usize = 8 * 1024;

/// The OSC numbers handled here.
fn is_color_osc(number: u16) -> bool {
    matches!(number, 4 | 10..=19 | 104 | 110..=119)
}

/// What the colour OSC in progress has shown so far.
#[derive(Debug, Default)]
pub struct ColorOscs {
    /// The OSC's bytes after `ESC ]`, up to [`MAX_CAPTURE`].
    capture: Vec<u8>,
}

impl ColorOscs {
    /// An OSC begins.
    pub fn start(&mut self) {
        self.capture.clear();
    }

    /// One byte of the OSC in progress.
    pub fn push(&mut self, byte: u8) {
        if self.capture.len() < MAX_CAPTURE {
            self.capture.push(byte);
        }
    }

    /// Whether the OSC in progress is a colour one (so the caller lets vte finish it first).
    pub fn is_color(&self) -> bool {
        osc_number(&self.capture).is_some_and(is_color_osc)
    }

    /// The OSC ended with `terminator` (BEL, or ESC of an ST) and vte has applied it: answers
    /// its queries through `answer` (none during a replay) and applies what vte does not.
    pub fn finish<T: EventListener>(
        &mut self,
        term: &mut alacritty_terminal::Term<T>,
        terminator: u8,
        palette: &Palette,
        answer: Option<&mut dyn FnMut(Vec<u8>)>,
    ) {
        let Some(number) = osc_number(&self.capture) else {
            return;
        };
        let end: &str = if terminator == 0x07 { "\x07" } else { "\x1b\\" };
        let payload = std::mem::take(&mut self.capture);
        let params: Vec<&[u8]> = payload.split(|&byte| byte == b';').skip(1).collect();
        let mut answers = Vec::new();
        match number {
            4 => palette_entries(term, palette, &params, end, &mut answers),
            10..=19 => dynamic_colors(term, palette, number, &params, end, &mut answers),
            117 => term.reset_color(SELECTION_BACKGROUND),
            119 => term.reset_color(SELECTION_FOREGROUND),
            _ => {}
        }
        self.capture = payload;
        if let Some(answer) = answer {
            for text in answers {
                answer(text.into_bytes());
            }
        }
    }
}

/// The OSC's number (the digits before the first `;`).
fn osc_number(capture: &[u8]) -> Option<u16> {
    let digits = capture.split(|&byte| byte == b';').next()?;
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// OSC 4: `index;spec` pairs; a spec of `?` asks for the entry.
fn palette_entries<T: EventListener>(
    term: &mut alacritty_terminal::Term<T>,
    palette: &Palette,
    params: &[&[u8]],
    end: &str,
    answers: &mut Vec<String>,
) {
    for pair in params.chunks(2) {
        let [index, spec] = pair else { break };
        let Some(index) = std::str::from_utf8(index)
            .ok()
            .and_then(|index| index.parse::<usize>().ok())
            .filter(|index| *index < 256)
        else {
            continue;
        };
        if *spec == b"?" {
            let color = current(term, palette, index);
            answers.push(format!("\x1b]4;{index};{}{end}", xterm_format(color)));
        } else if let Some(color) = parse_spec(spec) {
            term.set_color(index, color);
        }
    }
}

/// OSC 10-19: each parameter sets (or with `?` asks for) the next dynamic colour, starting
/// with `number`, as xterm does (`OSC 10;fg;bg` sets both). Spaces keeps 10, 11, 12, 17 and
/// 19; the pointer and Tektronix colours (13-16, 18) are not answered.
fn dynamic_colors<T: EventListener>(
    term: &mut alacritty_terminal::Term<T>,
    palette: &Palette,
    number: u16,
    params: &[&[u8]],
    end: &str,
    answers: &mut Vec<String>,
) {
    for (offset, spec) in params.iter().enumerate() {
        let code = number + offset as u16;
        let Some(slot) = dynamic_slot(code) else {
            continue;
        };
        if *spec == b"?" {
            let color = current(term, palette, slot);
            answers.push(format!("\x1b]{code};{}{end}", xterm_format(color)));
        } else if let Some(color) = parse_spec(spec) {
            term.set_color(slot, color);
        }
    }
}

/// The slot of `Term::colors` a dynamic colour number lives in.
fn dynamic_slot(code: u16) -> Option<usize> {
    match code {
        10 => Some(NamedColor::Foreground as usize),
        11 => Some(NamedColor::Background as usize),
        12 => Some(NamedColor::Cursor as usize),
        17 => Some(SELECTION_BACKGROUND),
        19 => Some(SELECTION_FOREGROUND),
        _ => None,
    }
}

/// Every colour back to the theme (RIS).
pub fn reset_all<T: EventListener>(term: &mut alacritty_terminal::Term<T>) {
    for slot in 0..alacritty_terminal::term::color::COUNT {
        if term.colors()[slot].is_some() {
            term.reset_color(slot);
        }
    }
}

/// The colour shown for a slot of `Term::colors`: what the program set, else the theme's.
pub fn current<T>(term: &alacritty_terminal::Term<T>, palette: &Palette, slot: usize) -> Rgb {
    term.colors()[slot].unwrap_or_else(|| match slot {
        SELECTION_BACKGROUND => palette.selection,
        SELECTION_FOREGROUND => palette.foreground,
        slot => palette.by_index(slot),
    })
}

/// xterm's answer format: `rgb:rrrr/gggg/bbbb`.
pub fn xterm_format(color: Rgb) -> String {
    format!(
        "rgb:{0:02x}{0:02x}/{1:02x}{1:02x}/{2:02x}{2:02x}",
        color.r, color.g, color.b
    )
}

/// A colour as programs write it: `rgb:r/g/b` (1-4 hex digits each), `rgbi:r/g/b` (floats
/// 0-1), `#rgb`, `#rrggbb`, `#rrrgggbbb`, `#rrrrggggbbbb`. X11 colour names and the CIE
/// spaces are not understood (the set is ignored).
pub fn parse_spec(spec: &[u8]) -> Option<Rgb> {
    let spec = std::str::from_utf8(spec).ok()?.trim();
    if let Some(channels) = spec.strip_prefix("rgb:") {
        let values: Vec<u8> = channels.split('/').map(scaled_hex).collect::<Option<_>>()?;
        return rgb(&values);
    }
    if let Some(channels) = spec.strip_prefix("rgbi:") {
        let values: Vec<u8> = channels
            .split('/')
            .map(|value| {
                let value: f64 = value.parse().ok()?;
                (0.0..=1.0)
                    .contains(&value)
                    .then(|| (value * 255.0).round() as u8)
            })
            .collect::<Option<_>>()?;
        return rgb(&values);
    }
    let hex = spec.strip_prefix('#')?;
    if hex.is_empty() || hex.len() % 3 != 0 || hex.len() > 12 {
        return None;
    }
    let width = hex.len() / 3;
    let values: Vec<u8> = (0..3)
        .map(|channel| {
            // `#rgb` means the high bits: `#f00` is `#f00000` in xterm, not `#ff0000`.
            let digits = &hex[channel * width..(channel + 1) * width];
            let value = u32::from_str_radix(digits, 16).ok()?;
            Some((value << (16 - 4 * width as u32) >> 8) as u8)
        })
        .collect::<Option<_>>()?;
    rgb(&values)
}

fn rgb(values: &[u8]) -> Option<Rgb> {
    match values {
        [r, g, b] => Some(Rgb {
            r: *r,
            g: *g,
            b: *b,
        }),
        _ => None,
    }
}

/// 1-4 hex digits scaled to 8 bits, as xterm reads `rgb:` channels (`f` is `ff`, `fff` is
/// `ff`, `8000` is `80`).
fn scaled_hex(digits: &str) -> Option<u8> {
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let value = u32::from_str_radix(digits, 16).ok()?;
    let max = (1u32 << (4 * digits.len() as u32)) - 1;
    Some(((value * 255 + max / 2) / max) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn color(r: u8, g: u8, b: u8) -> Rgb {
        Rgb { r, g, b }
    }

    #[test]
    fn colour_forms_parse_as_xterm_reads_them() {
        assert_eq!(parse_spec(b"rgb:aa/bb/cc"), Some(color(0xaa, 0xbb, 0xcc)));
        assert_eq!(parse_spec(b"rgb:f/0/8"), Some(color(0xff, 0, 0x88)));
        assert_eq!(
            parse_spec(b"rgb:ffff/0000/8080"),
            Some(color(0xff, 0, 0x80))
        );
        assert_eq!(parse_spec(b"rgbi:1/0/0.5"), Some(color(0xff, 0, 0x80)));
        assert_eq!(parse_spec(b"#123456"), Some(color(0x12, 0x34, 0x56)));
        assert_eq!(parse_spec(b"#f00"), Some(color(0xf0, 0, 0)));
        assert_eq!(parse_spec(b"#fff000000"), Some(color(0xff, 0, 0)));
        assert_eq!(parse_spec(b"#ffff00000000"), Some(color(0xff, 0, 0)));
        for bad in [
            &b"red"[..],
            b"rgb:1/2",
            b"#12345",
            b"rgbi:2/0/0",
            b"rgb:fffff/0/0",
            b"",
        ] {
            assert_eq!(parse_spec(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn answers_use_xterm_format() {
        assert_eq!(xterm_format(color(0xaa, 0xbb, 0xcc)), "rgb:aaaa/bbbb/cccc");
    }

    #[test]
    fn only_colour_oscs_are_taken() {
        let mut oscs = ColorOscs::default();
        for (payload, colour) in [
            (&b"4;1;?"[..], true),
            (b"11;?", true),
            (b"17;#ff0000", true),
            (b"119", true),
            (b"2;title", false),
            (b"52;c;aGk=", false),
            (b"1000;x", false),
        ] {
            oscs.start();
            payload.iter().for_each(|&byte| oscs.push(byte));
            assert_eq!(oscs.is_color(), colour, "{payload:?}");
        }
    }
}
