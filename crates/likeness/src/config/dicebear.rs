//! `[dicebear]`: the DiceBear-compatible routes (`/11.x/{style}/{format}`, `http/dicebear.rs`).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DicebearConfig {
    /// The largest PNG, JPEG or WebP side drawn; a larger `size` gets this one, as on DiceBear's
    /// server (whose public instance caps at 256). SVGs are not capped: they cost the same at
    /// any size.
    pub max_size: u32,
    /// Memory for answers already drawn (0: draw every request).
    pub cache_bytes: u64,
    /// Keep drawn PNGs, JPEGs and WebPs in the store too (private keys under `_cache/dicebear/`,
    /// which `likeness sweep` removes like any unreferenced object), so a restart does not draw
    /// them again. Off: memory only, and an open server writes nothing to disk for them.
    pub store_rasters: bool,
}

impl Default for DicebearConfig {
    fn default() -> Self {
        DicebearConfig {
            max_size: 256,
            cache_bytes: 32 * 1024 * 1024,
            store_rasters: true,
        }
    }
}

impl DicebearConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        use crate::bounds::check;
        check("dicebear.max_size", self.max_size, 1..=4096)?;
        check("dicebear.cache_bytes", self.cache_bytes, 0..=16 << 30)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn the_section_is_checked_by_name() {
        let c = Config::parse("[dicebear]\nmax_size = 512\nstore_rasters = false\n").unwrap();
        assert_eq!(
            (c.dicebear.max_size, c.dicebear.store_rasters),
            (512, false)
        );
        assert_eq!(Config::default().dicebear.max_size, 256);
        for text in [
            "[dicebear]\nmax_size = 0\n",
            "[dicebear]\nmax_size = 5000\n",
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains("dicebear.max_size"), "{err}");
        }
        let err = Config::parse("[dicebear]\ncache_bytes = 99999999999999\n").unwrap_err();
        assert!(err.contains("dicebear.cache_bytes"), "{err}");
        let err = Config::parse("[dicebear]\nmaxsize = 1\n").unwrap_err();
        assert!(err.contains("maxsize"), "{err}");
    }
}
