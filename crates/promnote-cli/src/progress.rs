//! Progress on stderr: a bar per report (datasources answered, bytes received) when
//! stderr is a terminal and the user did not ask for quiet; nothing otherwise, so that
//! scripts and CI logs get only warnings and errors.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar labelled `label` if stderr is a terminal and `quiet` is off.
    pub fn new(label: &str, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} answered, {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(crate::term::escape(label).into_owned());
        Self { bar: Some(bar) }
    }

    /// The run has `jobs` datasource queries.
    pub fn start(&self, jobs: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(jobs as u64);
            bar.set_position(0);
        }
    }

    /// One more datasource answered; `bytes` received so far.
    pub fn answered(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("{:.1} MB", bytes as f64 / 1e6));
        }
    }

    /// The run is over: the bar goes.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
