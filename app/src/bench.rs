//! `spaces bench ...`: throughput of the output pipeline and CPU time of rendering frames.

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub kind: BenchKind,
}

#[derive(Debug, Subcommand)]
pub enum BenchKind {
    /// Output ingest: PTY -> reader -> parser, against a bare PTY drain and a bare parse.
    Ingest {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(_args: &BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("benchmarks are being written")
}
