//! Codex: the `notify` program in `config.toml`.

use std::path::Path;

use toml_edit::{DocumentMut, Item, TableLike, Value as Toml};

use super::*;

pub(super) fn parse_toml(path: &Path, bytes: &[u8]) -> Result<DocumentMut, HookConfigError> {
    let invalid = |message: String| HookConfigError::Invalid {
        path: path.to_path_buf(),
        format: "TOML",
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|error| invalid(error.to_string()))?;
    text.parse::<DocumentMut>()
        .map_err(|error| invalid(error.to_string().trim_end().to_owned()))
}

/// The top-level `notify` argv, if any; an error when it is not an array of strings.
pub(super) fn codex_notify(
    path: &Path,
    doc: &DocumentMut,
) -> Result<Option<Vec<String>>, HookConfigError> {
    let Some(item) = doc.get("notify") else {
        return Ok(None);
    };
    item.as_array()
        .and_then(|array| {
            array
                .iter()
                .map(|value| value.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .map(Some)
        .ok_or_else(|| HookConfigError::Shape {
            path: path.to_path_buf(),
            detail: "`notify` is not an array of strings".to_owned(),
        })
}

pub(super) fn is_ours_argv(argv: &[String]) -> bool {
    argv.get(1..5).is_some_and(|args| args == CODEX_ARGS)
}

/// Sets the top-level `notify` to `argv`, keeping the existing value's surrounding
/// whitespace and comment.
pub(super) fn set_notify(doc: &mut DocumentMut, argv: &[String]) {
    let mut array = Toml::Array(argv.iter().map(String::as_str).collect());
    match doc.get_mut("notify") {
        Some(Item::Value(old)) => {
            *array.decor_mut() = old.decor().clone();
            *old = array;
        }
        _ => {
            doc.insert("notify", Item::Value(array));
        }
    }
}

pub(super) fn install_codex(
    file: &SettingsFile<'_>,
    program: &str,
) -> Result<Outcome, HookConfigError> {
    let mut doc = match &file.original {
        Some(bytes) => parse_toml(file.path, bytes)?,
        None => DocumentMut::new(),
    };
    let ours = || {
        std::iter::once(program)
            .chain(CODEX_ARGS)
            .map(str::to_owned)
    };
    let (argv, had_ours): (Vec<String>, bool) = match codex_notify(file.path, &doc)? {
        None => (ours().collect(), false),
        Some(argv) if is_ours_argv(&argv) => {
            if argv.first().map(String::as_str) == Some(program) {
                return Ok(Outcome::AlreadyInstalled);
            }
            let rest = argv.into_iter().skip(1);
            (
                std::iter::once(program.to_owned()).chain(rest).collect(),
                true,
            )
        }
        Some(theirs) => {
            let chained = ours().chain(std::iter::once(THEN.to_owned())).chain(theirs);
            (chained.collect(), false)
        }
    };
    set_notify(&mut doc, &argv);
    file.save_install(doc.to_string().as_bytes(), had_ours)?;
    Ok(Outcome::Installed)
}

pub(super) fn uninstall_codex(file: &SettingsFile<'_>) -> Result<Outcome, HookConfigError> {
    let Some(bytes) = &file.original else {
        return Ok(Outcome::NotInstalled);
    };
    let mut doc = parse_toml(file.path, bytes)?;
    let Some(argv) = codex_notify(file.path, &doc)?.filter(|argv| is_ours_argv(argv)) else {
        return Ok(Outcome::NotInstalled);
    };
    match argv.get(5..) {
        Some([then, theirs @ ..]) if then == THEN => set_notify(&mut doc, theirs),
        _ => {
            doc.remove("notify");
        }
    }
    let backup = file.read_backup()?;
    let restores_backup = backup
        .as_deref()
        .and_then(|bytes| parse_toml(file.path, bytes).ok())
        .is_some_and(|backup| toml_items_equal(backup.as_item(), doc.as_item()));
    let empty = doc.as_table().is_empty();
    file.save_uninstall(
        doc.to_string().as_bytes(),
        backup.as_deref(),
        restores_backup,
        empty,
    )?;
    Ok(Outcome::Removed)
}

/// Whether two TOML items hold the same data, whatever their formatting.
pub(super) fn toml_items_equal(a: &Item, b: &Item) -> bool {
    match (a, b) {
        (Item::None, Item::None) => true,
        (Item::Value(Toml::InlineTable(a)), Item::Table(b))
        | (Item::Table(b), Item::Value(Toml::InlineTable(a))) => toml_tables_equal(a, b),
        (Item::Value(a), Item::Value(b)) => toml_values_equal(a, b),
        (Item::Table(a), Item::Table(b)) => toml_tables_equal(a, b),
        (Item::ArrayOfTables(a), Item::ArrayOfTables(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(a, b)| toml_tables_equal(a, b))
        }
        (Item::ArrayOfTables(tables), Item::Value(Toml::Array(array)))
        | (Item::Value(Toml::Array(array)), Item::ArrayOfTables(tables)) => {
            tables.len() == array.len()
                && tables.iter().zip(array.iter()).all(|(table, value)| {
                    value
                        .as_inline_table()
                        .is_some_and(|value| toml_tables_equal(table, value))
                })
        }
        _ => false,
    }
}

pub(super) fn toml_tables_equal(a: &dyn TableLike, b: &dyn TableLike) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(key, a)| b.get(key).is_some_and(|b| toml_items_equal(a, b)))
}

pub(super) fn toml_values_equal(a: &Toml, b: &Toml) -> bool {
    match (a, b) {
        (Toml::String(a), Toml::String(b)) => a.value() == b.value(),
        (Toml::Integer(a), Toml::Integer(b)) => a.value() == b.value(),
        (Toml::Float(a), Toml::Float(b)) => a.value().to_bits() == b.value().to_bits(),
        (Toml::Boolean(a), Toml::Boolean(b)) => a.value() == b.value(),
        (Toml::Datetime(a), Toml::Datetime(b)) => a.value() == b.value(),
        (Toml::Array(a), Toml::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(a, b)| toml_values_equal(a, b))
        }
        (Toml::InlineTable(a), Toml::InlineTable(b)) => toml_tables_equal(a, b),
        _ => false,
    }
}
