//! `likeness styles`: the catalog and the exact prompts it produces.

use std::process::ExitCode;

use clap::Subcommand;
use likeness::App;
use likeness::pipeline::prompt_subject;
use serde::Serialize;

use super::output::Output;

#[derive(Debug, Subcommand)]
pub enum StylesCommand {
    /// List the styles (built-in and user files).
    List,
    /// Show a style: version, sizes, provider chain, prompt template, renderer recipe.
    Show { name: String },
    /// Print exactly what a subject's generation would send: the prompt, and for each
    /// provider of the chain whether it is ready and whether reference photos go to it.
    Prompt {
        name: String,
        #[arg(long, value_name = "ID_OR_SLUG")]
        subject: String,
        /// Use this provider (or provider:model) instead of the style's chain.
        #[arg(long, value_name = "NAME")]
        provider: Option<String>,
    },
}

#[derive(Debug, Serialize)]
struct PromptView {
    style: String,
    subject_id: String,
    provider: String,
    /// `local` or `cloud`: cloud prompts carry no names, ids or birth dates unless the style
    /// sets `send_identifiers = true`.
    audience: String,
    prompt: String,
    negative_prompt: Option<String>,
    chain: Vec<LinkView>,
}

/// One provider of the chain, as the prompt command shows it.
#[derive(Debug, Serialize)]
struct LinkView {
    link: String,
    audience: String,
    /// Empty when the provider can be used; else why not (no key, ...).
    not_ready: Option<String>,
    /// Whether a reference photo, when the subject has one, would be sent to it.
    references: &'static str,
    estimated_usd: f64,
}

pub async fn run(app: &App, out: &Output, command: StylesCommand) -> anyhow::Result<ExitCode> {
    match command {
        StylesCommand::List => {
            let styles: Vec<_> = app.catalog.list().collect();
            out.emit(&styles, || {
                for s in &styles {
                    let builtin = if s.renderer.is_some() { "builtin" } else { "-" };
                    println!(
                        "{:<22} v{:<3} {:<9} {:<8} {}",
                        s.name,
                        s.version,
                        format!("{:?}", s.kind).to_lowercase(),
                        builtin,
                        s.title
                    );
                }
            })?;
        }
        StylesCommand::Show { name } => {
            let s = app.catalog.get(&name)?;
            out.emit(s, || {
                println!("{} v{}: {}", s.name, s.version, s.title);
                println!("{}", s.description);
                println!(
                    "aspect ratio: {}   sizes: {:?}   default size: {}",
                    s.aspect_ratio, s.sizes, s.default_size
                );
                let chain: Vec<String> = s.providers.iter().map(|p| p.to_string()).collect();
                println!(
                    "providers: {}   send identifiers: {}",
                    chain.join(" → "),
                    s.send_identifiers
                );
                if let Some(license) = &s.license {
                    println!("licence: {license}");
                }
                if let Some(attribution) = &s.attribution {
                    println!("attribution: {attribution}");
                }
                println!(
                    "origin: {:?}   fingerprint: {}",
                    s.origin,
                    &s.fingerprint[..16.min(s.fingerprint.len())]
                );
                println!("prompt template:\n{}", s.prompt);
                if let Some(n) = &s.negative_prompt {
                    println!("negative prompt:\n{n}");
                }
                match &s.renderer {
                    Some(r) => println!("built-in renderer recipe:\n{r}"),
                    None => println!("built-in renderer: none (needs an image provider)"),
                }
            })?;
        }
        StylesCommand::Prompt {
            name,
            subject,
            provider,
        } => {
            let subject = app.db.find_subject(&subject).await?;
            let style = app.style(&name)?;
            let (chain, _) = app.providers.for_style(&style, provider.as_deref())?;
            let audience = chain.audience();
            let ps = prompt_subject(&subject, app.today);
            let links = match &provider {
                Some(p) => vec![
                    p.parse::<likeness_styles::ProviderRef>()
                        .map_err(anyhow::Error::msg)?,
                ],
                None => style.providers.clone(),
            };
            let (width, height) = style.dimensions(None)?;
            let mut chain_view = Vec::new();
            for l in &links {
                let p = app.providers.get(&l.provider)?;
                let model = l
                    .model
                    .clone()
                    .unwrap_or_else(|| p.default_model().to_string());
                chain_view.push(LinkView {
                    link: format!("{}:{model}", l.provider),
                    audience: p.audience().to_string(),
                    not_ready: p.ready().err().map(|e| e.to_string()),
                    references: match (p.audience(), style.send_references) {
                        (likeness_styles::Audience::Local, _) => "sent (local provider)",
                        (_, true) => "sent (the style sets send_references = true)",
                        (_, false) => "never sent (the style does not set send_references)",
                    },
                    estimated_usd: p.estimate_usd(&model, width, height),
                });
            }
            let v = PromptView {
                style: style.name.clone(),
                subject_id: subject.id.to_string(),
                provider: chain.name().to_string(),
                audience: audience.to_string(),
                prompt: style.render_prompt(&ps, audience)?,
                negative_prompt: style.render_negative_prompt(&ps, audience)?,
                chain: chain_view,
            };
            out.emit(&v, || {
                println!("{}", v.prompt);
                if let Some(n) = &v.negative_prompt {
                    println!("negative: {n}");
                }
                eprintln!();
                eprintln!(
                    "rendered for a {} reader{}",
                    v.audience,
                    if v.audience == "cloud" && !style.send_identifiers {
                        " (no names, ids or birth dates: the style does not set send_identifiers)"
                    } else {
                        ""
                    }
                );
                for (i, l) in v.chain.iter().enumerate() {
                    eprintln!(
                        "{}. {} ({}, {}): reference photos {}{}",
                        i + 1,
                        l.link,
                        l.audience,
                        super::output::price(l.estimated_usd),
                        l.references,
                        l.not_ready
                            .as_ref()
                            .map(|r| format!("; skipped: {r}"))
                            .unwrap_or_default()
                    );
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
