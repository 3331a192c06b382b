//! A style's fallback chain (`gemini:gemini-3-pro-image → gemini:gemini-2.5-flash-image →
//! builtin`): each link is tried in order until one makes the image. The image records which
//! link made it and why the earlier ones did not. A link without a key is skipped with one
//! warning per process; a cloud link is skipped for requests with reference photos unless the
//! style allows sending them (`send_references = true`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use likeness_styles::{Audience, Style};

use super::{GenerateFuture, GenerateRequest, Provider, ProviderError};

#[derive(Debug, Clone)]
pub struct Link {
    pub provider: Arc<dyn Provider>,
    pub model: Option<String>,
}

impl Link {
    fn label(&self) -> String {
        format!("{}:{}", self.provider.name(), self.model())
    }

    fn model(&self) -> &str {
        self.model
            .as_deref()
            .unwrap_or_else(|| self.provider.default_model())
    }
}

/// Warnings said once per process ("gemini has no key; using the next provider").
#[derive(Debug, Default)]
pub struct Warnings(Mutex<HashSet<String>>);

impl Warnings {
    fn once(&self, key: &str, message: &str) {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen.insert(key.to_string()) {
            tracing::warn!("{message}");
        }
    }
}

#[derive(Debug)]
pub struct Chain {
    links: Vec<Link>,
    warnings: Arc<Warnings>,
}

impl Chain {
    pub fn new(links: Vec<Link>, warnings: Arc<Warnings>) -> Chain {
        assert!(!links.is_empty(), "a chain has at least one link");
        Chain { links, warnings }
    }

    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The link expected to make the images: the first one that is ready.
    pub fn expected(&self) -> &Link {
        self.links
            .iter()
            .find(|l| l.provider.ready().is_ok())
            .unwrap_or(&self.links[0])
    }

    /// Why `link` cannot take this request at all, before calling it.
    fn refuses(&self, link: &Link, request: &GenerateRequest) -> Option<ProviderError> {
        if let Err(e) = link.provider.ready() {
            return Some(e);
        }
        if !request.references.is_empty()
            && link.provider.audience() == Audience::Cloud
            && !request.style.send_references
        {
            return Some(ProviderError::ReferencesNotAllowed {
                provider: link.provider.name().to_string(),
                style: request.style.name.clone(),
            });
        }
        None
    }
}

impl Provider for Chain {
    fn name(&self) -> &'static str {
        self.expected().provider.name()
    }

    fn default_model(&self) -> &str {
        self.expected().model()
    }

    /// Cloud if any link is: the prompt is rendered once, for the strictest reader.
    fn audience(&self) -> Audience {
        if self
            .links
            .iter()
            .any(|l| l.provider.audience() == Audience::Cloud)
        {
            Audience::Cloud
        } else {
            Audience::Local
        }
    }

    fn check_style(&self, style: &Style) -> Result<(), ProviderError> {
        self.links
            .iter()
            .try_for_each(|l| l.provider.check_style(style))
    }

    /// Ok when at least one link can be used; else every link's reason.
    fn ready(&self) -> Result<(), ProviderError> {
        let mut failures = Vec::new();
        let mut last = None;
        for l in &self.links {
            match l.provider.ready() {
                Ok(()) => return Ok(()),
                Err(e) => {
                    failures.push(format!("{}: {e}", l.label()));
                    last = Some(e);
                }
            }
        }
        let last = last.expect("a chain has links");
        Err(if failures.len() == 1 {
            last
        } else {
            ProviderError::ChainFailed {
                failures,
                last: Box::new(last),
            }
        })
    }

    fn estimate_usd(&self, _model: &str, width: u32, height: u32) -> f64 {
        let l = self.expected();
        l.provider.estimate_usd(l.model(), width, height)
    }

    fn concurrency(&self) -> usize {
        self.links
            .iter()
            .map(|l| l.provider.concurrency())
            .max()
            .unwrap_or(1)
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        Box::pin(async move {
            let mut failures: Vec<String> = Vec::new();
            let mut last = None;
            for link in &self.links {
                if let Some(e) = self.refuses(link, &request) {
                    if matches!(
                        e,
                        ProviderError::NoKey { .. } | ProviderError::NotConfigured { .. }
                    ) && self.links.len() > 1
                    {
                        self.warnings.once(
                            link.provider.name(),
                            &format!("{e}; using the next provider of the chain"),
                        );
                    }
                    failures.push(format!("{}: {}: {e}", link.label(), e.code()));
                    last = Some(e);
                    continue;
                }
                let mut req = request.clone();
                req.model = Some(link.model().to_string());
                match link.provider.generate(req).await {
                    Ok(mut g) => {
                        if g.provider.is_empty() {
                            g.provider = link.provider.name().to_string();
                        }
                        g.fallback = failures;
                        return Ok(g);
                    }
                    Err(e) => {
                        failures.push(format!("{}: {}: {e}", link.label(), e.code()));
                        last = Some(e);
                    }
                }
            }
            let last = last.expect("a chain has links");
            if failures.len() == 1 {
                Err(last)
            } else {
                Err(ProviderError::ChainFailed {
                    failures,
                    last: Box::new(last),
                })
            }
        })
    }
}
