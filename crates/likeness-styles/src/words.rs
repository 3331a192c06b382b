//! Language helpers for prompts: the `person` noun phrase, pronouns, age bands, a/an, the
//! template filters, and the final whitespace tidy.

use minijinja::{Error, ErrorKind, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gender {
    Man,
    Woman,
    Person,
}

impl Gender {
    pub(crate) fn parse(s: &str) -> Gender {
        match s.trim().to_lowercase().as_str() {
            "man" | "male" | "m" | "boy" => Gender::Man,
            "woman" | "female" | "f" | "girl" => Gender::Woman,
            _ => Gender::Person,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Gender::Man => "man",
            Gender::Woman => "woman",
            Gender::Person => "person",
        }
    }

    pub(crate) fn pronouns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Gender::Man => ("he", "him", "his"),
            Gender::Woman => ("she", "her", "her"),
            Gender::Person => ("they", "them", "their"),
        }
    }

    /// (child noun, teen noun, young-adult noun)
    fn young_nouns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Gender::Man => ("boy", "teenage boy", "young man"),
            Gender::Woman => ("girl", "teenage girl", "young woman"),
            Gender::Person => ("child", "teenager", "young adult"),
        }
    }
}

/// The age band for an exact age: infant, toddler, child, teen, young_adult, adult,
/// middle_aged, older_adult, elderly.
pub(crate) fn band_for_age(age: u32) -> &'static str {
    match age {
        0 => "infant",
        1..=3 => "toddler",
        4..=12 => "child",
        13..=17 => "teen",
        18..=29 => "young_adult",
        30..=44 => "adult",
        45..=64 => "middle_aged",
        65..=79 => "older_adult",
        _ => "elderly",
    }
}

pub(crate) fn person_phrase(gender: Gender, age: Option<u32>, band: Option<&str>) -> String {
    let adult = gender.as_str();
    let (child, teen, young) = gender.young_nouns();
    let poss = gender.pronouns().2;
    let baby = match gender {
        Gender::Man => "baby boy",
        Gender::Woman => "baby girl",
        Gender::Person => "baby",
    };
    let toddler = match gender {
        Gender::Person => "toddler".to_string(),
        _ => format!("toddler {child}"),
    };
    let noun_phrase = match age {
        Some(0) => baby.to_string(),
        Some(a @ 1..=3) => format!("{a}-year-old {toddler}"),
        Some(a @ 4..=12) => format!("{a}-year-old {child}"),
        Some(a @ 13..=17) => format!("{a}-year-old {teen}"),
        Some(18..=19) => format!("{young} in {poss} late teens"),
        Some(a @ 20..=29) => format!("{young} in {poss} {}", decade_word(a)),
        Some(a @ 30..=69) => format!("{adult} in {poss} {}", decade_word(a)),
        Some(a @ 70..=79) => format!("older {adult} in {poss} {}", decade_word(a)),
        Some(a @ 80..=99) => format!("elderly {adult} in {poss} {}", decade_word(a)),
        Some(_) => format!("very elderly {adult} over one hundred years old"),
        None => {
            let band = band
                .map(|b| b.trim().to_lowercase().replace(['-', ' '], "_"))
                .unwrap_or_default();
            match band.as_str() {
                "infant" | "baby" | "newborn" | "neonate" => baby.to_string(),
                "toddler" => toddler,
                "child" | "kid" | "school_age" => format!("young {child}"),
                "teen" | "teenager" | "adolescent" | "youth" => teen.to_string(),
                "young_adult" => young.to_string(),
                "adult" if gender == Gender::Person => "adult".to_string(),
                "middle_aged" | "middle_age" | "midlife" => format!("middle-aged {adult}"),
                "older_adult" | "older" | "senior" => format!("older {adult}"),
                "elderly" | "aged" | "very_old" | "oldest_old" => format!("elderly {adult}"),
                _ => adult.to_string(),
            }
        }
    };
    format!("{} {noun_phrase}", article_for(&noun_phrase))
}

fn decade_word(age: u32) -> &'static str {
    match age / 10 {
        2 => "twenties",
        3 => "thirties",
        4 => "forties",
        5 => "fifties",
        6 => "sixties",
        7 => "seventies",
        8 => "eighties",
        _ => "nineties",
    }
}

/// "a" or "an" for the phrase that follows (by sound, for the common cases).
pub(crate) fn article_for(phrase: &str) -> &'static str {
    let word: String = phrase
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    if word.is_empty() {
        return "a";
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
        let an = digits.starts_with('8')
            || (digits.len() % 3 == 2 && (digits.starts_with("11") || digits.starts_with("18")));
        return if an { "an" } else { "a" };
    }
    const AN_EXCEPTIONS: &[&str] = &["hour", "honest", "honor", "honour", "heir"];
    const A_EXCEPTIONS: &[&str] = &[
        "uni", "use", "usu", "uti", "eu", "ewe", "one", "once", "ure",
    ];
    if AN_EXCEPTIONS.iter().any(|p| word.starts_with(p)) {
        return "an";
    }
    if A_EXCEPTIONS.iter().any(|p| word.starts_with(p)) {
        return "a";
    }
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn undefined_arg(filter: &str) -> Error {
    Error::new(
        ErrorKind::UndefinedError,
        format!("`{filter}` was given an undefined value"),
    )
}

/// `{{ "owl" | article }}` → "an owl"; `none` stays `none`.
pub(crate) fn filter_article(value: &Value) -> Result<Value, Error> {
    if value.is_undefined() {
        return Err(undefined_arg("article"));
    }
    if value.is_none() {
        return Ok(value.clone());
    }
    let s = value.to_string();
    let s = s.trim();
    if s.is_empty() {
        return Ok(Value::from(""));
    }
    Ok(Value::from(format!("{} {s}", article_for(s))))
}

/// `{{ "young_adult" | humanize }}` → "young adult"; `none` stays `none`.
pub(crate) fn filter_humanize(value: &Value) -> Result<Value, Error> {
    if value.is_undefined() {
        return Err(undefined_arg("humanize"));
    }
    if value.is_none() {
        return Ok(value.clone());
    }
    let s = value.to_string().replace(['_', '-'], " ");
    Ok(Value::from(
        s.split_whitespace().collect::<Vec<_>>().join(" "),
    ))
}

/// `{{ ["red", "white", "blue"] | natural_join }}` → "red, white and blue"; the second
/// argument replaces "and". A plain string passes through; `none` gives "".
pub(crate) fn filter_natural_join(
    value: &Value,
    conjunction: Option<String>,
) -> Result<Value, Error> {
    if value.is_undefined() {
        return Err(undefined_arg("natural_join"));
    }
    if value.is_none() {
        return Ok(Value::from(""));
    }
    if let Some(s) = value.as_str() {
        return Ok(Value::from(s));
    }
    let items: Vec<String> = value
        .try_iter()?
        .map(|v| v.to_string().trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let conj = conjunction.unwrap_or_else(|| "and".to_string());
    Ok(Value::from(match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }))
}

/// Like the built-in `default`, but `none` (an absent optional field or attribute) also
/// takes the default: `{{ attributes.team_colors | default("navy and white") }}`.
pub(crate) fn filter_default(value: &Value, other: Option<Value>) -> Value {
    if value.is_undefined() || value.is_none() {
        other.unwrap_or_else(|| Value::from(""))
    } else {
        value.clone()
    }
}

/// Collapses all whitespace runs to one space, trims, removes spaces before `, . ; : ! ? )`
/// and after `(`, and folds doubled commas (`, ,` → `,`; `,.` → `.`) left by empty
/// optional fragments.
pub(crate) fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        for c in word.chars() {
            let punct = matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | ')');
            if punct && out.ends_with(' ') {
                out.pop();
            }
            if (c == ',' || c == '.') && out.ends_with(',') {
                out.pop();
            }
            if c == ',' && (out.ends_with('.') || out.is_empty()) {
                continue;
            }
            out.push(c);
        }
        if !out.is_empty() && !out.ends_with('(') {
            out.push(' ');
        }
    }
    out.trim_matches(|c: char| c == ',' || c.is_whitespace())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(g: &str, age: Option<u32>, band: Option<&str>) -> String {
        person_phrase(Gender::parse(g), age, band)
    }

    #[test]
    fn person_phrases() {
        assert_eq!(phrase("woman", Some(34), None), "a woman in her thirties");
        assert_eq!(phrase("person", Some(7), None), "a 7-year-old child");
        assert_eq!(phrase("", Some(8), None), "an 8-year-old child");
        assert_eq!(phrase("man", Some(11), None), "an 11-year-old boy");
        assert_eq!(
            phrase("female", Some(15), None),
            "a 15-year-old teenage girl"
        );
        assert_eq!(phrase("man", Some(0), None), "a baby boy");
        assert_eq!(phrase("man", Some(2), None), "a 2-year-old toddler boy");
        assert_eq!(
            phrase("man", Some(19), None),
            "a young man in his late teens"
        );
        assert_eq!(
            phrase("person", Some(25), None),
            "a young adult in their twenties"
        );
        assert_eq!(
            phrase("man", Some(74), None),
            "an older man in his seventies"
        );
        assert_eq!(
            phrase("woman", Some(88), None),
            "an elderly woman in her eighties"
        );
        assert_eq!(
            phrase("woman", Some(104), None),
            "a very elderly woman over one hundred years old"
        );
        assert_eq!(phrase("man", None, Some("elderly")), "an elderly man");
        assert_eq!(phrase("other", None, Some("adult")), "an adult");
        assert_eq!(phrase("woman", None, Some("young_adult")), "a young woman");
        assert_eq!(
            phrase("man", None, Some("middle-aged")),
            "a middle-aged man"
        );
        assert_eq!(phrase("unknown", None, None), "a person");
        assert_eq!(phrase("man", None, Some("mystery_band")), "a man");
    }

    #[test]
    fn articles() {
        for (w, a) in [
            ("owl", "an"),
            ("watercolor", "a"),
            ("elderly man", "an"),
            ("hour", "an"),
            ("honest look", "an"),
            ("unicorn", "a"),
            ("European", "a"),
            ("one-off", "a"),
            ("8-year-old", "an"),
            ("11-year-old", "an"),
            ("18-year-old", "an"),
            ("80-year-old", "an"),
            ("1-year-old", "a"),
            ("110", "a"),
            ("", "a"),
        ] {
            assert_eq!(article_for(w), a, "{w}");
        }
    }

    #[test]
    fn tidy_cleans_fragments() {
        assert_eq!(tidy("  a\n\n  b\t c  "), "a b c");
        assert_eq!(
            tidy("portrait of a man , , with hair ."),
            "portrait of a man, with hair."
        );
        assert_eq!(tidy(", leading comma"), "leading comma");
        assert_eq!(tidy("end ,."), "end.");
        assert_eq!(tidy("( soft light )"), "(soft light)");
        assert_eq!(tidy("ratio 4:5, f/2.8"), "ratio 4:5, f/2.8");
        assert_eq!(tidy("one. , two"), "one. two");
        assert_eq!(tidy(""), "");
    }

    #[test]
    fn bands() {
        assert_eq!(band_for_age(0), "infant");
        assert_eq!(band_for_age(7), "child");
        assert_eq!(band_for_age(16), "teen");
        assert_eq!(band_for_age(25), "young_adult");
        assert_eq!(band_for_age(50), "middle_aged");
        assert_eq!(band_for_age(70), "older_adult");
        assert_eq!(band_for_age(95), "elderly");
    }
}
