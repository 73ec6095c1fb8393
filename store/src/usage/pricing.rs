//! Model prices: the table that ships with Spaces (`assets/pricing.toml`), a user's
//! `pricing.toml` over it, and the rule that finds a model's price from the name a transcript
//! gives (the longest known prefix). No SQL here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The table compiled into Spaces.
pub const BUILT_IN_PRICING: &str = include_str!("../../../assets/pricing.toml");

/// The name of the file in the data directory that overrides and extends the built-in table.
pub const PRICING_FILE_NAME: &str = "pricing.toml";

/// Why a pricing file could not be used. The table it would have changed still works.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// The file exists but could not be read.
    #[error("could not read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML in the pricing format.
    #[error("{} is not a valid price table: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    /// A price is negative or not a number.
    #[error("{}: model {model}: {field} must be a price of zero or more", path.display())]
    Invalid {
        path: PathBuf,
        model: String,
        field: &'static str,
    },
}

/// Rates in US dollars per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    pub input: f64,
    pub output: f64,
    /// Cached input; the input rate when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    /// 5-minute cache writes; 1.25 x input when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_5m: Option<f64>,
    /// 1-hour cache writes; 2 x input when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
}

impl Rates {
    /// The cached-input rate in force.
    pub fn cache_read_rate(&self) -> f64 {
        self.cache_read.unwrap_or(self.input)
    }

    /// The 5-minute cache-write rate in force.
    pub fn cache_write_5m_rate(&self) -> f64 {
        self.cache_write_5m.unwrap_or(self.input * 1.25)
    }

    /// The 1-hour cache-write rate in force.
    pub fn cache_write_1h_rate(&self) -> f64 {
        self.cache_write_1h.unwrap_or(self.input * 2.0)
    }

    fn check(&self, path: &Path, model: &str) -> Result<(), PricingError> {
        let fields = [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("cache_read", self.cache_read),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
        ];
        for (field, value) in fields {
            if value.is_some_and(|value| !(value.is_finite() && value >= 0.0)) {
                return Err(PricingError::Invalid {
                    path: path.to_owned(),
                    model: model.to_owned(),
                    field,
                });
            }
        }
        Ok(())
    }
}

/// One model's price: its base rates, and the rates of responses whose prompt is above
/// 200,000 tokens when the model has such a tier.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ModelPrice {
    pub base: Rates,
    pub long_context: Option<Rates>,
}

impl ModelPrice {
    /// The rates of a response, by whether its prompt was above the long-context threshold.
    pub fn rates(&self, long_context: bool) -> &Rates {
        match (&self.long_context, long_context) {
            (Some(long), true) => long,
            _ => &self.base,
        }
    }
}

/// The file format: `[models."<name>"]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[serde(default)]
    models: BTreeMap<String, PriceEntry>,
}

/// One `[models."<name>"]` table as written (serde's `flatten` would let typos through).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceEntry {
    input: f64,
    output: f64,
    #[serde(default)]
    cache_read: Option<f64>,
    #[serde(default)]
    cache_write_5m: Option<f64>,
    #[serde(default)]
    cache_write_1h: Option<f64>,
    #[serde(default)]
    long_context: Option<Rates>,
}

impl From<PriceEntry> for ModelPrice {
    fn from(entry: PriceEntry) -> Self {
        Self {
            base: Rates {
                input: entry.input,
                output: entry.output,
                cache_read: entry.cache_read,
                cache_write_5m: entry.cache_write_5m,
                cache_write_1h: entry.cache_write_1h,
            },
            long_context: entry.long_context,
        }
    }
}

/// A price table: model name (or name prefix) to price.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Pricing {
    models: BTreeMap<String, ModelPrice>,
}

impl Pricing {
    /// The table compiled into Spaces. (A test parses it, so it is never empty in practice;
    /// should it ever fail to parse, the error is logged and every model reads as unpriced,
    /// which is honest rather than wrong.)
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN_PRICING, Path::new("assets/pricing.toml")).unwrap_or_else(|error| {
            tracing::error!(%error, "the built-in price table is broken");
            Self::default()
        })
    }

    /// Reads a table in the `pricing.toml` format; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, PricingError> {
        let file: PriceFile = toml::from_str(text).map_err(|error| PricingError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        let models: BTreeMap<String, ModelPrice> = file
            .models
            .into_iter()
            .map(|(model, entry)| (model, ModelPrice::from(entry)))
            .collect();
        for (model, price) in &models {
            price.base.check(path, model)?;
            if let Some(long) = &price.long_context {
                long.check(path, model)?;
            }
        }
        Ok(Self { models })
    }

    /// This table with `other`'s entries added, replacing any of the same name.
    pub fn overridden_by(mut self, other: Pricing) -> Self {
        self.models.extend(other.models);
        self
    }

    /// The built-in table with the data directory's `pricing.toml` over it, when there is one.
    /// A broken file is returned as the error beside the built-in table, which still works:
    /// the caller shows the error and prices with what it has.
    pub fn load(data_dir: &Path) -> (Self, Option<PricingError>) {
        let built_in = Self::built_in();
        let path = data_dir.join(PRICING_FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return (built_in, None),
            Err(source) => return (built_in, Some(PricingError::Read { path, source })),
        };
        match Self::parse(&text, &path) {
            Ok(overrides) => (built_in.overridden_by(overrides), None),
            Err(error) => (built_in, Some(error)),
        }
    }

    /// Adds or replaces one model's price.
    pub fn insert(&mut self, model: impl Into<String>, price: ModelPrice) {
        self.models.insert(model.into(), price);
    }

    /// The names the table knows, sorted.
    pub fn model_names(&self) -> impl Iterator<Item = &str> {
        self.models.keys().map(String::as_str)
    }

    /// The price of `model`: its exact entry, else the longest known name that is a prefix of
    /// it ending on a `-` or `@` boundary (`claude-sonnet-4-5-20250929` and
    /// `claude-sonnet-4-5@20250929` read as `claude-sonnet-4-5`). `None`: unpriced.
    pub fn price_of(&self, model: &str) -> Option<(&str, &ModelPrice)> {
        if let Some((name, price)) = self.models.get_key_value(model) {
            return Some((name.as_str(), price));
        }
        let mut end = model.len();
        while let Some(boundary) = model[..end].rfind(['-', '@']) {
            let prefix = &model[..boundary];
            if let Some((name, price)) = self.models.get_key_value(prefix) {
                return Some((name.as_str(), price));
            }
            end = boundary;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            base: Rates {
                input,
                output,
                cache_read: None,
                cache_write_5m: None,
                cache_write_1h: None,
            },
            long_context: None,
        }
    }

    #[test]
    fn the_built_in_table_parses_and_names_the_reference_models() {
        let pricing = Pricing::parse(BUILT_IN_PRICING, Path::new("built-in")).expect("parses");
        for model in [
            "claude-opus-4-5",
            "claude-sonnet-4-5",
            "claude-haiku-4-5",
            "gpt-5",
            "gpt-5-codex",
            "gpt-5.1-codex",
            "gpt-5.2-codex",
            "gemini-2.5-pro",
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
        ] {
            assert!(pricing.price_of(model).is_some(), "{model} has no price");
        }
        // The reference's long-context figures for claude-sonnet-4-5.
        let (_, sonnet) = pricing.price_of("claude-sonnet-4-5").expect("priced");
        let long = sonnet.long_context.expect("has a long-context tier");
        assert_eq!(
            (
                long.input,
                long.output,
                long.cache_read_rate(),
                long.cache_write_5m_rate()
            ),
            (6.0, 22.5, 0.60, 7.50)
        );
    }

    #[test]
    fn dated_names_match_the_longest_known_prefix_on_a_boundary() {
        let mut pricing = Pricing::default();
        pricing.insert("claude-sonnet-4", price(1.0, 1.0));
        pricing.insert("claude-sonnet-4-5", price(3.0, 15.0));
        pricing.insert("gpt-5", price(1.25, 10.0));
        let name = |model: &str| pricing.price_of(model).map(|(name, _)| name.to_owned());
        assert_eq!(
            name("claude-sonnet-4-5-20250929").as_deref(),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(
            name("claude-sonnet-4-5@20250929").as_deref(),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(
            name("claude-sonnet-4-20250514").as_deref(),
            Some("claude-sonnet-4")
        );
        assert_eq!(name("gpt-5").as_deref(), Some("gpt-5"));
        // A prefix that does not end on a boundary is another model, never a guess.
        assert_eq!(name("claude-sonnet-45"), None);
        assert_eq!(name("gpt-5.9"), None);
        assert_eq!(name("llama-3"), None);
    }

    #[test]
    fn an_override_replaces_and_extends_and_a_broken_one_leaves_the_built_in_table() {
        let directory = tempfile::tempdir().expect("temporary directory");
        std::fs::write(
            directory.path().join(PRICING_FILE_NAME),
            "[models.\"claude-sonnet-4-5\"]\ninput = 4.0\noutput = 20.0\n\n\
             [models.\"my-local-model\"]\ninput = 0.5\noutput = 1.0\n",
        )
        .expect("write");
        let (pricing, error) = Pricing::load(directory.path());
        assert!(error.is_none());
        let (_, sonnet) = pricing
            .price_of("claude-sonnet-4-5-20250929")
            .expect("priced");
        assert_eq!((sonnet.base.input, sonnet.base.output), (4.0, 20.0));
        assert!(pricing.price_of("my-local-model").is_some());
        assert!(
            pricing.price_of("claude-haiku-4-5").is_some(),
            "built-in kept"
        );

        std::fs::write(
            directory.path().join(PRICING_FILE_NAME),
            "[models.\"x\"]\ninput = \"cheap\"\n",
        )
        .expect("write");
        let (pricing, error) = Pricing::load(directory.path());
        let error = error.expect("a broken file is reported");
        assert!(error.to_string().contains("pricing.toml"), "{error}");
        assert_eq!(pricing, Pricing::built_in());

        std::fs::write(
            directory.path().join(PRICING_FILE_NAME),
            "[models.\"x\"]\ninput = -1.0\noutput = 1.0\n",
        )
        .expect("write");
        let (_, error) = Pricing::load(directory.path());
        assert!(matches!(
            error,
            Some(PricingError::Invalid { field: "input", .. })
        ));
    }

    #[test]
    fn no_file_is_the_built_in_table() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let (pricing, error) = Pricing::load(directory.path());
        assert!(error.is_none());
        assert_eq!(pricing, Pricing::built_in());
    }
}
