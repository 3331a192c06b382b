//! The style file schema, parsing and validation.

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::error::{StyleError, closest};
use crate::format::OutputFormat;
use crate::gates::Gates;
use crate::prompt::{self, Which};
use crate::style::{
    AspectRatio, KNOWN_PROVIDERS, MAX_EDGE_PX, Origin, ProviderRef, Style, StyleKind,
};

/// The file schema. `Spanned` keeps positions so validation errors can name line and column.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    name: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    license: Option<Spanned<String>>,
    #[serde(default)]
    attribution: Option<Spanned<String>>,
    kind: StyleKind,
    aspect_ratio: Spanned<String>,
    #[serde(default)]
    default_size: Option<Spanned<String>>,
    #[serde(default)]
    sizes: Option<Spanned<BTreeMap<String, Spanned<i64>>>>,
    #[serde(default)]
    providers: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    send_identifiers: bool,
    #[serde(default)]
    send_references: bool,
    prompt: Spanned<String>,
    #[serde(default)]
    negative_prompt: Option<Spanned<String>>,
    #[serde(default)]
    renderer: Option<toml::Table>,
    #[serde(default)]
    gates: Option<Spanned<Gates>>,
    #[serde(default)]
    format: Option<Spanned<String>>,
    #[serde(default)]
    quality: Option<Spanned<i64>>,
}

/// 1-based line and column (in chars) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The file line on which line 1 of a template string starts, when template lines map onto
/// file lines (multi-line `"""`/`'''` strings and single-line strings).
fn template_first_line(src: &str, value: &Spanned<String>) -> Option<usize> {
    let span = value.span();
    let raw = src.get(span.clone())?;
    let (line, _) = line_col(src, span.start);
    if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        let after = &raw[3..];
        let skip = after.starts_with('\n') || after.starts_with("\r\n");
        Some(line + usize::from(skip))
    } else if value.get_ref().contains('\n') {
        None
    } else {
        Some(line)
    }
}

pub(crate) fn parse_style(
    src: &str,
    origin: Origin,
    label: &str,
    stem: Option<&str>,
) -> Result<Style, StyleError> {
    let raw: RawStyle = toml::from_str(src).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(src, s.start)).unzip();
        StyleError::Parse {
            file: label.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    let invalid = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(src, span.start);
        StyleError::Invalid {
            file: label.to_string(),
            line: Some(line),
            column: Some(column),
            message,
        }
    };

    let name = raw.name.get_ref().clone();
    if !valid_name(&name) {
        return Err(invalid(
            raw.name.span(),
            format!(
                "name `{name}` must match [a-z0-9][a-z0-9_-]{{0,63}} (lowercase letters, digits, `_`, `-`)"
            ),
        ));
    }
    if let Some(stem) = stem
        && stem != name
    {
        return Err(invalid(
            raw.name.span(),
            format!("name `{name}` must match the file name (`{stem}.toml`); rename one of them"),
        ));
    }
    let version = u32::try_from(*raw.version.get_ref())
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| {
            invalid(
                raw.version.span(),
                format!(
                    "version must be an integer >= 1, got {}",
                    raw.version.get_ref()
                ),
            )
        })?;
    if raw.title.get_ref().trim().is_empty() {
        return Err(invalid(raw.title.span(), "title must not be empty".into()));
    }
    let aspect_ratio: AspectRatio = raw
        .aspect_ratio
        .get_ref()
        .parse()
        .map_err(|m| invalid(raw.aspect_ratio.span(), m))?;

    let sizes = match &raw.sizes {
        None => default_sizes(),
        Some(table) => {
            if table.get_ref().is_empty() {
                return Err(invalid(table.span(), "sizes must not be empty".into()));
            }
            let mut sizes = BTreeMap::new();
            for (preset, px) in table.get_ref() {
                if preset.is_empty() || preset.chars().any(char::is_whitespace) {
                    return Err(invalid(
                        px.span(),
                        format!("size preset name `{preset}` must be non-empty without spaces"),
                    ));
                }
                let value = u32::try_from(*px.get_ref())
                    .ok()
                    .filter(|v| (1..=MAX_EDGE_PX).contains(v))
                    .ok_or_else(|| {
                        invalid(
                            px.span(),
                            format!(
                                "size preset `{preset}` must be a long edge in 1..={MAX_EDGE_PX} px, got {}",
                                px.get_ref()
                            ),
                        )
                    })?;
                sizes.insert(preset.clone(), value);
            }
            sizes
        }
    };
    let default_size = match &raw.default_size {
        Some(d) => {
            if !sizes.contains_key(d.get_ref()) {
                let names: Vec<&str> = sizes.keys().map(String::as_str).collect();
                return Err(invalid(
                    d.span(),
                    format!(
                        "default_size `{}` is not one of the size presets ({})",
                        d.get_ref(),
                        names.join(", ")
                    ),
                ));
            }
            d.get_ref().clone()
        }
        None if sizes.contains_key("512") => "512".to_string(),
        None => {
            return Err(invalid(
                raw.name.span(),
                "default_size is required when the size presets have no \"512\"".into(),
            ));
        }
    };

    let providers = match &raw.providers {
        None => vec![ProviderRef {
            provider: "builtin".into(),
            model: None,
        }],
        Some(list) => {
            if list.get_ref().is_empty() {
                return Err(invalid(
                    list.span(),
                    "providers must list at least one provider".into(),
                ));
            }
            let mut out: Vec<ProviderRef> = Vec::new();
            for item in list.get_ref() {
                let p: ProviderRef = item
                    .get_ref()
                    .parse()
                    .map_err(|m| invalid(item.span(), m))?;
                if !KNOWN_PROVIDERS.contains(&p.provider.as_str()) {
                    let hint = closest(&p.provider, KNOWN_PROVIDERS.iter().copied())
                        .map(|c| format!("; did you mean `{c}`?"))
                        .unwrap_or_default();
                    return Err(invalid(
                        item.span(),
                        format!(
                            "unknown provider `{}` (known: {}){hint}",
                            p.provider,
                            KNOWN_PROVIDERS.join(", ")
                        ),
                    ));
                }
                if out.contains(&p) {
                    return Err(invalid(
                        item.span(),
                        format!("provider `{p}` is listed twice"),
                    ));
                }
                out.push(p);
            }
            out
        }
    };

    let license = match &raw.license {
        None => None,
        Some(l) => {
            let value = l.get_ref().trim();
            if !valid_license(value) {
                return Err(invalid(
                    l.span(),
                    format!(
                        "license `{value}` must be an SPDX licence identifier or expression, \
                         e.g. \"CC0-1.0\", \"CC-BY-4.0\" or \"LicenseRef-Proprietary\""
                    ),
                ));
            }
            Some(value.to_string())
        }
    };
    let attribution = match &raw.attribution {
        None => None,
        Some(a) if a.get_ref().trim().is_empty() || a.get_ref().contains('\n') => {
            return Err(invalid(
                a.span(),
                "attribution must be one non-empty line (leave it out if there is none)".into(),
            ));
        }
        Some(a) => Some(a.get_ref().trim().to_string()),
    };

    if raw.prompt.get_ref().trim().is_empty() {
        return Err(invalid(
            raw.prompt.span(),
            "prompt must not be empty".into(),
        ));
    }

    let gates = match &raw.gates {
        None => Gates::default(),
        Some(g) => match g.get_ref().problem() {
            Some(message) => return Err(invalid(g.span(), message)),
            None => g.get_ref().clone(),
        },
    };

    let format = output_format(&raw).map_err(|(span, m)| invalid(span, m))?;

    let style = Style {
        name,
        version,
        title: raw.title.get_ref().trim().to_string(),
        description: raw.description.trim().to_string(),
        license,
        attribution,
        kind: raw.kind,
        aspect_ratio,
        sizes,
        default_size,
        providers,
        send_identifiers: raw.send_identifiers,
        send_references: raw.send_references,
        prompt: raw.prompt.get_ref().clone(),
        negative_prompt: raw.negative_prompt.as_ref().map(|n| n.get_ref().clone()),
        renderer: raw.renderer,
        gates,
        format,
        origin,
        fingerprint: sha256_hex(src.as_bytes()),
    };

    // Templates: compile, then render against probe subjects. Errors get the file line.
    let first_lines = [
        (Which::Prompt, template_first_line(src, &raw.prompt)),
        (
            Which::NegativePrompt,
            raw.negative_prompt
                .as_ref()
                .and_then(|n| template_first_line(src, n)),
        ),
    ];
    let with_file_line = |e: StyleError| match e {
        StyleError::Template {
            style,
            template,
            template_line,
            message,
            ..
        } => {
            let first = first_lines
                .iter()
                .find(|(w, _)| w.as_str() == template)
                .and_then(|(_, l)| *l);
            StyleError::Template {
                style,
                file: label.to_string(),
                template,
                file_line: first.zip(template_line).map(|(f, t)| f + t - 1),
                template_line,
                message,
            }
        }
        other => other,
    };
    prompt::validate_templates(&style).map_err(with_file_line)?;
    if style.uses_cloud() {
        style.check_cloud_safe().map_err(with_file_line)?;
    }
    Ok(style)
}

/// `format` and `quality`, with the span an error should point at.
fn output_format(raw: &RawStyle) -> Result<OutputFormat, (std::ops::Range<usize>, String)> {
    let quality = raw.quality.as_ref();
    let name = raw.format.as_ref().map_or("png", |f| f.get_ref().as_str());
    OutputFormat::parse(name, quality.map(|q| *q.get_ref())).map_err(|m| {
        let span = match (&raw.format, quality) {
            (Some(f), _) if !m.starts_with("quality") => f.span(),
            (_, Some(q)) => q.span(),
            (Some(f), None) => f.span(),
            (None, None) => raw.name.span(),
        };
        (span, m)
    })
}

fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// An SPDX licence identifier or expression, checked for shape only: identifiers of letters,
/// digits, `-`, `.` and a trailing `+`, joined by `AND`, `OR`, `WITH` and parentheses.
fn valid_license(value: &str) -> bool {
    let ident = |w: &str| {
        let w = w.strip_suffix('+').unwrap_or(w);
        w.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if value.len() > 200 || !value.is_ascii() {
        return false;
    }
    let spaced = value.replace('(', " ( ").replace(')', " ) ");
    // Operands and operators must alternate, parentheses balance.
    let (mut want_operand, mut depth) = (true, 0usize);
    for w in spaced.split_ascii_whitespace() {
        match w {
            "(" if want_operand => depth += 1,
            ")" if !want_operand && depth > 0 => depth -= 1,
            "AND" | "OR" | "WITH" if !want_operand => want_operand = true,
            w if want_operand && ident(w) => want_operand = false,
            _ => return false,
        }
    }
    !want_operand && depth == 0
}

fn default_sizes() -> BTreeMap<String, u32> {
    [("512", 512), ("1K", 1024), ("2K", 2048)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("watercolor"));
        assert!(valid_name("flat-poster"));
        assert!(valid_name("candid_walk"));
        assert!(valid_name("0"));
        assert!(!valid_name(""));
        assert!(!valid_name("-x"));
        assert!(!valid_name("Watercolor"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(&"a".repeat(65)));
        assert!(valid_name(&"a".repeat(64)));
    }

    #[test]
    fn licenses() {
        for ok in [
            "CC0-1.0",
            "CC-BY-4.0",
            "MIT",
            "GPL-2.0+",
            "MIT OR Apache-2.0",
            "(MIT AND CC-BY-4.0) OR LicenseRef-Proprietary",
            "Apache-2.0 WITH LLVM-exception",
        ] {
            assert!(valid_license(ok), "{ok}");
        }
        for bad in [
            "",
            " ",
            "CC0 1.0",
            "free for personal use",
            "-MIT",
            "MIT/X11",
            "MIT OR",
            "(MIT",
            "MIT)",
            "AND MIT",
        ] {
            assert!(!valid_license(bad), "{bad}");
        }
    }

    #[test]
    fn line_col_counts_chars() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, src.find('=').unwrap()), (1, 3));
        assert_eq!(line_col(src, src.rfind('=').unwrap()), (2, 4));
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
