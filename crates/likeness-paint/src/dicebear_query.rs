//! DiceBear's HTTP API query string (`?seed=Felix&backgroundColor=b6e3f4,c0aede`) turned into
//! the options object DiceBear JS gets from it, checked against what a style accepts.
//!
//! The rules are those of DiceBear's own server (dicebear/api: `utils/query-string.ts` over
//! the `qs` package, then Fastify's schema coercion): `&` between parameters, `+` and `%XX`
//! decoded (an undecodable value is kept as written, as `qs` does), `%2C` and `,` separate
//! list items, `name[]=a&name[]=b` and a repeated name add items, empty items are dropped, and
//! a seed keeps its commas (`seed=a,b` is the seed `a,b`). Each value then takes the type the
//! option has in the style's [options descriptor](crate::dicebear_descriptor): numbers (a
//! range takes one or two, `MIN,MAX`), `true`/`false`, a colour list, one value of a set, or
//! variants with optional weights (`eyesVariant=happy:3,wink:1`).
//!
//! Where DiceBear's server quietly drops what it does not know, this refuses it with a reason
//! (and a hint for DiceBear 9's names, `radius` or `backgroundType`), so a typo is not an
//! unexplained default avatar. Like DiceBear's server, it does not take `fontFamily`,
//! `fontWeight`, `title` or `idRandomization` from a URL. Everything is bounded: the query's
//! length, its number of parameters and the items of a list.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value, json};

use crate::dicebear_api::DicebearError;

/// The longest query taken: a seed of 1,024 characters (DiceBear's limit), percent-encoded,
/// with room for every other option.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// DiceBear's server allows at least this many parameters (more for styles with more options).
const MIN_PARAMETERS: usize = 100;
/// … and at least this many items in a list (more for longer palettes or variant sets).
const MIN_ITEMS: usize = 20;
/// Options DiceBear's server does not take from a URL: text set in a font the rasteriser lacks
/// would vanish, and a title or random ids defeat caching.
pub(crate) const NOT_OVER_HTTP: [&str; 4] =
    ["idRandomization", "fontFamily", "fontWeight", "title"];

const BAD_QUERY: &str = "dicebear.bad_query";
const UNKNOWN_OPTION: &str = "dicebear.unknown_option";
const BAD_OPTION: &str = "dicebear.bad_option";

/// Text from the client, shortened for a message.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(64).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

fn query_error(message: String) -> DicebearError {
    DicebearError::Query {
        code: BAD_QUERY,
        option: None,
        message,
        allowed: Vec::new(),
    }
}

fn option_error(option: &str, message: String, allowed: Vec<String>) -> DicebearError {
    DicebearError::Query {
        code: BAD_OPTION,
        option: Some(shown(option)),
        message,
        allowed,
    }
}

/// `%XX` and `+` decoded as `qs` does: a value that is not valid percent-encoded UTF-8 stays
/// as written (with `+` as a space).
fn decode(text: &str) -> String {
    let plus = text.replace('+', " ");
    percent_decode(&plus).unwrap_or(plus)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let digit = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(digit(hex[0]) * 16 + digit(hex[1]));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `name`, `name[]` or `name[3]` (the index orders the items); other brackets are refused.
fn split_key(key: &str) -> Result<(&str, Option<u64>), DicebearError> {
    let Some(open) = key.find('[') else {
        return Ok((key, None));
    };
    let inner = key[open..]
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .filter(|i| i.bytes().all(|b| b.is_ascii_digit()));
    match inner {
        Some("") => Ok((&key[..open], None)),
        Some(digits) => Ok((&key[..open], digits.parse().ok())),
        None => Err(query_error(format!(
            "`{}`: only `name[]=value` brackets are understood; write name=a,b",
            shown(key)
        ))),
    }
}

/// A parameter's name and its decoded items.
type Parameter = (String, Vec<String>);
/// An item as found: its `[N]` index, if any, and its text.
type Item = (Option<u64>, String);

/// The parameters by name, in order of first appearance, each with its decoded items.
fn parameters(query: &str, max_params: usize) -> Result<Vec<Parameter>, DicebearError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(query_error(format!(
            "the options are {} bytes long; at most {MAX_QUERY_BYTES} are taken",
            query.len()
        )));
    }
    // DiceBear's server splits lists at `%2C` as at `,` (dicebear/dicebear#382).
    let query = query.replace("%2C", ",");
    let parts: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if parts.len() > max_params {
        return Err(query_error(format!(
            "{} parameters; at most {max_params} are taken",
            parts.len()
        )));
    }
    let mut found: Vec<(String, Vec<Item>)> = Vec::new();
    for part in parts {
        let at = part.find("]=").map(|p| p + 1).or_else(|| part.find('='));
        let (raw_key, raw_value) = match at {
            Some(p) => (&part[..p], Some(&part[p + 1..])),
            None => (part, None),
        };
        let key = decode(raw_key);
        if key.is_empty() {
            continue;
        }
        let (name, index) = split_key(&key)?;
        let items: Vec<String> = match raw_value {
            None => vec![String::new()],
            Some(v) => v.split(',').map(decode).collect(),
        };
        let slot = match found.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                found.push((name.to_string(), Vec::new()));
                found.len() - 1
            }
        };
        found[slot].1.extend(items.into_iter().map(|v| (index, v)));
    }
    Ok(found
        .into_iter()
        .map(|(name, mut items)| {
            // `a[1]=y&a[0]=x` is [x, y]; items without an index keep their order.
            if items.iter().all(|(i, _)| i.is_some()) {
                items.sort_by_key(|(i, _)| *i);
            }
            (name, items.into_iter().map(|(_, v)| v).collect())
        })
        .collect())
}

/// A number as JavaScript's `Number()` reads a decimal (DiceBear's server coerces with it);
/// hexadecimal, `Infinity` and `NaN` are refused.
fn number(text: &str) -> Option<Value> {
    let t = text.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(e) => (&body[..e], Some(&body[e + 1..])),
        None => (body, None),
    };
    let digits = mantissa.replacen('.', "", 1);
    let ok_mantissa = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let ok_exponent = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    if !(ok_mantissa && ok_exponent) {
        return None;
    }
    let v: f64 = t.strip_prefix('+').unwrap_or(t).parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    // Whole numbers as integers, as JSON from JavaScript writes them (`size` must be one).
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        return Some(json!(v as i64));
    }
    Number::from_f64(v).map(Value::Number)
}

fn is_hex_color(text: &str) -> bool {
    let hex = text.strip_prefix('#').unwrap_or(text);
    matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One item, or a list of them (DiceBear's server hands a single item over as a scalar).
fn one_or_list(mut items: Vec<Value>) -> Value {
    if items.len() == 1 {
        items.remove(0)
    } else {
        Value::Array(items)
    }
}

fn values_of(field: &Value) -> Vec<String> {
    field["values"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn single(name: &str, items: &[String]) -> Result<String, DicebearError> {
    match items {
        [one] => Ok(one.clone()),
        [] => Err(option_error(
            name,
            format!("{name} needs a value"),
            Vec::new(),
        )),
        _ => Err(option_error(
            name,
            format!("{name} takes one value, not a list"),
            Vec::new(),
        )),
    }
}

fn numbers(name: &str, items: &[String]) -> Result<Vec<Value>, DicebearError> {
    items
        .iter()
        .map(|t| {
            number(t).ok_or_else(|| {
                option_error(
                    name,
                    format!("{name}: {:?} is not a number", shown(t)),
                    Vec::new(),
                )
            })
        })
        .collect()
}

/// `name` or `name:weight` items of a `…Variant` option: a list of names, or with any weight
/// given, an object of weights (a name without one weighs 1).
fn variants(name: &str, items: &[String], known: &[String]) -> Result<Value, DicebearError> {
    let mut weighted = Map::new();
    let mut plain = Vec::new();
    for item in items {
        let (variant, weight) = match item.split_once(':') {
            Some((v, "")) => (v, json!(1)),
            Some((v, w)) => {
                let weight = number(w)
                    .filter(|n| n.as_f64() >= Some(0.0))
                    .ok_or_else(|| {
                        let message = format!(
                            "{name}: the weight in {:?} must be a number of 0 or more",
                            shown(item)
                        );
                        option_error(name, message, Vec::new())
                    })?;
                (v, weight)
            }
            None => (item.as_str(), json!(1)),
        };
        if !known.iter().any(|k| k == variant) {
            let message = format!("{name}: this style has no variant {:?}", shown(variant));
            return Err(option_error(name, message, known.to_vec()));
        }
        weighted.insert(variant.to_string(), weight);
        plain.push(json!(variant));
    }
    if items.iter().any(|i| i.contains(':')) {
        return Ok(Value::Object(weighted));
    }
    Ok(one_or_list(plain))
}

/// The value of option `name` (described by `field`) from its query `items`.
fn coerce(name: &str, field: &Value, items: Vec<String>) -> Result<Value, DicebearError> {
    let known = values_of(field);
    match field["type"].as_str().unwrap_or("") {
        "string" => Ok(json!(items.join(","))),
        "number" => Ok(numbers(name, &[single(name, &items)?])?.remove(0)),
        "boolean" => match single(name, &items)?.as_str() {
            "true" => Ok(json!(true)),
            "false" => Ok(json!(false)),
            other => Err(option_error(
                name,
                format!("{name} is true or false, not {:?}", shown(other)),
                Vec::new(),
            )),
        },
        "range" if items.len() > 2 => Err(option_error(
            name,
            format!(
                "{name} takes a number or MIN,MAX, not {} numbers",
                items.len()
            ),
            Vec::new(),
        )),
        "range" if items.is_empty() => Ok(json!([])),
        "range" => Ok(one_or_list(numbers(name, &items)?)),
        "color" => {
            if let Some(bad) = items.iter().find(|c| !is_hex_color(c)) {
                let hint = if bad == "transparent" {
                    "; DiceBear 11 has no `transparent`: leave the option out for no background"
                } else {
                    ""
                };
                let message = format!(
                    "{name}: {:?} is not a hex colour (3, 4, 6 or 8 digits, e.g. b6e3f4){hint}",
                    shown(bad)
                );
                return Err(option_error(name, message, Vec::new()));
            }
            Ok(one_or_list(items.into_iter().map(Value::String).collect()))
        }
        "enum" if field["weighted"] == true => variants(name, &items, &known),
        "enum" => {
            let items = if field["list"] == true {
                items
            } else {
                vec![single(name, &items)?]
            };
            if field["open"] != true
                && let Some(bad) = items.iter().find(|i| !known.contains(i))
            {
                let hint = if name == "flip" {
                    " (DiceBear 9's flip=true is horizontal)"
                } else {
                    ""
                };
                let message = format!(
                    "{name}: {:?} is not one of {}{hint}",
                    shown(bad),
                    known.join(", ")
                );
                return Err(option_error(name, message, known));
            }
            Ok(one_or_list(items.into_iter().map(Value::String).collect()))
        }
        other => Err(option_error(
            name,
            format!("{name} has a type ({other}) this server cannot read"),
            Vec::new(),
        )),
    }
}

/// What DiceBear 9 called an option that DiceBear 11 names otherwise.
fn renamed(name: &str) -> Option<&'static str> {
    Some(match name {
        "radius" => "borderRadius",
        "backgroundType" => "backgroundColorFill (solid, linear or radial)",
        "backgroundRotation" => "backgroundColorAngle",
        _ => return None,
    })
}

fn unknown_option(name: &str, descriptor: &Map<String, Value>) -> DicebearError {
    let message = if NOT_OVER_HTTP.contains(&name) {
        format!("{name} is not taken from a URL (nor by DiceBear's own server)")
    } else if let Some(new) = renamed(name) {
        format!("{name} is DiceBear 9's name: DiceBear 11 calls it {new}")
    } else {
        format!("this style has no option {:?}", shown(name))
    };
    DicebearError::Query {
        code: UNKNOWN_OPTION,
        option: Some(shown(name)),
        message,
        allowed: descriptor.keys().cloned().collect(),
    }
}

/// The options DiceBear JS would get from DiceBear's server for `query` (without the `?`),
/// checked against `descriptor` (a style's options, see
/// [`dicebear_descriptor`](crate::dicebear_descriptor)), with keys in sorted order.
pub fn dicebear_query(
    descriptor: &Map<String, Value>,
    query: &str,
) -> Result<Map<String, Value>, DicebearError> {
    let max_items = descriptor
        .values()
        .map(|f| f["values"].as_array().map_or(0, Vec::len))
        .fold(MIN_ITEMS, usize::max);
    let mut options = BTreeMap::new();
    for (name, mut items) in parameters(query, MIN_PARAMETERS.max(descriptor.len()))? {
        let Some(field) = descriptor.get(&name) else {
            return Err(unknown_option(&name, descriptor));
        };
        if name != "seed" && items.len() > max_items {
            return Err(query_error(format!(
                "{}: {} items; at most {max_items} are taken",
                shown(&name),
                items.len()
            )));
        }
        if name == "seed" {
            // Commas belong to the seed.
            items = vec![items.join(",")];
        } else {
            items.retain(|i| !i.is_empty());
        }
        options.insert(name.clone(), coerce(&name, field, items)?);
    }
    Ok(options.into_iter().collect())
}

#[cfg(test)]
#[path = "dicebear_query_tests.rs"]
mod tests;
