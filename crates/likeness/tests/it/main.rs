//! The integration tests of likeness, one binary (one link, one build) with a module per area.

mod util;

mod adopt;
mod avatar;
mod builtin_styles;
mod cli;
mod concurrency;
mod crash;
mod dicebear_api;
mod erase;
mod faces;
mod formats;
mod hostile;
mod http;
mod http_inputs;
mod migrate_db;
mod openapi;
mod provider_comfyui;
mod provider_gemini;
mod provider_openai;
mod providers;
mod providers_http;
mod scale;
mod shared_pace;
mod storage;
mod ui;
mod webhooks;
