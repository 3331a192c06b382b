//! `likeness render` (one image, for trying a style) and `likeness sheet` (a contact sheet over
//! a spread of demographics, to see what a style gives before running a batch). Neither needs
//! imported subjects or a database: they read the config and the style catalog only, draw with
//! the built-in renderer, and write the image file atomically.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::Datelike;
use likeness::provider::{GenerateRequest, Provider, builtin::Builtin};
use likeness_styles::{Catalog, Style};
use likeness_subjects::{Source, Subject};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::look::LookArgs;
use super::output::Output;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  likeness render --style watercolor --name \"Ada Lovelace\" --gender woman --age 36 --out ada.png
  likeness render --style geometric --seed user-42 --size 128 --out a.webp
  likeness render --style flat-poster --attr team_colors=#1d428a,#ffc72c --out p.svg
  likeness render --style watercolor --age 85 --attr skin_tone=#8d5a3b --attr hair_color=white --out b.png
  likeness render --style initials --name \"Mei Lin\" --background #fde2e4,#cddafd --background-fill linear --radius 50 --out m.png
  likeness render --style dicebear-notionists --seed felix --flip horizontal --rotate -10,10 --out n.svg")]
pub struct RenderArgs {
    /// Style to draw (`likeness styles list`; the built-in renderer must be able to draw it).
    #[arg(long)]
    pub style: String,
    /// Identity of the drawing: the same seed gives the same image (default: the name).
    #[arg(long)]
    pub seed: Option<String>,
    /// Display name (used by `initials`).
    #[arg(long, default_value = "")]
    pub name: String,
    /// man, woman or person.
    #[arg(long, default_value = "person")]
    pub gender: String,
    /// Age in years.
    #[arg(long)]
    pub age: Option<u32>,
    /// An attribute that pins a feature, e.g. skin_tone=#8d5a3b, hair_color=grey (repeatable).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
    /// Long edge in pixels; the style's aspect ratio gives the other (16 to 4096).
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// Output file: .png, .webp (lossless) or .svg (the drawing before rasterising).
    #[arg(long)]
    pub out: PathBuf,
    /// Write the SVG drawing whatever the file is called (as DiceBear's tools do).
    #[arg(long)]
    pub svg: bool,
    #[command(flatten)]
    pub look: LookArgs,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  likeness sheet --style watercolor --count 48 --out watercolor-sheet.png")]
pub struct SheetArgs {
    /// Style to draw.
    #[arg(long)]
    pub style: String,
    /// Portraits on the sheet (1 to 256).
    #[arg(long, default_value_t = 48)]
    pub count: usize,
    /// Long edge of each portrait in pixels.
    #[arg(long, default_value_t = 160)]
    pub size: u32,
    /// Portraits per row (default: about square).
    #[arg(long)]
    pub columns: Option<usize>,
    /// Output file: .png or .webp.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub look: LookArgs,
}

/// Ages from 1 to 95, so every age band shows up within a sheet.
const AGES: [u32; 16] = [1, 4, 8, 13, 17, 22, 28, 34, 41, 48, 56, 63, 70, 78, 86, 95];
const GENDERS: [&str; 3] = ["woman", "man", "person"];
/// Skin tones from very light to very dark.
const SKIN_TONES: [&str; 9] = [
    "#f6d7c3", "#eec4a6", "#e0ac88", "#c99068", "#b07650", "#936040", "#764a31", "#5a3724",
    "#3e2619",
];
/// Names in several scripts (for `initials`), by the gender they go with on the sheet.
const NAMES: [[&str; 3]; 6] = [
    ["Ada Okafor", "Tomás Oquendo", "Sam Rivera"],
    ["Mei Lin", "Kenji Watanabe", "Alex Kim"],
    ["Fatima Al-Sayed", "Omar Haddad", "Noor Rahman"],
    ["Noa Levi", "김민준", "Jordan Blake"],
    ["Priya Raman", "Jamal Carter", "Robin Schmidt"],
    ["Sofia Rossi", "Ivan Petrov", "Kai Nakamura"],
];

#[derive(Debug, Serialize)]
struct Rendered {
    out: String,
    style: String,
    width: u32,
    height: u32,
    bytes: usize,
    render_ms: f64,
}

#[derive(Debug, Serialize)]
struct SheetEntry {
    index: usize,
    seed: String,
    name: String,
    gender: &'static str,
    age: u32,
    skin_tone: &'static str,
}

/// The style catalog as `generate` would see it, without opening the database.
pub fn catalog(data_dir: &Path, config: Option<&Path>) -> anyhow::Result<Catalog> {
    let config = likeness::config::Config::load(config, data_dir)?;
    Ok(Catalog::load(&config.style_dirs(data_dir))?)
}

pub async fn render(catalog: &Catalog, out: &Output, args: RenderArgs) -> anyhow::Result<ExitCode> {
    let format = if args.svg {
        ImageFormat::Svg
    } else {
        ImageFormat::from_path(&args.out)?
    };
    let style = Arc::new(catalog.get(&args.style)?.clone());
    let (width, height) = dimensions(&style, args.size)?;
    let mut attributes = Map::new();
    for pair in &args.attrs {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--attr {pair:?} is not KEY=VALUE, e.g. --attr skin_tone=#8d5a3b");
        };
        attributes.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
    }
    let seed = args
        .seed
        .clone()
        .unwrap_or_else(|| format!("render:{}", args.name));
    let subject = subject("render", &args.name, &args.gender, args.age, attributes)?;
    let options = args.look.to_options()?;
    let builtin = Builtin::new();
    let started = std::time::Instant::now();
    let bytes = if let ImageFormat::Svg = format {
        builtin
            .render_svg(&request(&style, subject, &seed, (width, height), &options))?
            .into_bytes()
    } else {
        let size = (width, height);
        format.encode(draw(&builtin, &style, subject, &seed, size, &options).await?)?
    };
    let render_ms = started.elapsed().as_secs_f64() * 1e3;
    write_atomically(&args.out, &bytes)?;
    let done = Rendered {
        out: args.out.display().to_string(),
        style: style.name.clone(),
        width,
        height,
        bytes: bytes.len(),
        render_ms,
    };
    out.emit(&done, || {
        println!(
            "{} ({}×{}, {} bytes, {:.1} ms)",
            done.out, done.width, done.height, done.bytes, done.render_ms
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

pub async fn sheet(catalog: &Catalog, out: &Output, args: SheetArgs) -> anyhow::Result<ExitCode> {
    let format = ImageFormat::from_path(&args.out)?;
    if let ImageFormat::Svg = format {
        bail!("--out {}: a sheet is .png or .webp", args.out.display());
    }
    let style = Arc::new(catalog.get(&args.style)?.clone());
    let (width, height) = dimensions(&style, args.size)?;
    // The whole layout is checked before anything is drawn: every tile is held in memory
    // until the sheet is assembled.
    let layout = SheetLayout::new(args.count, args.columns, (width, height))?;
    let options = args.look.to_options()?;
    let builtin = Builtin::new();
    // A spread, not a grid of combinations: ages, genders, skin tones and names each cycle
    // at a different period, so neighbours differ in several ways at once. The seeds do not
    // name the style: every style's sheet shows the same people, to compare side by side.
    let entries: Vec<SheetEntry> = (0..args.count)
        .map(|i| SheetEntry {
            index: i,
            seed: format!("sheet:{i}"),
            name: NAMES[(i / GENDERS.len()) % NAMES.len()][i % GENDERS.len()].to_string(),
            gender: GENDERS[i % GENDERS.len()],
            age: AGES[(i * 5) % AGES.len()],
            skin_tone: SKIN_TONES[(i * 2) % SKIN_TONES.len()],
        })
        .collect();
    let draws = entries.iter().map(|e| {
        let mut attributes = Map::new();
        attributes.insert("skin_tone".into(), json!(e.skin_tone));
        let subject = subject(
            &format!("sheet-{}", e.index),
            &e.name,
            e.gender,
            Some(e.age),
            attributes,
        );
        let (builtin, style, options) = (&builtin, &style, &options);
        async move { draw(builtin, style, subject?, &e.seed, (width, height), options).await }
    });
    let tiles = futures::future::try_join_all(draws).await?;

    let SheetLayout {
        columns,
        gap,
        width: sheet_w,
        height: sheet_h,
    } = layout;
    let mut canvas =
        image::RgbaImage::from_pixel(sheet_w, sheet_h, image::Rgba([250, 249, 246, 255]));
    for (i, png) in tiles.iter().enumerate() {
        let tile = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .context("the renderer returned an unreadable PNG")?
            .to_rgba8();
        let x = gap + (i % columns) as u32 * (width + gap);
        let y = gap + (i / columns) as u32 * (height + gap);
        image::imageops::overlay(&mut canvas, &tile, i64::from(x), i64::from(y));
    }
    let mut png = std::io::Cursor::new(Vec::new());
    canvas
        .write_to(&mut png, image::ImageFormat::Png)
        .context("cannot encode the sheet")?;
    let bytes = format.encode(png.into_inner())?;
    write_atomically(&args.out, &bytes)?;
    let doc = json!({"out": args.out.display().to_string(), "style": style.name, "width": sheet_w,
        "height": sheet_h, "columns": columns, "portraits": entries});
    out.emit(&doc, || {
        println!(
            "{} ({sheet_w}×{sheet_h}, {} portraits of {}, {columns} per row)",
            args.out.display(),
            entries.len(),
            style.name
        );
        for e in &entries {
            println!(
                "  {:>3}  {:<6} {:>2} y  skin {}  {}",
                e.index + 1,
                e.gender,
                e.age,
                e.skin_tone,
                e.name
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The most pixels a sheet may have (its canvas and, together, its tiles): 80 MP, about 320 MB
/// of RGBA each.
const MAX_SHEET_PIXELS: u64 = 80_000_000;

/// Where the tiles of a sheet go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SheetLayout {
    columns: usize,
    gap: u32,
    width: u32,
    height: u32,
}

impl SheetLayout {
    fn new(count: usize, columns: Option<usize>, (w, h): (u32, u32)) -> anyhow::Result<Self> {
        if !(1..=256).contains(&count) {
            bail!("--count must be 1 to 256, got {count}");
        }
        let columns = match columns {
            Some(c) if !(1..=count).contains(&c) => {
                bail!("--columns must be 1 to {count} (the --count), got {c}")
            }
            Some(c) => c,
            None => (count as f64).sqrt().ceil() as usize,
        };
        let rows = count.div_ceil(columns) as u64;
        let gap = (w / 20).max(4);
        let width = columns as u64 * u64::from(w + gap) + u64::from(gap);
        let height = rows * u64::from(h + gap) + u64::from(gap);
        let tiles = count as u64 * u64::from(w) * u64::from(h);
        if width.saturating_mul(height) > MAX_SHEET_PIXELS || tiles > MAX_SHEET_PIXELS {
            bail!(
                "a sheet of {count} portraits of {w}×{h} would be {width}×{height} pixels, over \
                 the {} MP limit; use a smaller --size or --count",
                MAX_SHEET_PIXELS / 1_000_000
            );
        }
        Ok(SheetLayout {
            columns,
            gap,
            width: width as u32,
            height: height as u32,
        })
    }
}

/// The image size for a long edge of `long` pixels in the style's aspect ratio.
fn dimensions(style: &Style, long: u32) -> anyhow::Result<(u32, u32)> {
    let (min, max) = (likeness_paint::Size::MIN, likeness_paint::Size::MAX);
    if !(min..=max).contains(&long) {
        bail!("--size must be {min} to {max} pixels, got {long}");
    }
    let (w, h) = (style.aspect_ratio.w, style.aspect_ratio.h);
    let short = |a: u32, b: u32| {
        ((u64::from(long) * u64::from(b) + u64::from(a) / 2) / u64::from(a)).max(u64::from(min))
            as u32
    };
    Ok(if w >= h {
        (long, short(w, h))
    } else {
        (short(h, w), long)
    })
}

/// A subject that exists only for this drawing.
fn subject(
    id: &str,
    name: &str,
    gender: &str,
    age: Option<u32>,
    attributes: Map<String, Value>,
) -> anyhow::Result<Subject> {
    if !["man", "woman", "person"].contains(&gender) {
        bail!("--gender must be man, woman or person, got {gender:?}");
    }
    let mut fields = json!({"id": id, "gender": gender, "attributes": attributes});
    if !name.trim().is_empty() {
        fields["name"] = json!(name);
    }
    if let Some(age) = age {
        if age > 130 {
            bail!("--age {age} is not a human age");
        }
        // 1 January of the year before: the age holds on any day of this year.
        let year = i64::from(chrono::Utc::now().date_naive().year()) - i64::from(age) - 1;
        fields["birth_date"] = json!(format!("{year:04}-01-01"));
    }
    likeness_subjects::subject_from_json(fields.as_object().expect("an object"), Source::Api)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn draw(
    builtin: &Builtin,
    style: &Arc<Style>,
    subject: Subject,
    seed: &str,
    size: (u32, u32),
    options: &Map<String, Value>,
) -> anyhow::Result<Vec<u8>> {
    Builtin::recipe(style, options)?; // refuse bad options once, not once per portrait
    let request = request(style, subject, seed, size, options);
    Ok(builtin.generate(request).await?.bytes)
}

/// What the built-in provider is asked for: the prompt is not used by the renderer.
fn request(
    style: &Arc<Style>,
    subject: Subject,
    seed: &str,
    (width, height): (u32, u32),
    options: &Map<String, Value>,
) -> GenerateRequest {
    let today = chrono::Utc::now().date_naive();
    GenerateRequest {
        style: style.clone(),
        model: None,
        prompt: String::new(),
        negative_prompt: None,
        width,
        height,
        seed: seed.to_string(),
        demographics: subject.demographics(today),
        subject,
        references: Vec::new(),
        steps: None,
        identity_weight: None,
        renderer_options: options.clone(),
        progress: None,
    }
}

#[derive(Clone, Copy)]
enum ImageFormat {
    Png,
    Webp,
    Svg,
}

impl ImageFormat {
    fn from_path(path: &Path) -> anyhow::Result<ImageFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("webp") => Ok(ImageFormat::Webp),
            Some("svg") => Ok(ImageFormat::Svg),
            _ => bail!(
                "--out {}: name the file .png, .webp or .svg (the format follows the extension)",
                path.display()
            ),
        }
    }

    fn encode(self, png: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        match self {
            ImageFormat::Png => Ok(png),
            ImageFormat::Svg => bail!("an SVG is drawn, not converted from a PNG"),
            ImageFormat::Webp => {
                let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)?;
                let mut out = std::io::Cursor::new(Vec::new());
                img.write_to(&mut out, image::ImageFormat::WebP)
                    .context("cannot encode WebP")?;
                Ok(out.into_inner())
            }
        }
    }
}

/// Writes beside the target, then renames: `path` is either untouched or complete.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".likeness-")
        .suffix(".part")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_layout_is_bounded_before_drawing() {
        let ok = SheetLayout::new(48, None, (160, 160)).unwrap();
        assert_eq!((ok.columns, ok.gap), (7, 8));
        let big = SheetLayout::new(256, None, (4096, 4096)).unwrap_err();
        assert!(big.to_string().contains("MP limit"), "{big}");
        let zero = SheetLayout::new(4, Some(0), (64, 64)).unwrap_err();
        assert!(
            zero.to_string().contains("--columns must be 1 to 4"),
            "{zero}"
        );
        assert!(SheetLayout::new(4, Some(5), (64, 64)).is_err());
        assert!(SheetLayout::new(0, None, (64, 64)).is_err());
        // One long row of small tiles is as bounded as a square of large ones.
        assert!(SheetLayout::new(256, Some(256), (2048, 64)).is_err());
    }
}
