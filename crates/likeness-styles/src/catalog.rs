//! The catalog: compiled-in styles plus user style directories.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::StyleError;
use crate::style::{Origin, Style};

/// The compiled-in style files, by name (the file stem).
const BUILTIN_SOURCES: &[(&str, &str)] = &[
    ("watercolor", include_str!("../styles/watercolor.toml")),
    ("flat-poster", include_str!("../styles/flat-poster.toml")),
    ("cartoon", include_str!("../styles/cartoon.toml")),
    ("consultant", include_str!("../styles/consultant.toml")),
    ("speaker", include_str!("../styles/speaker.toml")),
    ("candid_walk", include_str!("../styles/candid_walk.toml")),
    ("desk_shot", include_str!("../styles/desk_shot.toml")),
    ("examination", include_str!("../styles/examination.toml")),
    ("team_meeting", include_str!("../styles/team_meeting.toml")),
    (
        "lab_coat_portrait",
        include_str!("../styles/lab_coat_portrait.toml"),
    ),
    (
        "outdoor_professional",
        include_str!("../styles/outdoor_professional.toml"),
    ),
    ("research", include_str!("../styles/research.toml")),
    ("telehealth", include_str!("../styles/telehealth.toml")),
    ("surgery_prep", include_str!("../styles/surgery_prep.toml")),
    (
        "compassionate_care",
        include_str!("../styles/compassionate_care.toml"),
    ),
    ("initials", include_str!("../styles/initials.toml")),
    ("geometric", include_str!("../styles/geometric.toml")),
    // DiceBear's CC0 styles (kind = "dicebear"), one file per style.
    (
        "dicebear-blobs",
        include_str!("../styles/dicebear-blobs.toml"),
    ),
    (
        "dicebear-cameo",
        include_str!("../styles/dicebear-cameo.toml"),
    ),
    (
        "dicebear-cats",
        include_str!("../styles/dicebear-cats.toml"),
    ),
    (
        "dicebear-clay",
        include_str!("../styles/dicebear-clay.toml"),
    ),
    (
        "dicebear-constellation",
        include_str!("../styles/dicebear-constellation.toml"),
    ),
    (
        "dicebear-critters",
        include_str!("../styles/dicebear-critters.toml"),
    ),
    (
        "dicebear-cutouts",
        include_str!("../styles/dicebear-cutouts.toml"),
    ),
    (
        "dicebear-disco",
        include_str!("../styles/dicebear-disco.toml"),
    ),
    (
        "dicebear-dogs",
        include_str!("../styles/dicebear-dogs.toml"),
    ),
    (
        "dicebear-gaze",
        include_str!("../styles/dicebear-gaze.toml"),
    ),
    (
        "dicebear-glass",
        include_str!("../styles/dicebear-glass.toml"),
    ),
    (
        "dicebear-identicon",
        include_str!("../styles/dicebear-identicon.toml"),
    ),
    (
        "dicebear-initial-face",
        include_str!("../styles/dicebear-initial-face.toml"),
    ),
    (
        "dicebear-initials",
        include_str!("../styles/dicebear-initials.toml"),
    ),
    (
        "dicebear-landscape",
        include_str!("../styles/dicebear-landscape.toml"),
    ),
    (
        "dicebear-line-face",
        include_str!("../styles/dicebear-line-face.toml"),
    ),
    (
        "dicebear-loops",
        include_str!("../styles/dicebear-loops.toml"),
    ),
    (
        "dicebear-lorelei-neutral",
        include_str!("../styles/dicebear-lorelei-neutral.toml"),
    ),
    (
        "dicebear-lorelei",
        include_str!("../styles/dicebear-lorelei.toml"),
    ),
    (
        "dicebear-marbles",
        include_str!("../styles/dicebear-marbles.toml"),
    ),
    (
        "dicebear-moods",
        include_str!("../styles/dicebear-moods.toml"),
    ),
    (
        "dicebear-notionists-neutral",
        include_str!("../styles/dicebear-notionists-neutral.toml"),
    ),
    (
        "dicebear-notionists",
        include_str!("../styles/dicebear-notionists.toml"),
    ),
    (
        "dicebear-open-peeps",
        include_str!("../styles/dicebear-open-peeps.toml"),
    ),
    (
        "dicebear-patchwork",
        include_str!("../styles/dicebear-patchwork.toml"),
    ),
    (
        "dicebear-pixel-art-neutral",
        include_str!("../styles/dicebear-pixel-art-neutral.toml"),
    ),
    (
        "dicebear-pixel-art",
        include_str!("../styles/dicebear-pixel-art.toml"),
    ),
    (
        "dicebear-pixelbot",
        include_str!("../styles/dicebear-pixelbot.toml"),
    ),
    (
        "dicebear-planets",
        include_str!("../styles/dicebear-planets.toml"),
    ),
    (
        "dicebear-rings",
        include_str!("../styles/dicebear-rings.toml"),
    ),
    (
        "dicebear-shadows",
        include_str!("../styles/dicebear-shadows.toml"),
    ),
    (
        "dicebear-shape-grid",
        include_str!("../styles/dicebear-shape-grid.toml"),
    ),
    (
        "dicebear-shapes",
        include_str!("../styles/dicebear-shapes.toml"),
    ),
    (
        "dicebear-slice",
        include_str!("../styles/dicebear-slice.toml"),
    ),
    (
        "dicebear-sprouts",
        include_str!("../styles/dicebear-sprouts.toml"),
    ),
    (
        "dicebear-squircles",
        include_str!("../styles/dicebear-squircles.toml"),
    ),
    (
        "dicebear-stack",
        include_str!("../styles/dicebear-stack.toml"),
    ),
    (
        "dicebear-stripes",
        include_str!("../styles/dicebear-stripes.toml"),
    ),
    (
        "dicebear-thumbs",
        include_str!("../styles/dicebear-thumbs.toml"),
    ),
    (
        "dicebear-triangles",
        include_str!("../styles/dicebear-triangles.toml"),
    ),
    (
        "dicebear-voxel-art",
        include_str!("../styles/dicebear-voxel-art.toml"),
    ),
    (
        "dicebear-voxel-bot",
        include_str!("../styles/dicebear-voxel-bot.toml"),
    ),
    (
        "dicebear-waves",
        include_str!("../styles/dicebear-waves.toml"),
    ),
    (
        "dicebear-weave",
        include_str!("../styles/dicebear-weave.toml"),
    ),
];

/// The set of styles the service can use, keyed by name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    styles: BTreeMap<String, Style>,
}

impl Catalog {
    /// The compiled-in styles. Never panics: a built-in that failed to parse would be left
    /// out, and a unit test proves that every built-in parses.
    pub fn builtin() -> Catalog {
        let styles = parse_builtins()
            .into_iter()
            .filter_map(Result::ok)
            .map(|s| (s.name.clone(), s))
            .collect();
        Catalog { styles }
    }

    /// The built-ins, then every `*.toml` file of each directory in order (files sorted by
    /// name; names starting with `.` skipped; a missing directory is skipped). A file whose
    /// style has the name of an earlier one (built-in or from an earlier directory) replaces
    /// it. The first bad file stops the load with its error.
    pub fn load(dirs: &[PathBuf]) -> Result<Catalog, StyleError> {
        let mut catalog = Catalog::builtin();
        for dir in dirs {
            for path in style_files(dir)? {
                let source = read_style_file(&path).map_err(|source| StyleError::Io {
                    path: path.clone(),
                    source,
                })?;
                catalog.insert(Style::from_toml_str(&source, Origin::File(path))?);
            }
        }
        Ok(catalog)
    }

    /// The style called `name`, or [`StyleError::Unknown`] listing the available names.
    pub fn get(&self, name: &str) -> Result<&Style, StyleError> {
        self.styles.get(name).ok_or_else(|| StyleError::Unknown {
            name: name.to_string(),
            available: self.styles.keys().cloned().collect(),
        })
    }

    /// All styles, sorted by name.
    pub fn list(&self) -> impl Iterator<Item = &Style> {
        self.styles.values()
    }

    /// All style names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.styles.keys().map(String::as_str)
    }

    /// Adds a style, returning the one it replaces.
    pub fn insert(&mut self, style: Style) -> Option<Style> {
        self.styles.insert(style.name.clone(), style)
    }

    pub fn len(&self) -> usize {
        self.styles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.styles.is_empty()
    }
}

fn parse_builtins() -> Vec<Result<Style, StyleError>> {
    BUILTIN_SOURCES
        .iter()
        .map(|(name, source)| Style::from_builtin(source, name))
        .collect()
}

/// A style file is a few kilobytes; a larger one is a mistake, not something to read whole.
const MAX_STYLE_FILE_BYTES: u64 = 1 << 20;

/// The text of a style file, read up to [`MAX_STYLE_FILE_BYTES`] (only regular files reach
/// here: `style_files` skips FIFOs and devices).
fn read_style_file(path: &Path) -> io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    fs::File::open(path)?
        .take(MAX_STYLE_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_STYLE_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than {MAX_STYLE_FILE_BYTES} bytes: not a style file"),
        ));
    }
    Ok(text)
}

fn style_files(dir: &Path) -> Result<Vec<PathBuf>, StyleError> {
    let io_err = |source: io::Error| StyleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(io_err)?.path();
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if is_toml && !hidden && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_style_files_are_refused_and_fifos_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        fs::write(&big, vec![b'#'; (MAX_STYLE_FILE_BYTES + 1) as usize]).unwrap();
        let e = Catalog::load(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.to_string().contains("not a style file"), "{e}");
        fs::remove_file(&big).unwrap();
        let fifo = dir.path().join("pipe.toml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // Skipped without being opened (opening a FIFO would wait for a writer).
        assert_eq!(style_files(dir.path()).unwrap(), Vec::<PathBuf>::new());
    }

    #[test]
    fn every_builtin_parses() {
        for (result, (name, _)) in parse_builtins().into_iter().zip(BUILTIN_SOURCES) {
            if let Err(e) = result {
                panic!("built-in `{name}` does not parse: {e}");
            }
        }
        assert_eq!(Catalog::builtin().len(), BUILTIN_SOURCES.len());
    }

    #[test]
    fn builtin_names_are_unique() {
        let mut names: Vec<&str> = BUILTIN_SOURCES.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BUILTIN_SOURCES.len());
    }
}
