//! Shapes the three formats share: a `content` that is either a string or a list of blocks,
//! and text cut to a bounded length.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::MAX_MESSAGE_TEXT;

/// A message content: a plain string, or a list of typed blocks (a single block object and
/// `null` are read as a list of one and of none). Strings are borrowed from the line when
/// they hold no escapes.
#[derive(Debug)]
pub(crate) enum Content<'a, B> {
    Text(Cow<'a, str>),
    Blocks(Vec<B>),
}

impl<B> Default for Content<'_, B> {
    fn default() -> Self {
        Content::Blocks(Vec::new())
    }
}

impl<'de: 'a, 'a, B: Deserialize<'de>> Deserialize<'de> for Content<'a, B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor(PhantomData))
    }
}

struct ContentVisitor<'a, B>(PhantomData<(&'a (), B)>);

impl<'de: 'a, 'a, B: Deserialize<'de>> Visitor<'de> for ContentVisitor<'a, B> {
    type Value = Content<'a, B>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string or a list of content blocks")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(text)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Content::Blocks(Vec::new()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Self::Value, A::Error> {
        let mut blocks = Vec::with_capacity(sequence.size_hint().unwrap_or(1).min(64));
        while let Some(block) = sequence.next_element()? {
            blocks.push(block);
        }
        Ok(Content::Blocks(blocks))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let block = B::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Content::Blocks(vec![block]))
    }
}

/// A block that is only `{"text": ...}` (Gemini parts, Codex content items, tool output).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct TextPart<'a> {
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
}

impl<'a> Content<'a, TextPart<'a>> {
    /// Every text of the content, joined by newlines.
    pub(crate) fn joined_text(&self) -> String {
        match self {
            Content::Text(text) => bounded(text),
            Content::Blocks(parts) => {
                join_bounded(parts.iter().filter_map(|part| part.text.as_deref()))
            }
        }
    }
}

/// Joins texts with newlines, stopping at [`MAX_MESSAGE_TEXT`].
pub(crate) fn join_bounded<'t>(texts: impl Iterator<Item = &'t str>) -> String {
    let mut joined = String::new();
    for text in texts {
        if !joined.is_empty() {
            joined.push('\n');
        }
        joined.push_str(text);
        if joined.len() > MAX_MESSAGE_TEXT {
            break;
        }
    }
    bounded(&joined)
}

/// `text` cut to at most [`MAX_MESSAGE_TEXT`] bytes on a character boundary, an ellipsis
/// marking the cut.
pub(crate) fn bounded(text: &str) -> String {
    if text.len() <= MAX_MESSAGE_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_MESSAGE_TEXT - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = String::with_capacity(end + 3);
    cut.push_str(&text[..end]);
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Holder<'a> {
        #[serde(borrow)]
        content: Content<'a, TextPart<'a>>,
    }

    fn text_of(json: &str) -> String {
        let holder: Holder<'_> = serde_json::from_str(json).expect("parse");
        holder.content.joined_text()
    }

    #[test]
    fn strings_lists_single_blocks_and_null_all_read() {
        assert_eq!(text_of(r#"{"content":"plain"}"#), "plain");
        assert_eq!(
            text_of(r#"{"content":[{"text":"a"},{"x":1},{"text":"b"}]}"#),
            "a\nb"
        );
        assert_eq!(text_of(r#"{"content":{"text":"one"}}"#), "one");
        assert_eq!(text_of(r#"{"content":null}"#), "");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_MESSAGE_TEXT);
        let cut = bounded(&long);
        assert!(cut.len() <= MAX_MESSAGE_TEXT);
        assert!(cut.ends_with('…'));
    }
}
