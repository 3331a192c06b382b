//! The style catalog of `likeness`: versioned TOML recipes and their prompt templates.
//!
//! A *style* is a named, versioned recipe: a [minijinja] prompt template (and optional
//! negative prompt), an aspect ratio with size presets, the provider chain to use, whether it
//! may send identifiers to cloud providers, and the built-in renderer's recipe for the same
//! look. The built-ins are compiled in ([`Catalog::builtin`]); [`Catalog::load`] adds user
//! directories whose `*.toml` files add styles or replace built-ins, without code.
//!
//! # The style file
//!
//! One style per file, named after the style (`watercolor.toml` holds `name = "watercolor"`).
//! Unknown keys are errors, so a typo names the key and its line and column.
//!
//! ```toml
//! name = "watercolor"            # [a-z0-9][a-z0-9_-]{0,63}; equal to the file stem
//! version = 1                    # integer >= 1; bump it when the look changes
//! title = "Watercolor observer"  # required, non-empty
//! description = "…"              # optional
//! license = "CC0-1.0"            # optional; SPDX licence of the look (its artwork)
//! attribution = "…"              # optional; one line crediting the look's creator
//! kind = "portrait"              # "portrait" | "scenario" | "fallback"
//! aspect_ratio = "1:1"           # "W:H", both terms in 1..=32
//! default_size = "512"           # optional when the presets contain "512"
//! providers = ["builtin"]        # optional (default ["builtin"]); "provider" or "provider:model",
//!                                # provider one of builtin, comfyui, gemini, imagen, openai
//! send_identifiers = false       # optional; true lets cloud prompts use names and birth dates
//! send_references = false        # optional; true lets reference photos go to cloud providers
//! format = "png"                 # optional; how images are stored: "png" (default), "webp"
//!                                # (lossless), "webp-lossy" or "avif"
//! quality = 80                   # optional, lossy formats only: 1–100 (webp-lossy 80, avif 70)
//! prompt = """…minijinja…"""
//! negative_prompt = "…"          # optional
//!
//! [sizes]                        # optional; preset -> long edge in px (1..=8192)
//! "512" = 512                    # default: 512 = 512, 1K = 1024, 2K = 2048
//!
//! [renderer]                     # optional; opaque here, validated by the service
//! kind = "watercolor"
//!
//! [gates]                        # optional; what an image must reach to be kept
//! min_identity = 0.5             # identity score 0–1 against the reference photo (if any)
//! quality = true                 # not black, dynamic range, contrast, exposure, dimensions
//! attempts = 3                   # generations at most (1–5), each with its own seed
//! on_fail = "keep_best"          # or "fail": what happens when none passes
//! ```
//!
//! [`Style::fingerprint`] is the SHA-256 of the file's exact bytes, so an edit without a
//! version bump still shows in the audit trail.
//!
//! # Licences
//!
//! `license` (an SPDX identifier or expression, checked for shape) and `attribution` (one line)
//! say under which terms a style's *look* may be used and whom to credit; they are carried on
//! [`Style`] for the API and the CLI to show, and do not change how anything is drawn. Styles
//! of the project's own renderer leave them out (the images are the project's own); styles
//! that reproduce someone else's artwork must fill them in.
//!
//! The `dicebear-<style>` built-ins are DiceBear's own styles (drawn by `likeness-paint`'s
//! `kind = "dicebear"` with DiceBear's official Rust port), one file per style whose artwork
//! is CC0 1.0, each with `license = "CC0-1.0"` and its creator in `attribution`. DiceBear's
//! other styles are left out on purpose: adventurer, big-ears, big-smile, croodles, dylan,
//! fun-emoji, glyphs, micah, miniavs, personas and toon-head (with their `-neutral` variants)
//! are CC BY 4.0, which requires crediting the artist wherever an image is used, something a
//! stored and served avatar cannot guarantee; avataaars and bottts are under their own terms
//! ("free for personal and commercial use", without a licence text); icons is MIT (Bootstrap
//! Icons), whose notice must travel with copies. A deployment that can honour those terms can
//! still add such a style as a user file, with its `license` and `attribution`, once
//! `likeness-paint` compiles it in.
//!
//! # Loading and validation
//!
//! Every file is parsed, validated (name, version, aspect ratio, presets, providers) and its
//! templates compiled and test-rendered against a few probe subjects (full, minimal, child,
//! elderly), so misspelled variables and templates that break on missing demographics fail
//! at load with the file, the template line and, for multi-line strings, the file line. A
//! style whose chain contains a cloud provider must also pass [`Style::check_cloud_safe`]
//! unless it sets `send_identifiers = true`.
//!
//! # Template context
//!
//! | name | value |
//! | --- | --- |
//! | `subject` | the [`PromptSubject`]: `gender` (normalised to man/woman/person), `age`, `age_band` (given, else derived from `age`: infant, toddler, child, teen, young_adult, adult, middle_aged, older_adult, elderly), `hair`, `deceased`, `cohorts`, `attributes`, `likeness_description`; and, only when identifiers are allowed, `id`, `display_name`, `birth_date` |
//! | `person` | a natural noun phrase: "a woman in her thirties", "a 7-year-old child", "an elderly man", "a person" |
//! | `pronouns` | `subject`/`object`/`possessive`: he/him/his, she/her/her, they/them/their |
//! | `attributes` | shortcut for `subject.attributes`; a missing key is `none` (so `{% if attributes.team_name %}` works) |
//! | `audience` | `"local"` or `"cloud"` |
//! | `style` | `name`, `version`, `kind`, `aspect_ratio` of the style being rendered |
//!
//! Undefined names are errors (strict mode), but optional fields are `none`, which tests false
//! and prints as nothing. Extra filters: `article` ("owl" → "an owl"), `humanize`
//! ("young_adult" → "young adult"), `natural_join` (["red", "white", "blue"] → "red, white
//! and blue"), and `default`, which here also replaces `none`. The rendered text is tidied
//! into one paragraph: whitespace runs collapse to one space, spaces before punctuation go,
//! and doubled commas left by empty fragments fold.
//!
//! # Identifiers and cloud providers
//!
//! Patient data is health data. With [`Audience::Cloud`] and `send_identifiers = false`,
//! `subject.id`, `subject.display_name`, `subject.birth_date` and identifier-like attributes
//! (see [`IDENTIFIER_ATTRIBUTES`]) are withheld; any template that *looks them up* fails with
//! [`StyleError::IdentifierInCloudPrompt`], and ages above 89 read as [`CLOUD_AGE_CAP`]. With
//! [`Audience::Local`] everything is available. [`ProviderRef::audience`] says which applies.

mod catalog;
mod error;
mod format;
mod gates;
mod parse;
mod prompt;
mod style;
mod words;

pub use catalog::Catalog;
pub use error::StyleError;
pub use format::{DEFAULT_AVIF_QUALITY, DEFAULT_WEBP_QUALITY, FORMAT_NAMES, OutputFormat};
pub use gates::{Gates, MAX_GATE_ATTEMPTS, OnFail};
pub use prompt::{
    Audience, CLOUD_AGE_CAP, IDENTIFIER_ATTRIBUTES, IDENTIFIER_FIELDS, PromptSubject,
};
pub use style::{AspectRatio, KNOWN_PROVIDERS, MAX_EDGE_PX, Origin, ProviderRef, Style, StyleKind};
