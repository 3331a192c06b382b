//! JSON arrays read one element at a time, so that a big array (a `.json` file of subjects, a
//! Bundle's `entry`) is never built as a tree: serde_json's `Value` costs 32 bytes or more for
//! each `0,` of input, so a 256 MiB array would take gigabytes. Elements borrow from the text
//! where they can (`&RawValue`, `Cow<str>`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Call `each(index, element)` for every element of the JSON array `json`, in order (index from
/// 0). The whole text must be the array (whitespace around it allowed).
pub(super) fn array<'a, T: Deserialize<'a>>(
    json: &'a str,
    each: &mut dyn FnMut(usize, T),
) -> Result<usize, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let count = de.deserialize_seq(Elements {
        each,
        marker: std::marker::PhantomData,
    })?;
    de.end()?;
    Ok(count)
}

/// Call `each(index, element)` for every element of the array under `key` in the JSON object
/// `json` (absent or `null`: no elements; present twice: an error, as serde's derive says).
/// Every other member is skipped without being built.
pub(super) fn member_array<'a, T: Deserialize<'a>>(
    json: &'a str,
    key: &str,
    each: &mut dyn FnMut(usize, T),
) -> Result<usize, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let count = de.deserialize_map(Member {
        key,
        elements: Elements {
            each,
            marker: std::marker::PhantomData,
        },
    })?;
    de.end()?;
    Ok(count)
}

/// The array's elements, handed out one by one; the value is how many there were.
struct Elements<'f, T> {
    each: &'f mut dyn FnMut(usize, T),
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Elements<'_, T> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while let Some(element) = seq.next_element::<T>()? {
            (self.each)(count, element);
            count += 1;
        }
        Ok(count)
    }

    fn visit_none<E: de::Error>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Elements<'_, T> {
    type Value = usize;

    /// `null` or an array, like an `Option<Vec<T>>` field.
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_option(self)
    }
}

/// An object whose one interesting member is an array.
struct Member<'k, 'f, T> {
    key: &'k str,
    elements: Elements<'f, T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Member<'_, '_, T> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with an optional {:?} array", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let Member { key, elements } = self;
        let mut elements = Some(elements);
        let mut count = 0;
        while let Some(name) = map.next_key::<String>()? {
            if name != key {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let Some(seed) = elements.take() else {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            };
            count = map.next_value_seed(seed)?;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;

    use super::*;

    fn raw_array(json: &str) -> Result<Vec<String>, String> {
        let mut got = Vec::new();
        array::<&RawValue>(json, &mut |i, raw| got.push(format!("{i}:{}", raw.get())))
            .map_err(|e| e.to_string())?;
        Ok(got)
    }

    #[test]
    fn arrays_element_by_element() {
        assert_eq!(raw_array(" [ ] "), Ok(vec![]));
        assert_eq!(
            raw_array("[1, {\"a\": [2]} ,\"x\"]"),
            Ok(vec![
                "0:1".into(),
                "1:{\"a\": [2]}".into(),
                "2:\"x\"".into()
            ])
        );
        assert!(raw_array("[1,]").is_err());
        assert!(raw_array("[1] x").is_err());
        assert!(raw_array("{}").is_err());
    }

    fn member(json: &str) -> Result<(usize, Vec<u32>), String> {
        let mut got = Vec::new();
        let n = member_array::<u32>(json, "entry", &mut |_, v| got.push(v))
            .map_err(|e| e.to_string())?;
        Ok((n, got))
    }

    #[test]
    fn one_member_of_an_object() {
        assert_eq!(member("{}"), Ok((0, vec![])));
        assert_eq!(member("{\"entry\": null}"), Ok((0, vec![])));
        assert_eq!(
            member("{\"a\": [{\"entry\": 9}], \"entry\": [1, 2], \"z\": \"entry\"}"),
            Ok((2, vec![1, 2]))
        );
        assert!(
            member("{\"entry\": [1], \"entry\": [2]}")
                .unwrap_err()
                .contains("duplicate field")
        );
        assert!(member("{\"entry\": {}}").is_err());
        assert!(member("{\"entry\": [\"x\"]}").is_err());
        assert!(member("[]").is_err());
    }
}
