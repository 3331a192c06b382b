//! The one error type of the crate, with stable machine-readable codes.

use std::path::PathBuf;

/// Everything that can go wrong while loading styles or rendering their prompts.
///
/// [`StyleError::code`] gives a stable code for logs, APIs and tests; the `Display` text is
/// meant for people and names the file, line and column wherever they are known.
#[derive(thiserror::Error, Debug)]
pub enum StyleError {
    /// No style with this name; `available` lists every name in the catalog, sorted.
    #[error("{}", unknown_message(.name, .available))]
    Unknown {
        name: String,
        available: Vec<String>,
    },

    /// The file is not valid TOML or does not fit the style schema (unknown key, wrong type,
    /// missing required key). `file` is the path (or `built-in:styles/<name>.toml`).
    #[error("{file}{}: {message}", location(*.line, *.column))]
    Parse {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },

    /// The TOML is well formed but a value breaks a rule (name pattern, aspect ratio, size
    /// presets, provider chain, name not matching the file stem, …).
    #[error("{file}{}: invalid style: {message}", location(*.line, *.column))]
    Invalid {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },

    /// A prompt template does not compile, or fails to render (e.g. a misspelled variable).
    /// `template` is `prompt` or `negative_prompt`; `template_line` counts lines inside the
    /// template, `file_line` the matching line of the style file when it is known.
    #[error(
        "{file}{}: style `{style}`: {template} template error{}: {message}",
        location(*.file_line, None),
        template_location(*.template_line)
    )]
    Template {
        style: String,
        file: String,
        template: &'static str,
        template_line: Option<usize>,
        file_line: Option<usize>,
        message: String,
    },

    /// A prompt rendered for a cloud provider would use subject identifiers (name, id, birth
    /// date, or identifier-like attributes) although the style does not say
    /// `send_identifiers = true`.
    /// `fields` lists what was looked up (`subject.display_name`, `attributes.first_name`, …);
    /// `file` is where the style came from.
    #[error(
        "{file}: style `{style}` uses identifiers ({}) in a prompt for a cloud provider; remove \
         them from the template or set `send_identifiers = true` in the style if sending them is \
         intended",
        .fields.join(", ")
    )]
    IdentifierInCloudPrompt {
        style: String,
        file: String,
        fields: Vec<String>,
    },

    /// An unknown size preset was asked for; `available` lists the style's presets, smallest
    /// first.
    #[error(
        "style `{style}` has no size preset `{preset}`; available presets: {}",
        .available.join(", ")
    )]
    BadSize {
        style: String,
        preset: String,
        available: Vec<String>,
    },

    /// A style directory or file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StyleError {
    /// A stable code for the error kind: `style.unknown`, `style.parse`, `style.invalid`,
    /// `style.template`, `style.identifier_in_cloud_prompt`, `style.bad_size` or `style.io`.
    pub fn code(&self) -> &'static str {
        match self {
            StyleError::Unknown { .. } => "style.unknown",
            StyleError::Parse { .. } => "style.parse",
            StyleError::Invalid { .. } => "style.invalid",
            StyleError::Template { .. } => "style.template",
            StyleError::IdentifierInCloudPrompt { .. } => "style.identifier_in_cloud_prompt",
            StyleError::BadSize { .. } => "style.bad_size",
            StyleError::Io { .. } => "style.io",
        }
    }
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

fn template_location(line: Option<usize>) -> String {
    line.map(|l| format!(" at template line {l}"))
        .unwrap_or_default()
}

fn unknown_message(name: &str, available: &[String]) -> String {
    let mut msg = format!("unknown style `{name}`");
    if let Some(best) = closest(name, available.iter().map(String::as_str)) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    if available.is_empty() {
        msg.push_str(" (the catalog is empty)");
    } else {
        msg.push_str(&format!(" Available styles: {}", available.join(", ")));
    }
    msg
}

/// The candidate closest to `name` by edit distance (case-insensitive), if it is close enough
/// to be a plausible typo: at most a third of the longer name's length, and at least 2 edits
/// are always tolerated.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(lower.chars().count().max(c.chars().count()) / 3))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("watercolour", "watercolor"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
    }

    #[test]
    fn closest_picks_plausible_typos_only() {
        let names = ["watercolor", "flat-poster", "cartoon", "initials"];
        assert_eq!(
            closest("watercolour", names.into_iter()),
            Some("watercolor")
        );
        assert_eq!(
            closest("flat_poster", names.into_iter()),
            Some("flat-poster")
        );
        assert_eq!(closest("Cartoon", names.into_iter()), Some("cartoon"));
        assert_eq!(closest("zzzzzzzzzz", names.into_iter()), None);
    }

    #[test]
    fn codes_are_stable() {
        let e = StyleError::Unknown {
            name: "x".into(),
            available: vec![],
        };
        assert_eq!(e.code(), "style.unknown");
        assert!(e.to_string().contains("catalog is empty"));
    }
}
