//! Prompt rendering: the subject as the template sees it, the identifier guard for cloud
//! providers, probe rendering for load-time checks. Phrasing helpers live in `words`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{AutoEscape, Environment, Error, UndefinedBehavior, Value, context};
use serde::{Deserialize, Serialize};

use crate::error::StyleError;
use crate::style::Style;
use crate::words::{
    Gender, band_for_age, filter_article, filter_default, filter_humanize, filter_natural_join,
    person_phrase, tidy,
};

/// Who will read the prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// A provider on the operator's own machines (`builtin`, `comfyui`): everything available.
    Local,
    /// A cloud API: no names, ids or birth dates unless the style says `send_identifiers`.
    Cloud,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Local => "local",
            Audience::Cloud => "cloud",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The subject as prompt templates see it. Every demographic is optional in practice:
/// an empty or unknown `gender` reads as "person", a missing age is left out.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PromptSubject {
    pub id: String,
    pub display_name: String,
    /// "man" | "woman" | "person" (also accepted: male/female/m/f, anything else = person).
    pub gender: String,
    pub age: Option<u32>,
    /// snake_case band such as "child", "young_adult", "middle_aged", "elderly".
    pub age_band: Option<String>,
    /// A hair description, e.g. "short grey hair".
    pub hair: Option<String>,
    pub deceased: bool,
    pub birth_date: Option<String>,
    pub cohorts: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    /// A text description of the reference photo (from a vision model), when there is one.
    pub likeness_description: Option<String>,
}

impl PromptSubject {
    /// The natural noun phrase templates get as `person` (Local view: the exact age is used).
    pub fn person_phrase(&self) -> String {
        person_phrase(
            Gender::parse(&self.gender),
            self.age,
            self.age_band.as_deref(),
        )
    }
}

/// Subject fields withheld from cloud prompts unless the style has `send_identifiers = true`.
pub const IDENTIFIER_FIELDS: &[&str] = &["id", "display_name", "birth_date"];

/// Attribute keys treated as identifiers for cloud prompts (compared after lowercasing and
/// mapping `-` and spaces to `_`).
pub const IDENTIFIER_ATTRIBUTES: &[&str] = &[
    "name",
    "full_name",
    "display_name",
    "first_name",
    "last_name",
    "given_name",
    "family_name",
    "middle_name",
    "maiden_name",
    "nickname",
    "initials",
    "slug",
    "display_first_last",
    "display_last_comma_first",
    "id",
    "person_id",
    "patient_id",
    "mrn",
    "ssn",
    "email",
    "phone",
    "address",
    "birth_date",
    "birthdate",
    "date_of_birth",
    "dob",
    "birthday",
];

/// Ages above this are reported as this value in cloud prompts (HIPAA Safe Harbor groups
/// ages over 89 into one "90 or older" category).
pub const CLOUD_AGE_CAP: u32 = 90;

pub(crate) fn is_identifier_attribute(key: &str) -> bool {
    let norm: String = key
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect();
    IDENTIFIER_ATTRIBUTES.contains(&norm.as_str())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    Prompt,
    NegativePrompt,
}

impl Which {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Which::Prompt => "prompt",
            Which::NegativePrompt => "negative_prompt",
        }
    }
}

impl Style {
    /// Renders the prompt for `subject` as seen by `audience` and tidies it into one clean
    /// paragraph. For [`Audience::Cloud`] without `send_identifiers`, any use of the name, id,
    /// birth date or identifier-like attributes fails with
    /// [`StyleError::IdentifierInCloudPrompt`].
    pub fn render_prompt(
        &self,
        subject: &PromptSubject,
        audience: Audience,
    ) -> Result<String, StyleError> {
        Ok(render(self, Which::Prompt, subject, audience, false)?.unwrap_or_default())
    }

    /// Like [`Style::render_prompt`] for `negative_prompt`; `None` when the style has none or
    /// it renders to nothing.
    pub fn render_negative_prompt(
        &self,
        subject: &PromptSubject,
        audience: Audience,
    ) -> Result<Option<String>, StyleError> {
        render(self, Which::NegativePrompt, subject, audience, false)
    }

    /// Renders both templates for [`Audience::Cloud`] against a set of probe subjects (adult,
    /// minimal, child, elderly; with and without attributes) and fails if any of them touches
    /// an identifier. Always `Ok` with `send_identifiers = true`. A best-effort early check;
    /// the render-time guard is the guarantee.
    pub fn check_cloud_safe(&self) -> Result<(), StyleError> {
        if self.send_identifiers {
            return Ok(());
        }
        for (subject, probe_attrs) in probe_subjects() {
            for which in [Which::Prompt, Which::NegativePrompt] {
                render(self, which, &subject, Audience::Cloud, probe_attrs)?;
            }
        }
        Ok(())
    }
}

/// Compiles and renders both templates for the probe subjects with [`Audience::Local`].
pub(crate) fn validate_templates(style: &Style) -> Result<(), StyleError> {
    for (subject, probe_attrs) in probe_subjects() {
        for which in [Which::Prompt, Which::NegativePrompt] {
            render(style, which, &subject, Audience::Local, probe_attrs)?;
        }
    }
    Ok(())
}

/// Probe subjects; `true` = the attributes map answers every non-identifier key with a value.
fn probe_subjects() -> Vec<(PromptSubject, bool)> {
    let full = PromptSubject {
        id: "probe-0001".into(),
        display_name: "Probe Subject".into(),
        gender: "woman".into(),
        age: Some(42),
        hair: Some("shoulder-length dark hair".into()),
        birth_date: Some("1983-04-05".into()),
        cohorts: vec!["probe".into()],
        likeness_description: Some("an oval face with a calm expression".into()),
        ..PromptSubject::default()
    };
    let minimal = PromptSubject {
        id: "probe-0002".into(),
        ..PromptSubject::default()
    };
    let child = PromptSubject {
        id: "probe-0003".into(),
        gender: "man".into(),
        age: Some(7),
        ..PromptSubject::default()
    };
    let elderly = PromptSubject {
        id: "probe-0004".into(),
        gender: "person".into(),
        age_band: Some("elderly".into()),
        deceased: true,
        ..PromptSubject::default()
    };
    vec![
        (full, true),
        (minimal, false),
        (child, false),
        (elderly, true),
    ]
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Prompts are plain text whatever the template is called.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_debug(true);
    // `none` prints as nothing, so optional fields never leave "none" in a prompt.
    env.set_formatter(|out, state, value| {
        if value.is_none() {
            Ok(())
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.add_filter("article", filter_article);
    env.add_filter("humanize", filter_humanize);
    env.add_filter("natural_join", filter_natural_join);
    env.add_filter("default", filter_default);
    env.add_filter("d", filter_default);
    env
});

fn render(
    style: &Style,
    which: Which,
    subject: &PromptSubject,
    audience: Audience,
    probe_attrs: bool,
) -> Result<Option<String>, StyleError> {
    let source = match which {
        Which::Prompt => style.prompt.as_str(),
        Which::NegativePrompt => match &style.negative_prompt {
            Some(s) => s.as_str(),
            None => return Ok(None),
        },
    };
    let trip = Arc::new(Tripwire::default());
    let guarded = audience == Audience::Cloud && !style.send_identifiers;
    let ctx = build_context(style, subject, audience, guarded, probe_attrs, &trip);
    let name = format!("{}.{}", style.name, which.as_str());
    let result = ENV.render_named_str(&name, source, ctx);
    let fields = trip.take();
    if !fields.is_empty() {
        return Err(StyleError::IdentifierInCloudPrompt {
            style: style.name.clone(),
            file: style.source_label(),
            fields,
        });
    }
    let text = result.map_err(|e| template_error(style, which, source, &e))?;
    let text = tidy(&text);
    Ok(if text.is_empty() && which == Which::NegativePrompt {
        None
    } else {
        Some(text)
    })
}

fn template_error(style: &Style, which: Which, source: &str, e: &Error) -> StyleError {
    let mut message = match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    };
    if let Some(snippet) = e.range().and_then(|r| source.get(r)) {
        let snippet = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
        if !snippet.is_empty() && snippet.chars().count() <= 80 {
            message.push_str(&format!(" (at `{snippet}`)"));
        }
    }
    StyleError::Template {
        style: style.name.clone(),
        file: style.source_label(),
        template: which.as_str(),
        template_line: e.line(),
        file_line: None,
        message,
    }
}

/// Records identifier lookups made while rendering for a cloud provider.
#[derive(Debug, Default)]
struct Tripwire(Mutex<BTreeSet<String>>);

impl Tripwire {
    fn record(&self, field: String) {
        if let Ok(mut set) = self.0.lock() {
            set.insert(field);
        }
    }

    fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut s| std::mem::take(&mut *s).into_iter().collect())
            .unwrap_or_default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missing {
    /// A missing key is undefined (strict: printing it is an error).
    Undefined,
    /// A missing key is `none` (attributes are optional per subject).
    NoneValue,
    /// Probe mode: every non-identifier key has a placeholder value.
    Probe,
}

/// A map whose withheld keys trip the wire when looked up and are never enumerated.
#[derive(Debug)]
struct Guarded {
    label: &'static str,
    values: BTreeMap<String, Value>,
    withheld: fn(&str) -> bool,
    missing: Missing,
    trip: Arc<Tripwire>,
}

impl Object for Guarded {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        if (self.withheld)(key) {
            self.trip.record(format!("{}.{key}", self.label));
            return None;
        }
        if let Some(v) = self.values.get(key) {
            return Some(v.clone());
        }
        match self.missing {
            Missing::Undefined => None,
            Missing::NoneValue => Some(Value::from(())),
            Missing::Probe => Some(Value::from("probe value")),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.values
                .keys()
                .map(|k| Value::from(k.as_str()))
                .collect(),
        )
    }
}

fn withhold_nothing(_: &str) -> bool {
    false
}

fn withhold_subject_identifiers(key: &str) -> bool {
    IDENTIFIER_FIELDS.contains(&key)
}

fn build_context(
    style: &Style,
    subject: &PromptSubject,
    audience: Audience,
    guarded: bool,
    probe_attrs: bool,
    trip: &Arc<Tripwire>,
) -> Value {
    let gender = Gender::parse(&subject.gender);
    let age = if guarded {
        subject.age.map(|a| a.min(CLOUD_AGE_CAP))
    } else {
        subject.age
    };
    let age_band = subject
        .age_band
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .or_else(|| age.map(|a| band_for_age(a).to_string()));
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or(Value::from(()), Value::from)
    };

    let attr_values: BTreeMap<String, Value> = subject
        .attributes
        .iter()
        .filter(|(k, _)| !(guarded && is_identifier_attribute(k)))
        .map(|(k, v)| (k.clone(), Value::from(v.trim())))
        .collect();
    let attributes = Value::from_object(Guarded {
        label: "attributes",
        values: attr_values,
        withheld: if guarded {
            is_identifier_attribute
        } else {
            withhold_nothing
        },
        missing: if probe_attrs {
            Missing::Probe
        } else {
            Missing::NoneValue
        },
        trip: trip.clone(),
    });

    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    fields.insert("gender".into(), Value::from(gender.as_str()));
    fields.insert("age".into(), age.map_or(Value::from(()), Value::from));
    fields.insert("age_band".into(), opt(&age_band));
    fields.insert("hair".into(), opt(&subject.hair));
    fields.insert("deceased".into(), Value::from(subject.deceased));
    fields.insert(
        "cohorts".into(),
        Value::from(
            subject
                .cohorts
                .iter()
                .map(|c| Value::from(c.as_str()))
                .collect::<Vec<_>>(),
        ),
    );
    fields.insert("attributes".into(), attributes.clone());
    fields.insert(
        "likeness_description".into(),
        opt(&subject.likeness_description),
    );
    if !guarded {
        fields.insert("id".into(), Value::from(subject.id.as_str()));
        fields.insert(
            "display_name".into(),
            Value::from(subject.display_name.as_str()),
        );
        fields.insert("birth_date".into(), opt(&subject.birth_date));
    }
    let subject_value = Value::from_object(Guarded {
        label: "subject",
        values: fields,
        withheld: if guarded {
            withhold_subject_identifiers
        } else {
            withhold_nothing
        },
        missing: Missing::Undefined,
        trip: trip.clone(),
    });

    let (he, him, his) = gender.pronouns();
    context! {
        subject => subject_value,
        attributes => attributes,
        person => person_phrase(gender, age, age_band.as_deref()),
        pronouns => context! { subject => he, object => him, possessive => his },
        audience => audience.as_str(),
        style => context! {
            name => style.name.as_str(),
            version => style.version,
            kind => style.kind.as_str(),
            aspect_ratio => style.aspect_ratio.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_attributes_are_normalised() {
        assert!(is_identifier_attribute("First-Name"));
        assert!(is_identifier_attribute("date of birth"));
        assert!(is_identifier_attribute("display_first_last"));
        assert!(!is_identifier_attribute("team_name"));
        assert!(!is_identifier_attribute("worldview"));
    }
}
