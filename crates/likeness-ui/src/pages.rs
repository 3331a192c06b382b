//! One struct per page or fragment, each rendering `templates/<name>.html`.

use askama::Template;

/// What every full page shows around its content: who is signed in, with which role, and
/// the CSRF token its forms carry.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub title: String,
    /// `gallery`, `runs`, `styles` or `costs`: the navigation entry marked current.
    pub section: &'static str,
    /// The token's name; empty when signed out.
    pub who: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub csrf: String,
}

impl Chrome {
    pub fn static_url(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    pub fn signed_in(&self) -> bool {
        !self.who.is_empty()
    }

    /// `aria-current="page"` for the current section's link.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }
}

/// An image with everything the markup needs.
#[derive(Debug, Clone, Default)]
pub struct Img {
    pub src: String,
    /// `url 256w, url 512w`, or empty.
    pub srcset: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub error: Option<String>,
    /// Where to go after signing in (a path under `/ui/`).
    pub next: String,
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone)]
pub struct Tile {
    pub href: String,
    pub name: String,
    pub id: String,
    pub img: Img,
    /// No current portrait: the image is the placeholder.
    pub placeholder: bool,
    /// `failed` or `running`.
    pub badge: Option<&'static str>,
    /// First row: loaded at once, not lazily.
    pub eager: bool,
}

#[derive(Template)]
#[template(path = "gallery.html")]
pub struct GalleryPage {
    pub chrome: Chrome,
    pub q: String,
    pub cohorts: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub styles: Vec<Choice>,
    pub statuses: Vec<Choice>,
    /// The style the tiles show.
    pub shown_style: String,
    pub tiles: Vec<Tile>,
    pub next_url: Option<String>,
    /// Back to the first page when this is not it.
    pub first_url: Option<String>,
    pub error: Option<String>,
}

/// One line of a prompt's diff against the previous version.
#[derive(Debug, Clone)]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub kind: &'static str,
    pub text: String,
}

impl DiffLine {
    pub fn sign(&self) -> &'static str {
        match self.kind {
            "added" => "+",
            "removed" => "−",
            _ => " ",
        }
    }
}

/// One generation in a subject's history.
#[derive(Debug, Clone, Default)]
pub struct Version {
    pub asset_id: String,
    pub subject_id: String,
    pub style: String,
    pub style_version: i64,
    pub status: String,
    pub current: bool,
    pub created: String,
    pub prompt: String,
    /// Empty for the first version of a style.
    pub diff: Vec<DiffLine>,
    pub provider: String,
    pub model: String,
    pub seed: String,
    pub options: String,
    pub cost: String,
    pub queue_wait: String,
    pub generation_time: String,
    pub identity: String,
    pub quality: String,
    pub error_code: String,
    pub error_message: String,
    pub trigger: String,
    pub img: Option<Img>,
    /// An admin may make it current (an older succeeded version).
    pub can_set_current: bool,
    pub label: String,
}

impl Version {
    pub fn changed(&self) -> bool {
        self.diff.iter().any(|d| d.kind != "same")
    }
}

#[derive(Debug, Clone)]
pub struct ActionLine {
    pub at: String,
    pub actor: String,
    pub text: String,
}

/// The regenerate form's fields, prefilled.
#[derive(Debug, Clone)]
pub struct RegenForm {
    pub styles: Vec<Choice>,
    pub prompt: String,
    /// What a cloud provider would be sent (the PHI guard's view), when it differs.
    pub guarded_prompt: Option<String>,
    pub seed: String,
    pub providers: Vec<Choice>,
    pub estimate: String,
}

#[derive(Template)]
#[template(path = "subject.html")]
pub struct SubjectPage {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub facts: Vec<(String, String)>,
    pub current: Vec<Version>,
    pub versions: Vec<Version>,
    pub compare: Vec<Choice>,
    pub compare_b: Vec<Choice>,
    pub actions: Vec<ActionLine>,
    pub regen: Option<RegenForm>,
    pub regen_error: Option<String>,
}

#[derive(Template)]
#[template(path = "version.html")]
pub struct VersionFragment {
    pub chrome: Chrome,
    pub v: Version,
}

#[derive(Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub a: Version,
    pub b: Version,
    pub diff: Vec<DiffLine>,
}

/// A regeneration in progress: what the live region says, and, once done, the new version
/// to add to the timeline.
#[derive(Template)]
#[template(path = "progress.html")]
pub struct Progress {
    pub chrome: Chrome,
    /// Where the updates stream from, while not done.
    pub live_url: Option<String>,
    pub message: String,
    pub failed: bool,
    pub new_version: Option<Version>,
    pub current_changed: bool,
}

/// A face box in the photo's pixels.
#[derive(Debug, Clone)]
pub struct FaceBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// The server's verdict on a reference photo.
#[derive(Template)]
#[template(path = "reference.html")]
pub struct ReferenceResult {
    pub chrome: Chrome,
    pub ok: bool,
    pub message: String,
    /// The stored (stripped) copy, on success.
    pub img_src: Option<String>,
    pub width: u32,
    pub height: u32,
    pub boxes: Vec<FaceBox>,
}

#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    pub total: i64,
    pub spent: String,
    pub budget: String,
    pub eta: String,
    pub status: String,
}

impl Counts {
    pub fn done(&self) -> i64 {
        self.succeeded + self.failed + self.skipped
    }
}

#[derive(Debug, Clone)]
pub struct RunLine {
    pub href: String,
    pub id: String,
    pub key: String,
    pub version: i64,
    pub started: String,
    pub counts: Counts,
}

#[derive(Template)]
#[template(path = "runs.html")]
pub struct RunsPage {
    pub chrome: Chrome,
    pub runs: Vec<RunLine>,
}

#[derive(Debug, Clone)]
pub struct FailureGroup {
    pub code: String,
    pub count: usize,
    pub examples: Vec<(String, String, String)>,
}

#[derive(Debug, Clone)]
pub struct JobLine {
    pub href: String,
    pub subject: String,
    pub subject_href: String,
    pub style: String,
    pub status: String,
    pub attempts: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "run.html")]
pub struct RunPage {
    pub chrome: Chrome,
    pub id: String,
    pub key: String,
    pub facts: Vec<(String, String)>,
    pub counts: Counts,
    pub live_url: String,
    pub failures: Vec<FailureGroup>,
    pub jobs: Vec<JobLine>,
    pub more_jobs: Option<String>,
    pub actions: Vec<ActionLine>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "counts.html")]
pub struct CountsFragment {
    pub chrome: Chrome,
    pub counts: Counts,
}

#[derive(Template)]
#[template(path = "job.html")]
pub struct JobPage {
    pub chrome: Chrome,
    pub id: String,
    pub facts: Vec<(String, String)>,
    pub attempts: Vec<Version>,
}

#[derive(Debug, Clone)]
pub struct StyleLine {
    pub name: String,
    pub href: String,
    pub version: u32,
    pub kind: String,
    pub provider: String,
    pub description: String,
    pub playground: bool,
}

#[derive(Template)]
#[template(path = "styles.html")]
pub struct StylesPage {
    pub chrome: Chrome,
    pub styles: Vec<StyleLine>,
}

/// One option of the playground's form.
#[derive(Debug, Clone)]
pub struct OptionField {
    pub name: String,
    pub label: String,
    /// `number`, `text`, `checkbox` or `color`.
    pub input: &'static str,
    pub value: String,
    pub min: String,
    pub max: String,
    pub step: String,
    pub checked: bool,
    pub help: String,
}

#[derive(Template)]
#[template(path = "playground.html")]
pub struct PlaygroundPage {
    pub chrome: Chrome,
    pub style: String,
    pub fields: Vec<OptionField>,
    /// The rendered `PlaygroundPreview`.
    pub preview_html: String,
}

#[derive(Template)]
#[template(path = "preview.html")]
pub struct PlaygroundPreview {
    pub chrome: Chrome,
    pub images: Vec<Img>,
    pub toml: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct SpendLine {
    pub provider: String,
    pub model: String,
    pub images: i64,
    pub cost: String,
}

#[derive(Template)]
#[template(path = "costs.html")]
pub struct CostsPage {
    pub chrome: Chrome,
    pub days: u32,
    pub bars: Vec<Bar>,
    pub chart_label: String,
    pub axis_max: String,
    pub first_day: String,
    pub last_day: String,
    pub by_day: Vec<(String, i64, String)>,
    pub by_model: Vec<SpendLine>,
    pub total: String,
    pub per_day: String,
    pub projected: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub message: String,
}
