use serde_json::{Map, Value, json};

use super::*;
use crate::dicebear_descriptor;

fn parse(style: &str, query: &str) -> Result<Value, DicebearError> {
    let descriptor = dicebear_descriptor(style).unwrap();
    dicebear_query(descriptor, query).map(Value::Object)
}

fn ok(style: &str, query: &str) -> Value {
    parse(style, query).unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// The error's code, option and message.
fn err(style: &str, query: &str) -> (&'static str, Option<String>, String) {
    match parse(style, query) {
        Ok(v) => panic!("{query}: accepted as {v}"),
        Err(e @ DicebearError::Query { .. }) => {
            let code = e.code();
            let DicebearError::Query {
                option, message, ..
            } = e
            else {
                unreachable!()
            };
            (code, option, message)
        }
        Err(other) => panic!("{query}: {other:?}"),
    }
}

#[test]
fn lists_and_seeds_split_as_on_dicebears_server() {
    // The cases of dicebear/api's query-string tests, through the coercion to option types.
    assert_eq!(ok("shapes", "size=10"), json!({"size": 10}));
    assert_eq!(
        ok("shapes", "size=10&seed=test"),
        json!({"seed": "test", "size": 10})
    );
    let two = json!({"backgroundColor": ["000000", "ffffff"]});
    for q in [
        "backgroundColor=000000,ffffff",
        "backgroundColor=000000%2Cffffff",
        "backgroundColor[]=000000&backgroundColor[]=ffffff",
        "backgroundColor[]=000000&backgroundColor[]=&backgroundColor[]=ffffff",
        "backgroundColor[1]=ffffff&backgroundColor[0]=000000",
        "backgroundColor=000000&backgroundColor=ffffff",
        "backgroundColor=000000,,ffffff",
    ] {
        assert_eq!(ok("shapes", q), two, "{q}");
    }
    assert_eq!(
        ok("shapes", "seed=hello,world"),
        json!({"seed": "hello,world"})
    );
    assert_eq!(
        ok("shapes", "seed=hello%2Cworld"),
        json!({"seed": "hello,world"})
    );
    assert_eq!(ok("shapes", "seed=a,,b"), json!({"seed": "a,,b"}));
    assert_eq!(ok("shapes", "seed="), json!({"seed": ""}));
    assert_eq!(ok("shapes", "seed"), json!({"seed": ""}));
    assert_eq!(ok("shapes", ""), json!({}));
    assert_eq!(ok("shapes", "&&"), json!({}));
    assert_eq!(
        ok("shapes", "backgroundColor="),
        json!({"backgroundColor": []})
    );
    // One item is handed over as a scalar, as the server's schema coercion does.
    assert_eq!(
        ok("shapes", "backgroundColor=b6e3f4"),
        json!({"backgroundColor": "b6e3f4"})
    );
}

#[test]
fn values_are_decoded_like_qs_does() {
    assert_eq!(ok("shapes", "seed=Jane+Doe"), json!({"seed": "Jane Doe"}));
    assert_eq!(ok("shapes", "seed=F%C3%A9lix"), json!({"seed": "Félix"}));
    assert_eq!(
        ok("shapes", "seed=a%2Bb%26c%3Dd"),
        json!({"seed": "a+b&c=d"})
    );
    // Undecodable: kept as written (qs catches decodeURIComponent's error).
    assert_eq!(ok("shapes", "seed=100%"), json!({"seed": "100%"}));
    assert_eq!(ok("shapes", "seed=%zz%4"), json!({"seed": "%zz%4"}));
    assert_eq!(ok("shapes", "seed=%ff%fe"), json!({"seed": "%ff%fe"}));
    assert_eq!(ok("shapes", "seed=%2B1"), json!({"seed": "+1"}));
    // Only the upper-case %2C splits (the server replaces that one before parsing).
    let (code, option, _) = err("shapes", "backgroundColor=000000%2cffffff");
    assert_eq!(
        (code, option.as_deref()),
        ("dicebear.bad_option", Some("backgroundColor"))
    );
    // A key may be encoded too.
    assert_eq!(ok("shapes", "s%65ed=x"), json!({"seed": "x"}));
}

#[test]
fn values_take_the_type_of_their_option() {
    let v = ok(
        "pixel-art",
        "rotate=45&scale=0.5,1.5&flip=horizontal,vertical&translateX=-10&borderRadius=50\
         &hatProbability=12.5&backgroundColorFill=linear&skinColorOrder=fixed",
    );
    assert_eq!(
        v,
        json!({
            "backgroundColorFill": "linear",
            "borderRadius": 50,
            "flip": ["horizontal", "vertical"],
            "hatProbability": 12.5,
            "rotate": 45,
            "scale": [0.5, 1.5],
            "skinColorOrder": "fixed",
            "translateX": -10,
        })
    );
    assert_eq!(
        ok("shapes", "size=1e2&rotate=+5"),
        json!({"rotate": 5, "size": 100})
    );
    assert_eq!(ok("shapes", "rotate=.5"), json!({"rotate": 0.5}));
    assert_eq!(ok("shapes", "rotate="), json!({"rotate": []}));
    for bad in [
        "size=0x10",
        "size=NaN",
        "size=Infinity",
        "size=abc",
        "size=1e999",
        "size=",
        "size=1,2",
        "rotate=1,2,3",
        "rotate=--1",
        "rotate=1e",
        "rotate=.",
    ] {
        let (code, _, message) = err("shapes", bad);
        assert_eq!(code, "dicebear.bad_option", "{bad}: {message}");
    }
}

#[test]
fn variants_take_weights() {
    let known = dicebear_descriptor("pixel-art").unwrap()["eyesVariant"]["values"].clone();
    let a = known[0].as_str().unwrap();
    let b = known[1].as_str().unwrap();
    assert_eq!(
        ok("pixel-art", &format!("eyesVariant={a}")),
        json!({"eyesVariant": a})
    );
    assert_eq!(
        ok("pixel-art", &format!("eyesVariant={a},{b}")),
        json!({"eyesVariant": [a, b]})
    );
    assert_eq!(
        ok("pixel-art", &format!("eyesVariant={a}:3,{b}:0.5")),
        json!({"eyesVariant": {a: 3, b: 0.5}})
    );
    assert_eq!(
        ok("pixel-art", &format!("eyesVariant={a}:,{b}")),
        json!({"eyesVariant": {a: 1, b: 1}})
    );
    let (code, option, message) = err("pixel-art", "eyesVariant=nope");
    assert_eq!(
        (code, option.as_deref()),
        ("dicebear.bad_option", Some("eyesVariant"))
    );
    assert!(message.contains("no variant \"nope\""), "{message}");
    for bad in [format!("eyesVariant={a}:-1"), format!("eyesVariant={a}:x")] {
        assert_eq!(err("pixel-art", &bad).0, "dicebear.bad_option", "{bad}");
    }
}

#[test]
fn unknown_options_are_refused_with_a_reason() {
    let (code, option, message) = err("shapes", "seed=x&nope=1");
    assert_eq!(
        (code, option.as_deref()),
        ("dicebear.unknown_option", Some("nope"))
    );
    assert!(message.contains("no option"), "{message}");
    let (_, _, message) = err("shapes", "radius=10");
    assert!(message.contains("borderRadius"), "{message}");
    let (_, _, message) = err("shapes", "backgroundType=gradientLinear");
    assert!(message.contains("backgroundColorFill"), "{message}");
    for excluded in [
        "fontFamily=Arial",
        "fontWeight=700",
        "title=x",
        "idRandomization=true",
    ] {
        let (code, _, message) = err("initials", excluded);
        assert_eq!(code, "dicebear.unknown_option", "{excluded}");
        assert!(message.contains("not taken from a URL"), "{message}");
    }
    let (_, _, message) = err("shapes", "flip=true");
    assert!(message.contains("horizontal"), "{message}");
    let (_, _, message) = err("shapes", "backgroundColor=transparent");
    assert!(message.contains("leave the option out"), "{message}");
    let (code, _, _) = err("shapes", "backgroundColor[x]=000000");
    assert_eq!(code, "dicebear.bad_query");
    let (code, _, _) = err("shapes", "animation=yes");
    assert!(code == "dicebear.bad_option" || code == "dicebear.unknown_option");
}

#[test]
fn queries_are_bounded() {
    let long = format!("seed={}", "a".repeat(MAX_QUERY_BYTES));
    assert_eq!(err("shapes", &long).0, "dicebear.bad_query");
    let many = vec!["seed=x"; 1000].join("&");
    assert_eq!(err("shapes", &many).0, "dicebear.bad_query");
    let items = vec!["000000"; 200].join(",");
    let (code, _, message) = err("shapes", &format!("backgroundColor={items}"));
    assert_eq!(code, "dicebear.bad_query", "{message}");
    // A seed's commas are not items.
    ok("shapes", &format!("seed={}", vec!["a"; 200].join(",")));
}

/// A small deterministic generator, so the sweep below needs no dependency.
fn noise(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn nothing_panics_on_hostile_queries() {
    let pieces = [
        "seed",
        "=",
        "&",
        ",",
        "%",
        "%2C",
        "%C3",
        "%A9",
        "%ff",
        "[",
        "]",
        "[]",
        "[9999999999999999999999]",
        "+",
        "rotate",
        "size",
        "flip",
        "eyesVariant",
        "backgroundColor",
        ":",
        "1e308",
        "-0",
        "é",
        "\u{0}",
        "😀",
        "..",
        "/",
        "Variant",
        "Probability",
        "NaN",
        "9".repeat(400).leak(),
    ];
    let descriptor = dicebear_descriptor("pixel-art").unwrap();
    let mut state = 7;
    for _ in 0..4_000 {
        let n = (noise(&mut state) % 12) as usize;
        let query: String = (0..n)
            .map(|_| pieces[(noise(&mut state) as usize) % pieces.len()])
            .collect();
        if let Ok(options) = dicebear_query(descriptor, &query) {
            // Whatever is accepted, DiceBear either draws or refuses; it never panics.
            let _ = crate::dicebear_svg("pixel-art", &options);
        }
    }
    let _: Map<String, Value> = dicebear_query(descriptor, "seed=%").unwrap();
}
