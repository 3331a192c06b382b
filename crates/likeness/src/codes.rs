//! Every error code the service gives, and the one table from a code to its HTTP status.
//!
//! A code is a stable string (`area.what`) that scripts and API clients match on; once
//! published it is never renamed. The codes of the library crates (`style.*` from
//! likeness-styles, `source.*` from likeness-subjects, `paint.*` from likeness-paint,
//! `image.*` and `face.*` from likeness-face) are defined there; this table still gives each
//! its status, because a failed job stores only its code and must answer the way the same
//! error raised directly does.

// The service's own codes.
pub const CONFIG_INVALID: &str = "config.invalid";
pub const USAGE_INVALID: &str = "usage.invalid";
pub const DB_ERROR: &str = "db.error";
pub const DB_MIGRATION: &str = "db.migration";
pub const DB_CORRUPT: &str = "db.corrupt";
/// `migrate db`: the destination is the source, or holds rows from somewhere else.
pub const DB_COPY_REFUSED: &str = "db.copy_refused";
/// `migrate db`: the destination does not hold what the source does after the copy.
pub const DB_COPY_MISMATCH: &str = "db.copy_mismatch";
pub const STORE_FAILURE: &str = "store.failure";
pub const IO_ERROR: &str = "io.error";
pub const FILE_NOT_REGULAR: &str = "file.not_regular";
pub const FILE_TOO_LARGE: &str = "file.too_large";
pub const SUBJECT_NOT_FOUND: &str = "subject.not_found";
pub const SUBJECT_AMBIGUOUS: &str = "subject.ambiguous";
pub const SUBJECT_INVALID: &str = "subject.invalid";
pub const SUBJECT_CONFLICT: &str = "subject.conflict";
pub const SUBJECT_BUSY: &str = "subject.busy";
pub const REFERENCE_MISSING: &str = "reference.missing";
pub const FACE_MODELS_MISSING: &str = "face.models_missing";
pub const IMAGE_RESIZE_FAILED: &str = "image.resize_failed";
pub const IMAGE_CHECK_FAILED: &str = "image.check_failed";
/// A picture could not be encoded in the format asked (a style's `format`, an `Accept` variant).
pub const IMAGE_ENCODE_FAILED: &str = "image.encode_failed";
pub const GATE_FAILED: &str = "gate.failed";
pub const QUEUE_WORKER_DIED: &str = "queue.worker_died";
pub const QUEUE_EMPTY_RUN: &str = "queue.empty_run";
pub const GENERATION_FAILED: &str = "generation.failed";
pub const GENERATION_TIMEOUT: &str = "generation.timeout";

pub const PROVIDER_UNSUPPORTED_STYLE: &str = "provider.unsupported_style";
pub const PROVIDER_UNKNOWN: &str = "provider.unknown";
pub const PROVIDER_BAD_RECIPE: &str = "provider.bad_recipe";
pub const PROVIDER_BAD_ATTRIBUTE: &str = "provider.bad_attribute";
pub const PROVIDER_RENDER_FAILED: &str = "provider.render_failed";
pub const PROVIDER_CONTENT_FILTERED: &str = "provider.content_filtered";
pub const PROVIDER_RATE_LIMITED: &str = "provider.rate_limited";
pub const PROVIDER_UNAVAILABLE: &str = "provider.unavailable";
pub const PROVIDER_TIMEOUT: &str = "provider.timeout";
pub const PROVIDER_BAD_REQUEST: &str = "provider.bad_request";
pub const PROVIDER_AUTH: &str = "provider.auth";
pub const PROVIDER_NO_KEY: &str = "provider.no_key";
pub const PROVIDER_NOT_CONFIGURED: &str = "provider.not_configured";
pub const PROVIDER_BAD_RESPONSE: &str = "provider.bad_response";
pub const PROVIDER_NEEDS_REFERENCE: &str = "provider.needs_reference";
pub const PROVIDER_GENERATION_FAILED: &str = "provider.generation_failed";
pub const PROVIDER_BREAKER_OPEN: &str = "provider.breaker_open";
pub const PROVIDER_REFERENCES_NOT_ALLOWED: &str = "provider.references_not_allowed";

pub const FETCH_BAD_URL: &str = "fetch.bad_url";
pub const FETCH_SCHEME: &str = "fetch.scheme";
pub const FETCH_CREDENTIALS: &str = "fetch.credentials";
pub const FETCH_FORBIDDEN_ADDRESS: &str = "fetch.forbidden_address";
pub const FETCH_TOO_LARGE: &str = "fetch.too_large";
pub const FETCH_TIMEOUT: &str = "fetch.timeout";
pub const FETCH_STATUS: &str = "fetch.status";
pub const FETCH_REDIRECTS: &str = "fetch.redirects";
pub const FETCH_CONNECT: &str = "fetch.connect";
pub const FETCH_CLIENT: &str = "fetch.client";

pub const AUTH_UNAUTHORIZED: &str = "auth.unauthorized";
pub const AUTH_FORBIDDEN: &str = "auth.forbidden";
pub const HTTP_NOT_FOUND: &str = "http.not_found";
pub const HTTP_BAD_REQUEST: &str = "http.bad_request";
pub const HTTP_BAD_QUERY: &str = "http.bad_query";
pub const HTTP_BAD_JSON: &str = "http.bad_json";
pub const HTTP_BAD_SETTING: &str = "http.bad_setting";
pub const HTTP_BAD_PROMPT: &str = "http.bad_prompt";
pub const HTTP_BAD_PATH: &str = "http.bad_path";
pub const HTTP_BAD_WIDTH: &str = "http.bad_width";
/// An `Accept` header that is not a list of media ranges with valid `q` weights.
pub const HTTP_BAD_ACCEPT: &str = "http.bad_accept";
pub const HTTP_MISSING_FIELD: &str = "http.missing_field";
pub const HTTP_FIELD_TOO_LONG: &str = "http.field_too_long";
pub const HTTP_CONFLICTING_FIELDS: &str = "http.conflicting_fields";
/// A text field holds NUL, which the databases cannot store (PostgreSQL refuses it).
pub const HTTP_BAD_TEXT: &str = "http.bad_text";
pub const HTTP_BODY_TOO_LARGE: &str = "http.body_too_large";
pub const HTTP_UNSUPPORTED_MEDIA_TYPE: &str = "http.unsupported_media_type";
pub const HTTP_METHOD_NOT_ALLOWED: &str = "http.method_not_allowed";
pub const HTTP_RATE_LIMITED: &str = "http.rate_limited";
pub const HTTP_TOO_MANY_CONNECTIONS: &str = "http.too_many_connections";
/// A status some layer below the handlers chose (kept as it is); the one code without a
/// status of its own.
pub const HTTP_ERROR: &str = "http.error";
/// `likeness adopt`: a symbolic link in the folder that leads outside it (not followed).
pub const ADOPT_OUTSIDE_DIR: &str = "adopt.outside_dir";
/// `likeness adopt`: several files of the folder for one subject and style; none is adopted.
pub const ADOPT_DUPLICATE: &str = "adopt.duplicate";
/// `likeness adopt`: a `{id}_{slug}_{style}` name whose slug is not that subject's.
pub const ADOPT_SLUG_MISMATCH: &str = "adopt.slug_mismatch";
pub const AVATAR_NOT_FOUND: &str = "avatar.not_found";
pub const AVATAR_BAD_DEFAULT: &str = "avatar.bad_default";
pub const OPENAI_INVALID_REQUEST: &str = "openai.invalid_request";
pub const OPENAI_TIMEOUT: &str = "openai.timeout";
/// DiceBear-compatible URLs (`http/dicebear.rs`): a major version this server does not draw
/// (another major would be another avatar), a style or format it does not have, and the
/// query's own faults (from `likeness_paint::dicebear_query`).
pub const DICEBEAR_VERSION_NOT_SERVED: &str = "dicebear.version_not_served";
pub const DICEBEAR_UNKNOWN_STYLE: &str = "dicebear.unknown_style";
pub const DICEBEAR_BAD_FORMAT: &str = "dicebear.bad_format";
pub const DICEBEAR_BAD_QUERY: &str = "dicebear.bad_query";
pub const DICEBEAR_UNKNOWN_OPTION: &str = "dicebear.unknown_option";
pub const DICEBEAR_BAD_OPTION: &str = "dicebear.bad_option";

/// The HTTP status of a code: whose fault it was (4xx: change the request; 5xx: the service
/// or what it depends on), whether to retry (429, 503) and how long to wait (504).
///
/// The one place this is decided: errors raised in a request and the stored codes of failed
/// jobs both come here, so the same failure answers the same way either way.
pub fn http_status(code: &str) -> u16 {
    match code {
        SUBJECT_NOT_FOUND | HTTP_NOT_FOUND | AVATAR_NOT_FOUND => 404,
        DICEBEAR_VERSION_NOT_SERVED | DICEBEAR_UNKNOWN_STYLE => 404,
        SUBJECT_AMBIGUOUS | SUBJECT_CONFLICT | SUBJECT_BUSY => 409,
        AUTH_UNAUTHORIZED => 401,
        AUTH_FORBIDDEN => 403,
        HTTP_METHOD_NOT_ALLOWED => 405,
        HTTP_BODY_TOO_LARGE | FETCH_TOO_LARGE | "image.too_large" => 413,
        HTTP_UNSUPPORTED_MEDIA_TYPE | "image.unsupported_format" => 415,
        HTTP_RATE_LIMITED | PROVIDER_RATE_LIMITED => 429,

        // Understood, well formed, and not usable: the photo, the subject's data, the content.
        PROVIDER_CONTENT_FILTERED
        | PROVIDER_BAD_ATTRIBUTE
        | GATE_FAILED
        | "image.too_small"
        | "face.none_found"
        | "face.several"
        | "face.too_small"
        | "face.blurred" => 422,

        // What the request (or the command line, or the config) says must change.
        CONFIG_INVALID
        | USAGE_INVALID
        | DB_COPY_REFUSED
        | FILE_NOT_REGULAR
        | FILE_TOO_LARGE
        | SUBJECT_INVALID
        | PROVIDER_UNKNOWN
        | PROVIDER_UNSUPPORTED_STYLE
        | PROVIDER_BAD_RECIPE
        | PROVIDER_REFERENCES_NOT_ALLOWED
        | PROVIDER_NEEDS_REFERENCE
        | FETCH_BAD_URL
        | FETCH_SCHEME
        | FETCH_CREDENTIALS
        | FETCH_FORBIDDEN_ADDRESS
        | HTTP_BAD_REQUEST
        | AVATAR_BAD_DEFAULT
        | HTTP_BAD_QUERY
        | HTTP_BAD_JSON
        | HTTP_BAD_SETTING
        | HTTP_BAD_PROMPT
        | HTTP_BAD_PATH
        | HTTP_BAD_WIDTH
        | HTTP_BAD_ACCEPT
        | HTTP_MISSING_FIELD
        | HTTP_FIELD_TOO_LONG
        | HTTP_CONFLICTING_FIELDS
        | HTTP_BAD_TEXT
        | OPENAI_INVALID_REQUEST
        | DICEBEAR_BAD_FORMAT
        | DICEBEAR_BAD_QUERY
        | DICEBEAR_UNKNOWN_OPTION
        | DICEBEAR_BAD_OPTION
        | "image.empty"
        | "image.too_big_dimensions"
        | "image.too_many_pixels"
        | "image.corrupt"
        | "image.bad_base64" => 400,
        c if c.starts_with("style.") || c.starts_with("source.") => 400,

        // Something upstream answered badly.
        PROVIDER_BAD_REQUEST
        | PROVIDER_AUTH
        | PROVIDER_BAD_RESPONSE
        | PROVIDER_GENERATION_FAILED
        | FETCH_STATUS
        | FETCH_REDIRECTS
        | FETCH_CONNECT => 502,

        // Not now: try again later, or once the operator has acted.
        PROVIDER_UNAVAILABLE
        | PROVIDER_TIMEOUT
        | PROVIDER_BREAKER_OPEN
        | PROVIDER_NO_KEY
        | PROVIDER_NOT_CONFIGURED
        | FACE_MODELS_MISSING
        | HTTP_TOO_MANY_CONNECTIONS => 503,

        FETCH_TIMEOUT | GENERATION_TIMEOUT | OPENAI_TIMEOUT => 504,

        // The service's own failures (database, store, files, renderer, models, a worker that
        // died), and any code this table does not know.
        _ => 500,
    }
}

/// Whether a status's message is safe to show the client. A 500's message may name files
/// and database details: those go to the operator's log instead.
pub fn is_internal(code: &str) -> bool {
    http_status(code) == 500
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_job_answers_like_the_error_raised_directly() {
        // Two tables once disagreed here: a failed job answered 502 for codes that answer
        // 400 or 503 when raised in the request.
        assert_eq!(http_status(PROVIDER_NEEDS_REFERENCE), 400);
        assert_eq!(http_status(PROVIDER_NO_KEY), 503);
        assert_eq!(http_status(PROVIDER_NOT_CONFIGURED), 503);
        assert_eq!(http_status(PROVIDER_GENERATION_FAILED), 502);
    }

    #[test]
    fn library_codes_agree_with_the_library() {
        use likeness_face::{FaceError, IntakeError};
        let intake = [
            IntakeError::Empty,
            IntakeError::TooLarge { size: 9, max: 1 },
            IntakeError::TooSmall {
                width: 1,
                height: 1,
                min_side: 64,
            },
        ];
        for e in intake {
            assert_eq!(http_status(e.code()), e.http_status(), "{e:?}");
        }
        for e in [
            FaceError::NoneFound,
            FaceError::Several { boxes: Vec::new() },
        ] {
            assert_eq!(http_status(e.code()), e.http_status(), "{e:?}");
        }
        assert_eq!(http_status("style.not_found"), 400);
        let refused = likeness_paint::dicebear_svg(
            "shapes",
            &[("rotate".into(), 999.into())].into_iter().collect(),
        );
        assert_eq!(http_status(refused.unwrap_err().code()), 400);
        assert_eq!(http_status("paint.bad_recipe"), 500);
    }

    #[test]
    fn unknown_codes_are_internal() {
        assert_eq!(http_status("no.such_code"), 500);
        assert!(is_internal(DB_ERROR));
        assert!(!is_internal(SUBJECT_NOT_FOUND));
    }
}
