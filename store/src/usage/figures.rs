//! The counting rules: each agent's own token numbers turned into the four figures every
//! report shows (uncached input, output with reasoning, cache writes, cache reads), and their
//! cost at a model's rates.

use serde::Serialize;

use super::pricing::ModelPrice;
use crate::sessions::{Agent, TokenUsage};

/// Token sums as the index holds them: how many responses, and their tokens in each agent's
/// own meaning (see [`TokenUsage`] for what is part of what).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RawCounts {
    pub responses: u64,
    pub tokens: TokenUsage,
}

/// The same tokens in one meaning for every agent; the four billed kinds are disjoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Normalised {
    /// Input not read from a cache.
    pub input: u64,
    /// Output, reasoning (Codex) and thoughts (Gemini) included.
    pub output: u64,
    /// Cache writes kept 5 minutes.
    pub cache_write_5m: u64,
    /// Cache writes kept an hour.
    pub cache_write_1h: u64,
    pub cache_read: u64,
}

impl Normalised {
    /// The rules of `../shared/reference/agent-sessions.md`, per agent:
    /// - Claude: the four counts are already disjoint; `cache_write_1h` is the part of
    ///   `cache_write` kept an hour.
    /// - Codex: cached input is part of input; reasoning is part of output.
    /// - Gemini: cached input is part of input; tool-use prompt tokens are input billed
    ///   beside it; thoughts are billed as output.
    pub(crate) fn from_raw(agent: Agent, raw: &TokenUsage) -> Self {
        match agent {
            Agent::Claude => Self {
                input: raw.input,
                output: raw.output,
                cache_write_5m: raw.cache_write.saturating_sub(raw.cache_write_1h),
                cache_write_1h: raw.cache_write_1h.min(raw.cache_write),
                cache_read: raw.cache_read,
            },
            Agent::Codex => Self {
                input: raw.input.saturating_sub(raw.cache_read),
                output: raw.output,
                cache_read: raw.cache_read,
                ..Self::default()
            },
            Agent::Gemini => Self {
                input: raw
                    .input
                    .saturating_sub(raw.cache_read)
                    .saturating_add(raw.tool),
                output: raw.output.saturating_add(raw.reasoning),
                cache_read: raw.cache_read,
                ..Self::default()
            },
        }
    }

    /// The cost in US dollars at `price`'s rates (its long-context rates when `long_context`).
    pub(crate) fn cost(&self, price: &ModelPrice, long_context: bool) -> f64 {
        let rates = price.rates(long_context);
        let dollars = self.input as f64 * rates.input
            + self.output as f64 * rates.output
            + self.cache_write_5m as f64 * rates.cache_write_5m_rate()
            + self.cache_write_1h as f64 * rates.cache_write_1h_rate()
            + self.cache_read as f64 * rates.cache_read_rate();
        dollars / 1_000_000.0
    }
}

/// What a report says about a set of responses. `cost_usd` is the cost of the priced part;
/// it is `None` when nothing in the set has a price, and `unpriced` says that some tokens
/// (of a model the price table does not know) are counted but not in `cost_usd`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct UsageFigures {
    /// Input not read from a cache.
    pub input_tokens: u64,
    /// Output, with reasoning and thoughts.
    pub output_tokens: u64,
    /// Cache writes (5-minute and 1-hour).
    pub cache_creation_tokens: u64,
    /// Input read from a cache.
    pub cache_read_tokens: u64,
    pub cost_usd: Option<f64>,
    pub unpriced: bool,
    /// Model responses counted.
    pub responses: u64,
}

impl UsageFigures {
    /// Adds the tokens of some responses, with their cost when they have a price.
    pub(crate) fn add(&mut self, tokens: &Normalised, responses: u64, cost: Option<f64>) {
        self.input_tokens += tokens.input;
        self.output_tokens += tokens.output;
        self.cache_creation_tokens += tokens.cache_write_5m + tokens.cache_write_1h;
        self.cache_read_tokens += tokens.cache_read;
        self.responses += responses;
        match cost {
            Some(cost) => self.cost_usd = Some(self.cost_usd.unwrap_or(0.0) + cost),
            None => self.unpriced = true,
        }
    }

    /// Every token counted, of any kind.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens + self.cache_creation_tokens + self.cache_read_tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::pricing::Rates;

    #[test]
    fn gemini_tool_prompt_tokens_are_input_and_thoughts_are_output() {
        // input 5000 of which cached 2000, tool-use prompt 700, output 100, thoughts 40.
        let raw = TokenUsage {
            input: 5000,
            cache_read: 2000,
            tool: 700,
            output: 100,
            reasoning: 40,
            ..TokenUsage::default()
        };
        let tokens = Normalised::from_raw(Agent::Gemini, &raw);
        // uncached 5000 - 2000 + tool 700 = 3700; output 100 + 40 = 140; cached 2000.
        assert_eq!(
            (tokens.input, tokens.output, tokens.cache_read),
            (3700, 140, 2000)
        );
        // At 1 / 10 / 0.1 per million: 3700*1 + 140*10 + 2000*0.1 = 3700 + 1400 + 200 = 5300.
        let price = ModelPrice {
            base: Rates {
                input: 1.0,
                output: 10.0,
                cache_read: Some(0.1),
                cache_write_5m: None,
                cache_write_1h: None,
            },
            long_context: None,
        };
        assert!((tokens.cost(&price, false) - 0.0053).abs() < 1e-12);
        // No long-context tier: a long prompt pays the base rates.
        assert!((tokens.cost(&price, true) - 0.0053).abs() < 1e-12);
    }

    #[test]
    fn claude_cache_writes_without_given_rates_cost_1_25_and_2_times_input() {
        // cache write 1000 of which 1 h 400: 600 at 1.25 x 2 = 2.5, 400 at 2 x 2 = 4.
        let raw = TokenUsage {
            cache_write: 1000,
            cache_write_1h: 400,
            ..TokenUsage::default()
        };
        let tokens = Normalised::from_raw(Agent::Claude, &raw);
        assert_eq!((tokens.cache_write_5m, tokens.cache_write_1h), (600, 400));
        let price = ModelPrice {
            base: Rates {
                input: 2.0,
                output: 0.0,
                cache_read: None,
                cache_write_5m: None,
                cache_write_1h: None,
            },
            long_context: None,
        };
        // 600*2.5 + 400*4 = 1500 + 1600 = 3100 -> $0.0031
        assert!((tokens.cost(&price, false) - 0.0031).abs() < 1e-12);
    }
}
