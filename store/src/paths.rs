//! Where Spaces keeps its files, and making that place private to the user.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// The file name of the database inside the data directory.
pub const DATABASE_FILE_NAME: &str = "spaces.db";

/// Permission bits of the data directory: only the owner may list or enter it.
const PRIVATE_DIR_MODE: u32 = 0o700;

/// The data directory: `explicit` (from `--data-dir`) if given, else `$SPACES_HOME`, else
/// `$XDG_DATA_HOME/spaces`, else `~/.local/share/spaces`. Empty variables count as unset, as
/// the XDG specification asks.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    resolve_data_dir(explicit, |name| std::env::var_os(name))
}

/// The database file inside `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE_NAME)
}

/// Makes sure the data directory is there and safe to keep private data in. A missing one is
/// created (with missing parents) with mode 0700. An existing one is never changed (it may
/// be shared with other things, like `/tmp`): it is accepted unless other users can write to
/// it, which is refused with [`StoreError::UnsafeDirectory`] (they could replace the database
/// or plant a socket).
pub fn ensure_private_dir(path: &Path) -> Result<()> {
    match fs::metadata(path) {
        Ok(metadata) if !metadata.is_dir() => Err(StoreError::io(
            "not a directory:",
            path,
            std::io::Error::from(std::io::ErrorKind::NotADirectory),
        )),
        Ok(metadata) => {
            let mode = metadata.permissions().mode() & 0o7777;
            if mode & 0o022 != 0 {
                return Err(StoreError::UnsafeDirectory {
                    path: path.to_path_buf(),
                    mode,
                });
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(PRIVATE_DIR_MODE)
            .create(path)
            .map_err(|source| StoreError::io("could not create directory", path, source)),
        Err(source) => Err(StoreError::io("could not inspect", path, source)),
    }
}

/// [`data_dir`] with the environment passed in, so tests need not touch the process environment.
fn resolve_data_dir(
    explicit: Option<&Path>,
    variable: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> PathBuf {
    if let Some(explicit) = explicit {
        return explicit.to_path_buf();
    }
    let non_empty = |name: &str| variable(name).filter(|value| !value.is_empty());
    if let Some(home) = non_empty("SPACES_HOME") {
        return PathBuf::from(home);
    }
    if let Some(xdg) = non_empty("XDG_DATA_HOME") {
        return PathBuf::from(xdg).join("spaces");
    }
    let home = non_empty("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local").join("share").join("spaces")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::ffi::OsString;

    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), OsString::from(value)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn explicit_directory_wins() {
        let env = environment(&[
            ("SPACES_HOME", "/s"),
            ("XDG_DATA_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        let dir = resolve_data_dir(Some(Path::new("/explicit")), env);
        assert_eq!(dir, PathBuf::from("/explicit"));
    }

    #[test]
    fn spaces_home_then_xdg_then_home() {
        let all = environment(&[
            ("SPACES_HOME", "/s"),
            ("XDG_DATA_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(resolve_data_dir(None, all), PathBuf::from("/s"));
        let xdg = environment(&[("SPACES_HOME", ""), ("XDG_DATA_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(resolve_data_dir(None, xdg), PathBuf::from("/x/spaces"));
        let home = environment(&[("HOME", "/h")]);
        assert_eq!(
            resolve_data_dir(None, home),
            PathBuf::from("/h/.local/share/spaces")
        );
    }

    #[test]
    fn database_lives_in_the_data_dir() {
        assert_eq!(
            database_path(Path::new("/d")),
            PathBuf::from("/d/spaces.db")
        );
    }

    #[test]
    fn private_dir_is_created_with_mode_0700() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let dir = temporary.path().join("a").join("b");
        ensure_private_dir(&dir).expect("create");
        let mode = fs::metadata(&dir).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn an_existing_dir_keeps_its_mode() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let dir = temporary.path().join("shared");
        fs::create_dir(&dir).expect("mkdir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        ensure_private_dir(&dir).expect("readable by others is accepted");
        let mode = fs::metadata(&dir).expect("metadata").permissions().mode() & 0o7777;
        assert_eq!(
            mode, 0o755,
            "a directory Spaces did not create is left as it was"
        );
    }

    #[test]
    fn a_dir_others_can_write_is_refused_and_left_alone() {
        let temporary = tempfile::tempdir().expect("tempdir");
        for mode in [0o1777, 0o777, 0o770] {
            let dir = temporary.path().join(format!("open-{mode:o}"));
            fs::create_dir(&dir).expect("mkdir");
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).expect("chmod");
            let error = ensure_private_dir(&dir).expect_err("refused");
            assert!(
                matches!(error, StoreError::UnsafeDirectory { mode: found, .. } if found == mode),
                "{error}"
            );
            assert!(
                error.to_string().contains("writable by other users"),
                "{error}"
            );
            let after = fs::metadata(&dir).expect("metadata").permissions().mode() & 0o7777;
            assert_eq!(after, mode, "the sticky bit and mode are untouched");
        }
    }

    #[test]
    fn a_file_in_the_way_is_an_error() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let file = temporary.path().join("file");
        fs::write(&file, b"x").expect("write");
        assert!(ensure_private_dir(&file.join("sub")).is_err());
    }
}
