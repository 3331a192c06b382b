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
    /// Print the exact prompt a subject would get in a style.
    Prompt {
        name: String,
        #[arg(long, value_name = "ID_OR_SLUG")]
        subject: String,
    },
}

#[derive(Debug, Serialize)]
struct PromptView {
    style: String,
    subject_id: String,
    provider: String,
    prompt: String,
    negative_prompt: Option<String>,
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
        StylesCommand::Prompt { name, subject } => {
            let subject = app.db.find_subject(&subject).await?;
            let style = app.style(&name)?;
            let (provider, _) = app.providers.for_style(&style, None)?;
            let audience = provider.audience();
            let ps = prompt_subject(&subject, app.today);
            let v = PromptView {
                style: style.name.clone(),
                subject_id: subject.id.to_string(),
                provider: provider.name().to_string(),
                prompt: style.render_prompt(&ps, audience)?,
                negative_prompt: style.render_negative_prompt(&ps, audience)?,
            };
            out.emit(&v, || {
                println!("{}", v.prompt);
                if let Some(n) = &v.negative_prompt {
                    println!("negative: {n}");
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
