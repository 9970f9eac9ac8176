//! Progress display for install/uninstall: on a terminal, a spinner on the step in progress and
//! a ✓/✗ line when it ends; when stdout is not a terminal, plain lines only (no control codes).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

struct Spinner {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// Steps with an optional spinner, writing to stdout.
pub struct Progress {
    tty: bool,
    label: Option<(String, Instant)>,
    spinner: Option<Spinner>,
}

fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

impl Progress {
    pub fn new(tty: bool) -> Self {
        Self {
            tty,
            label: None,
            spinner: None,
        }
    }

    /// Start a step. On a terminal the spinner runs until [`Progress::end`].
    pub fn begin(&mut self, label: &str) {
        self.stop_spinner();
        self.label = Some((label.to_string(), Instant::now()));
        if !self.tty {
            write_out(&format!("{label} ...\n"));
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let text = label.to_string();
        let task = tokio::spawn(async move {
            let mut frame = 0usize;
            while !flag.load(Ordering::Relaxed) {
                write_out(&format!("\r\x1b[2K{} {text}", FRAMES[frame % FRAMES.len()]));
                frame += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        self.spinner = Some(Spinner { stop, task });
    }

    /// A detail line under the current step (e.g. one object's result).
    pub fn line(&mut self, text: &str) {
        if self.tty {
            write_out(&format!("\r\x1b[2K  {text}\n"));
        } else {
            write_out(&format!("  {text}\n"));
        }
    }

    /// End the current step with a short status (`ok`, `ready`, an error…).
    pub fn end(&mut self, ok: bool, status: &str) {
        self.stop_spinner();
        let Some((label, started)) = self.label.take() else {
            return;
        };
        let secs = started.elapsed().as_secs_f64();
        let took = if secs >= 1.0 {
            format!(" ({secs:.0}s)")
        } else {
            String::new()
        };
        if self.tty {
            let mark = if ok { "✓" } else { "✗" };
            write_out(&format!("\r\x1b[2K{mark} {label}: {status}{took}\n"));
        } else {
            write_out(&format!("{label}: {status}{took}\n"));
        }
    }

    fn stop_spinner(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.stop.store(true, Ordering::Relaxed);
            spinner.task.abort();
            write_out("\r\x1b[2K");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.stop.store(true, Ordering::Relaxed);
            spinner.task.abort();
            if self.tty {
                write_out("\r\x1b[2K");
            }
        }
    }
}
