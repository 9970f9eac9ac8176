//! Running one measured child process: wall time from spawn to exit and its peak resident set
//! size, read exactly from the kernel's accounting at reap time (`wait4(2)`'s `ru_maxrss`, in
//! KiB on Linux) rather than by polling `/proc/PID/status`, which misses a peak between polls and
//! cannot be read once the process has exited.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one child run produced.
#[derive(Debug, Clone)]
pub struct ChildRun {
    pub wall: Duration,
    /// Peak resident set size, KiB.
    pub peak_rss_kib: u64,
    /// Exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ChildRun {
    /// The first line of stderr (or stdout), for error messages.
    pub fn first_line(&self) -> String {
        let text = if self.stderr.is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        String::from_utf8_lossy(text)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error only truncates the captured output; the measurement stands.
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits for `pid` and returns its wait status and resource usage.
fn wait4(pid: u32) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| std::io::Error::other(format!("pid {pid} out of range")))?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers, valid when zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, properly aligned locals for the whole call; `pid`
        // is our own un-reaped child (std's `Child` never waited on it).
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Spawns `cmd` (stdin closed, stdout and stderr captured), waits for it and measures it.
pub fn run(mut cmd: Command) -> std::io::Result<ChildRun> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, usage) = wait4(child.id())?;
    let wall = started.elapsed();
    // Reaped by wait4 above: dropping `child` does not wait again.
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok(ChildRun {
        wall,
        peak_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        code,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_exit_code_output_and_memory() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let run = run(cmd).unwrap();
        assert_eq!(run.code, Some(3));
        assert_eq!(run.stdout, b"out\n");
        assert_eq!(run.first_line(), "err");
        assert!(run.peak_rss_kib > 0, "a shell has a resident set");
    }

    #[test]
    fn a_process_that_grows_reports_the_larger_peak() {
        // `head -c` into a shell variable holds ~32 MiB at once; the small run holds far less.
        let big = run({
            let mut c = Command::new("sh");
            c.args([
                "-c",
                "x=$(head -c 33554432 /dev/zero | tr '\\0' a); echo ${#x}",
            ]);
            c
        })
        .unwrap();
        let small = run(Command::new("true")).unwrap();
        assert_eq!(big.code, Some(0));
        assert!(
            big.peak_rss_kib > small.peak_rss_kib + 16 * 1024,
            "big {} KiB vs small {} KiB",
            big.peak_rss_kib,
            small.peak_rss_kib
        );
    }

    #[test]
    fn a_signalled_process_has_no_exit_code() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "kill -9 $$"]);
        assert_eq!(run(cmd).unwrap().code, None);
    }

    #[test]
    fn wall_time_covers_the_run() {
        let mut cmd = Command::new("sleep");
        cmd.arg("0.2");
        let run = run(cmd).unwrap();
        assert!(run.wall >= Duration::from_millis(200), "{:?}", run.wall);
    }
}
