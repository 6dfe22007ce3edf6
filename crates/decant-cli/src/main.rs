//! `decant`: repair, filter and deduplicate scraped text. A thin layer over the `decant`
//! library: parse flags, build a job, run it, report.

mod args;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

/// Exit statuses (also in the README).
pub mod exit {
    /// Every record was read and written.
    pub const OK: u8 = 0;
    /// The run could not be done (bad input path, unwritable output, …).
    pub const FATAL: u8 = 1;
    /// Bad command-line usage (clap's own status).
    pub const USAGE: u8 = 2;
    /// The run finished, but some records could not be read and were set aside in the
    /// errors file.
    pub const RECORDS_SET_ASIDE: u8 = 3;
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Repair(a) => cmd::repair::run(&a),
        args::Command::Filter(a) => cmd::filter::run(&a),
        args::Command::Dedup(a) => cmd::dedup::run(&a),
        args::Command::Run(a) => cmd::run::run(&a),
        args::Command::Report(a) => cmd::run::report(&a),
        args::Command::Explain(a) => cmd::run::explain(&a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                // `decant … | head` is not an error.
                return ExitCode::from(exit::OK);
            }
            eprintln!("decant: error: {e:#}");
            ExitCode::from(exit::FATAL)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(pipe)
            || matches!(c.downcast_ref::<decant::Error>(), Some(decant::Error::Io { error, .. }) if pipe(error))
    })
}
