//! `promnote`, the command line over promnote's core: run PromQL and report notebooks
//! against the Prometheus datasources a Grafana knows (or Prometheus servers called
//! directly) and write CSV or JSON; take snapshots that a published promnote site draws
//! without a token. Every rule (times, steps, days, variables, requests, retries,
//! decoding, tables, CSV) is the core's, shared with the page; this crate parses flags
//! into the core's checked types, sends requests, and writes files.

mod args;
mod cli;
mod commands;
mod http;
mod mail;
mod output;
mod progress;
mod proxy;
mod regex;
mod seal;
mod secrets;
mod send;
mod serve;
mod session;
mod site;
mod snapshot;
mod term;
mod tls;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::{Cli, Command, ImportArgs, Positions};
use crate::session::Session;
use crate::term::say;

/// The exit codes, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything answered.
    Ok = 0,
    /// Some datasource failed; the rest was written.
    Partial = 1,
    /// A flag, a time, a variable or a report was wrong.
    Input = 2,
    /// Nothing could be reached, or the token was refused.
    Unreachable = 3,
}

/// A run that stops, with the code to exit with and what to tell the user.
#[derive(Debug)]
pub struct Fail {
    /// The exit code.
    pub code: Exit,
    /// What happened and what to do.
    pub message: String,
}

impl Fail {
    /// A wrong flag, time, variable or report: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Self { code: Exit::Input, message: message.into() }
    }
}

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = Cli::command().get_matches_from(&raw);
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.connect.positions = match Positions::read(&matches, &raw) {
        Ok(positions) => positions,
        Err(message) => {
            say!("promnote: {message}");
            return ExitCode::from(Exit::Input as u8);
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(fail) => {
            say!("promnote: {}", fail.message);
            ExitCode::from(fail.code as u8)
        }
    }
}

fn run(cli: &Cli) -> Result<Exit, Fail> {
    // A dashboard file needs no server, unless one is named (its datasources are kept).
    if let Command::ImportDashboard(args @ ImportArgs { file: Some(_), .. }) = &cli.command {
        if cli.connect.grafana.is_none() && cli.connect.prometheus.is_empty() && cli.connect.replay.is_none()
        {
            return commands::import_dashboard(None, args);
        }
    }
    // The page brings its own token: serving needs none.
    if let Command::Serve(args) = &cli.command {
        return serve::serve(&cli.connect, args);
    }
    // A published folder needs no server.
    match &cli.command {
        Command::SiteIndex(args) => return site::print_index(args),
        Command::Attach(args) => return site::attach(args),
        Command::Send(args) => return send::send(&cli.connect, args, cli.quiet),
        _ => {}
    }
    let (transport, now_ms) = args::transport(&cli.connect, cli.verbose)?;
    let session = Session::new(transport, now_ms, usize::from(cli.connect.parallel));
    match &cli.command {
        Command::Datasources { format } => commands::datasources(&session, *format),
        Command::Query(args) => commands::query(&session, args, cli.quiet),
        Command::Run(args) => commands::run_report(&session, args, cli.quiet),
        Command::Snapshot(args) => snapshot::snapshot(&session, args, cli.quiet),
        Command::ImportDashboard(args) => commands::import_dashboard(Some(&session), args),
        Command::Serve(_) | Command::SiteIndex(_) | Command::Attach(_) | Command::Send(_) => Ok(Exit::Ok),
    }
}
