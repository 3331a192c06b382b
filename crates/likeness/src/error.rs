//! The service's error type. Every variant has a stable machine-readable code (`Error::code`)
//! that scripts and the API can match on; the message says what to fix.

use likeness_paint::PaintError;
use likeness_styles::StyleError;
use likeness_subjects::SourceError;

use crate::codes;
use crate::local_file::LocalFileError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("config: {0}")]
    Config(String),
    #[error("{0}")]
    Usage(String),
    #[error("database error")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("storage: {0}")]
    Store(String),
    #[error(transparent)]
    Style(#[from] StyleError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Paint(#[from] PaintError),
    #[error("no subject with id or slug {0:?}; `likeness subjects list` shows what is imported")]
    SubjectNotFound(String),
    #[error("slug {slug:?} matches several subjects ({}); pass the id instead", ids.join(", "))]
    SubjectAmbiguous { slug: String, ids: Vec<String> },
    #[error(
        "subject {0:?} has a job a worker is drawing right now; wait for it to finish (or cancel \
         the run) and erase again"
    )]
    SubjectBusy(String),
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
    #[error(transparent)]
    Image(#[from] likeness_face::IntakeError),
    #[error(transparent)]
    Face(#[from] likeness_face::FaceError),
    #[error(
        "the face models are missing from {dir} ({}) — run `scripts/fetch-models {dir}`, or set \
         faces.models in the config (or LIKENESS_MODELS) to the folder that holds them",
        missing.join(", ")
    )]
    ModelsMissing { dir: String, missing: Vec<String> },
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("reference image {0} is missing from the store")]
    ReferenceMissing(String),
    #[error(transparent)]
    LocalFile(#[from] crate::local_file::LocalFileError),
    #[error("corrupt record in the database: {0}")]
    Corrupt(String),
    /// `migrate db` will not copy into this destination.
    #[error("{0}")]
    CopyRefused(String),
    /// `migrate db`: the destination does not hold what the source does.
    #[error("{0}")]
    CopyMismatch(String),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Stable code, e.g. `subject.not_found`. Never change a published code; add new ones.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => codes::CONFIG_INVALID,
            Error::Usage(_) => codes::USAGE_INVALID,
            Error::Db(_) => codes::DB_ERROR,
            Error::Migrate(_) => codes::DB_MIGRATION,
            Error::Store(_) => codes::STORE_FAILURE,
            Error::Style(e) => e.code(),
            Error::Source(e) => e.code(),
            Error::Paint(e) => e.code(),
            Error::SubjectNotFound(_) => codes::SUBJECT_NOT_FOUND,
            Error::SubjectAmbiguous { .. } => codes::SUBJECT_AMBIGUOUS,
            Error::SubjectBusy(_) => codes::SUBJECT_BUSY,
            Error::Provider(e) => e.code(),
            Error::Image(e) => e.code(),
            Error::Face(e) => e.code(),
            Error::ModelsMissing { .. } => codes::FACE_MODELS_MISSING,
            Error::Fetch(e) => e.code(),
            Error::ReferenceMissing(_) => codes::REFERENCE_MISSING,
            Error::LocalFile(e) => match e {
                LocalFileError::NotRegular { .. } => codes::FILE_NOT_REGULAR,
                LocalFileError::TooLarge { .. } => codes::FILE_TOO_LARGE,
                LocalFileError::Io { .. } => codes::IO_ERROR,
            },
            Error::Corrupt(_) => codes::DB_CORRUPT,
            Error::CopyRefused(_) => codes::DB_COPY_REFUSED,
            Error::CopyMismatch(_) => codes::DB_COPY_MISMATCH,
            Error::Io { .. } => codes::IO_ERROR,
        }
    }

    /// The HTTP status the API answers with (`codes::http_status`).
    pub fn http_status(&self) -> u16 {
        codes::http_status(self.code())
    }

    /// Errors the user fixes by changing the command or config (exit status 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Config(_)
                | Error::Usage(_)
                | Error::CopyRefused(_)
                | Error::Style(_)
                | Error::Source(_)
                | Error::SubjectNotFound(_)
                | Error::SubjectAmbiguous { .. }
                | Error::SubjectBusy(_)
                | Error::Provider(_)
                | Error::Image(_)
                | Error::ModelsMissing { .. }
                | Error::LocalFile(
                    LocalFileError::NotRegular { .. } | LocalFileError::TooLarge { .. }
                )
        ) || matches!(self, Error::Face(e) if e.is_photo_problem())
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<object_store::Error> for Error {
    fn from(e: object_store::Error) -> Self {
        Error::Store(e.to_string())
    }
}
