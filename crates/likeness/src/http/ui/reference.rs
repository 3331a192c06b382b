//! A reference photo uploaded on a subject's page: checked by the same intake and face check
//! as the API's (`references::store`), stored stripped under a private key, remembered on the
//! subject for its next regenerations. The verdict comes back as a fragment: the stored copy
//! with the face found, or what is wrong in plain words (with the faces found, when several).

use axum::extract::{Extension, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use likeness_ui::pages::{FaceBox, ReferenceResult};

use super::pages::{chrome, encode_query, error, from_api, is_htmx, render_with};
use super::regenerate::REFERENCE_KEY;
use super::session::UiUser;
use crate::db::admin::NewAction;
use crate::error::Error;

/// What the upload form may send: the photo (≤ 10 MB, checked again by intake) and the token.
const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

fn verdict(
    user: &UiUser,
    status: StatusCode,
    result: ReferenceResult,
    headers: &HeaderMap,
    id: &str,
) -> Response {
    if is_htmx(headers) {
        return render_with(
            status,
            &ReferenceResult {
                chrome: chrome(Some(user), "", ""),
                ..result
            },
        );
    }
    if status.is_success() {
        return Redirect::to(&format!("/ui/subjects/{}", encode_query(id))).into_response();
    }
    error(Some(user), status, &result.message)
}

fn refused(message: String) -> ReferenceResult {
    ReferenceResult {
        chrome: Default::default(),
        ok: false,
        message,
        img_src: None,
        width: 0,
        height: 0,
        boxes: Vec::new(),
    }
}

pub async fn upload(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let app = &state.app;
    let subject = match super::pages::find_subject(app, &user, &id).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let id = subject.id.to_string();
    let mut photo = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return verdict(
                    &user,
                    StatusCode::BAD_REQUEST,
                    refused(format!("The upload could not be read ({e}); try again.")),
                    &headers,
                    &id,
                );
            }
        };
        if field.name() != Some("photo") {
            continue;
        }
        match field.bytes().await {
            Ok(b) if b.len() > MAX_PHOTO_BYTES => {
                let mb = b.len() as f64 / 1024.0 / 1024.0;
                return verdict(
                    &user,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    refused(format!(
                        "The photo is {mb:.1} MB; it must be at most 10 MB."
                    )),
                    &headers,
                    &id,
                );
            }
            Ok(b) => photo = Some(b),
            Err(e) => {
                return verdict(
                    &user,
                    StatusCode::BAD_REQUEST,
                    refused(format!("The upload could not be read ({e}); try again.")),
                    &headers,
                    &id,
                );
            }
        }
    }
    let Some(photo) = photo.filter(|p| !p.is_empty()) else {
        return verdict(
            &user,
            StatusCode::BAD_REQUEST,
            refused("Choose a photo to upload.".into()),
            &headers,
            &id,
        );
    };
    let dims = image::ImageReader::new(std::io::Cursor::new(&photo))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .unwrap_or((0, 0));
    let stored = match crate::references::store(app, photo.to_vec()).await {
        Ok(s) => s,
        Err(e) => {
            let (status, result) = explain(&e, dims);
            tracing::info!(token = %user.name, subject = %id, code = e.code(), "ui: reference photo refused");
            return verdict(&user, status, result, &headers, &id);
        }
    };
    let remembered = async {
        crate::references::remember_colors(app, &id, &stored).await?;
        app.db
            .set_derived(&id, &[(REFERENCE_KEY, stored.key.clone())])
            .await?;
        app.db
            .record_action(&NewAction {
                actor: &user.name,
                action: "upload_reference",
                subject_id: Some(&id),
                run_id: None,
                detail: &format!(
                    "uploaded a reference photo ({}×{}, one face)",
                    stored.width, stored.height
                ),
            })
            .await
    }
    .await;
    if let Err(e) = remembered {
        return from_api(&user, e);
    }
    tracing::info!(token = %user.name, subject = %id, "ui: reference photo stored");
    let file = stored.key.rsplit('/').next().unwrap_or_default();
    let (x, y, w, h) = stored.face.bbox.pixels();
    verdict(
        &user,
        StatusCode::OK,
        ReferenceResult {
            chrome: Default::default(),
            ok: true,
            message: "One clear face found. The photo is stored (metadata removed) and used for this subject's next portraits.".into(),
            img_src: Some(format!("/ui/subjects/{}/reference/{}", encode_query(&id), encode_query(file))),
            width: stored.width,
            height: stored.height,
            boxes: vec![FaceBox { x, y, w, h }],
        },
        &headers,
        &id,
    )
}

/// A refused photo in plain words, with the faces found when there were several.
fn explain(e: &Error, (width, height): (u32, u32)) -> (StatusCode, ReferenceResult) {
    use likeness_face::FaceError;
    let status = clone_message(e).status;
    let mut result = refused(match e {
        Error::Face(FaceError::NoneFound) => "No face found in this photo. Use a photo where one face is clearly visible, facing the camera.".into(),
        Error::Face(FaceError::Several { boxes }) => format!(
            "The photo shows {} faces; use a photo of one person only (or crop it to one face).",
            boxes.len()
        ),
        Error::Face(FaceError::TooSmall { width, min, .. }) => format!(
            "The face is too small ({width} px wide; at least {min} px is needed). Use a closer or larger photo."
        ),
        Error::Face(FaceError::Blurred { .. }) => "The face is blurred. Use a sharper photo.".into(),
        other => format!("The photo was refused: {other}"),
    });
    if let Error::Face(FaceError::Several { boxes }) = e {
        result.width = width;
        result.height = height;
        result.boxes = boxes
            .iter()
            .map(|&(x, y, w, h)| FaceBox { x, y, w, h })
            .collect();
    }
    (status, result)
}

/// The error's code and message as an API error (for its status).
fn clone_message(e: &Error) -> crate::http::ApiError {
    crate::http::ApiError::new(e.code(), e.to_string())
}

/// A stored reference photo, for its owner's page only (private: never under `/assets`).
pub async fn photo(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let app = &state.app;
    let subject = match super::pages::find_subject(app, &user, &id).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let key = format!("{}{file}", crate::references::PREFIX);
    // Only the photo this subject uses: the page cannot be used to read other subjects' photos.
    if subject.attributes.get(REFERENCE_KEY).map(|v| v.to_string()) != Some(key.clone()) {
        return error(
            Some(&user),
            StatusCode::NOT_FOUND,
            "This subject has no such reference photo.",
        );
    }
    let bytes = match app.store.get(&key).await {
        Ok(b) => b,
        Err(e) => return from_api(&user, e),
    };
    let content_type = if key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response()
}
