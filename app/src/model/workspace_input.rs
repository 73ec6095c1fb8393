//! What a user may call a workspace and how they may colour it: every way in (the sidebar,
//! the palette, `spaces cli workspace ...`, an import) checks names and colours here, so each
//! mistake gets the same one-line message.

use std::fmt;

/// The longest name kept, in characters: long enough for a branch name or a ticket title.
pub const MAX_NAME_CHARS: usize = 80;

/// The colours offered for new workspaces, in order: distinct on a dark background.
pub const PALETTE: [&str; 10] = [
    "#5b9cf5", "#e5734c", "#58b368", "#c678dd", "#e5c07b", "#56b6c2", "#e06c75", "#98c379",
    "#d19a66", "#8f9bb3",
];

/// Why a name or a colour was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    EmptyName,
    NameTooLong { chars: usize },
    ControlCharacter,
    DuplicateName(String),
    NotAColour(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyName => write!(f, "a workspace needs a name"),
            Self::NameTooLong { chars } => write!(
                f,
                "a workspace name has at most {MAX_NAME_CHARS} characters (this one has {chars})"
            ),
            Self::ControlCharacter => {
                write!(f, "a workspace name cannot hold control characters")
            }
            Self::DuplicateName(name) => write!(f, "there is already a workspace named {name:?}"),
            Self::NotAColour(text) => {
                write!(
                    f,
                    "{text:?} is not a colour: write it as #RRGGBB, for example #5b9cf5"
                )
            }
        }
    }
}

impl std::error::Error for InputError {}

/// The name as it will be stored (surrounding blanks removed), or why it cannot be one.
/// `taken` holds the names already in use, compared without regard to case.
pub fn check_name<'a>(
    name: &str,
    taken: impl IntoIterator<Item = &'a str>,
) -> Result<String, InputError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(InputError::EmptyName);
    }
    if name.chars().any(char::is_control) {
        return Err(InputError::ControlCharacter);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(InputError::NameTooLong { chars });
    }
    if taken
        .into_iter()
        .any(|other| other.eq_ignore_ascii_case(name))
    {
        return Err(InputError::DuplicateName(name.to_owned()));
    }
    Ok(name.to_owned())
}

/// A name not in `taken`, made from `name` by adding " (2)", " (3)"... (imports of a
/// workspace whose name is in use).
pub fn unused_name<'a>(name: &str, taken: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let is_free = |candidate: &str| {
        !taken
            .clone()
            .into_iter()
            .any(|other| other.eq_ignore_ascii_case(candidate))
    };
    if is_free(name) {
        return name.to_owned();
    }
    (2..)
        .map(|n| format!("{name} ({n})"))
        .find(|candidate| is_free(candidate))
        .expect("some numbered name is free")
}

/// A colour as `#rrggbb` (lower case), from `#RRGGBB` or `#RGB`.
pub fn check_color(text: &str) -> Result<String, InputError> {
    parse_color(text)
        .map(|[r, g, b]| format!("#{r:02x}{g:02x}{b:02x}"))
        .ok_or_else(|| InputError::NotAColour(text.chars().take(40).collect()))
}

/// The red, green and blue of `#RRGGBB` or `#RGB`.
pub fn parse_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |digits: &str| u8::from_str_radix(digits, 16).ok();
    match hex.len() {
        6 => Some([
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        ]),
        3 => {
            let short = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
            Some([short(0)?, short(1)?, short(2)?])
        }
        _ => None,
    }
}

/// The first palette colour no workspace in `used` has yet (the first one when all are used).
pub fn next_color<'a>(used: impl IntoIterator<Item = &'a str> + Clone) -> &'static str {
    PALETTE
        .iter()
        .find(|color| {
            !used
                .clone()
                .into_iter()
                .any(|u| u.eq_ignore_ascii_case(color))
        })
        .copied()
        .unwrap_or(PALETTE[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(check_name("  api  ", []), Ok("api".to_owned()));
        assert_eq!(check_name("   ", []), Err(InputError::EmptyName));
        assert_eq!(
            check_name("a\u{1b}[31m", []),
            Err(InputError::ControlCharacter)
        );
        assert_eq!(
            check_name("tab\there", []),
            Err(InputError::ControlCharacter)
        );
        let long = "x".repeat(10_000);
        assert_eq!(
            check_name(&long, []),
            Err(InputError::NameTooLong { chars: 10_000 })
        );
        assert_eq!(
            check_name("API", ["api", "web"]),
            Err(InputError::DuplicateName("API".to_owned()))
        );
        assert_eq!(
            check_name("日本語の作業", []),
            Ok("日本語の作業".to_owned())
        );
    }

    #[test]
    fn unused_names_count_up() {
        assert_eq!(unused_name("api", ["web"]), "api");
        assert_eq!(unused_name("api", ["api", "api (2)"]), "api (3)");
    }

    #[test]
    fn colours_are_read_and_normalised() {
        assert_eq!(check_color("#5B9CF5"), Ok("#5b9cf5".to_owned()));
        assert_eq!(check_color("#f0a"), Ok("#ff00aa".to_owned()));
        for bad in ["red", "#12345", "5b9cf5", "#gggggg", "#ééé", ""] {
            assert!(check_color(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_color("nope").expect_err("not a colour").to_string(),
            "\"nope\" is not a colour: write it as #RRGGBB, for example #5b9cf5"
        );
    }

    #[test]
    fn new_workspaces_get_unused_colours() {
        assert_eq!(next_color([]), PALETTE[0]);
        assert_eq!(next_color([PALETTE[0], "#000000"]), PALETTE[1]);
        assert_eq!(next_color(PALETTE), PALETTE[0]);
    }
}
