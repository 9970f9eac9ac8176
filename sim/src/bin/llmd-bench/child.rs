//! Running one measured child process: wall time from spawn to exit and its peak resident set
//! size, read exactly from the kernel's accounting at reap time (`wait4(2)`'s `ru_maxrss`, in
//! KiB on Linux) rather than by polling `/proc/PID/status`, which misses a peak between polls and
//! cannot be read once the process has exited.
//!
//! One catch: Linux carries the parent's peak into the child. `posix_spawn` (vfork) and `fork`
//! children start on the parent's address space, and `exec` records that address space's
//! high-water mark in the child's `ru_maxrss`. Spawned from the bench — which holds the simulated
//! `large` cluster, hundreds of MiB — every child would report at least that. So children are
//! started by a [`Spawner`]: this same binary re-executed with `--spawner` at the very start,
//! while the bench is still a few MiB, which then spawns and reaps each child on request (JSON
//! lines over its stdin/stdout). A child's `ru_maxrss` is then its own peak, or the spawner's few
//! MiB if that is larger; the bench reports that floor (a `true` process) once.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How much of each output stream is kept (the rest is read and dropped, so that the spawner's
/// own peak stays small whatever the children print).
const KEEP_BYTES: usize = 64 * 1024;

/// What one child run produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildRun {
    pub wall: Duration,
    /// Peak resident set size, KiB.
    pub peak_rss_kib: u64,
    /// Exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// The first [`KEEP_BYTES`] of each stream.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A program to run: what a [`Command`] holds, in a form that crosses the spawner's pipe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub env_remove: Vec<String>,
}

impl Spec {
    pub fn new(program: impl Into<PathBuf>) -> Spec {
        Spec {
            program: program.into(),
            ..Spec::default()
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Spec {
        self.args.push(arg.into());
        self
    }

    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Spec {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Spec {
        self.env.push((key.to_string(), value.into()));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Spec {
        self.env_remove.push(key.to_string());
        self
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        for key in &self.env_remove {
            cmd.env_remove(key);
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }
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

/// Reads a pipe to its end, keeping the first [`KEEP_BYTES`].
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let Some(mut pipe) = pipe else {
            return kept;
        };
        let mut chunk = [0u8; 8192];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    let room = KEEP_BYTES.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A read error only truncates the captured output; the measurement stands.
                Err(_) => break,
            }
        }
        kept
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

/// Spawns `spec` from this process (stdin closed, stdout and stderr captured), waits for it and
/// measures it. See the module docs for why the bench goes through a [`Spawner`] instead.
pub fn run(spec: &Spec) -> std::io::Result<ChildRun> {
    let mut cmd = spec.command();
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

/// The answer of the spawner for one [`Spec`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Reply {
    Ran(ChildRun),
    Failed(String),
}

/// The `--spawner` side: one JSON [`Spec`] per input line, one JSON reply per output line,
/// until the input ends.
pub fn serve_spawner(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let reply = match serde_json::from_str::<Spec>(&line) {
            Ok(spec) => match run(&spec) {
                Ok(run) => Reply::Ran(run),
                Err(e) => Reply::Failed(format!("running {}: {e}", spec.program.display())),
            },
            Err(e) => Reply::Failed(format!("bad request to the spawner: {e}")),
        };
        let text = serde_json::to_string(&reply).map_err(std::io::Error::other)?;
        writeln!(output, "{text}")?;
        output.flush()?;
    }
    Ok(())
}

/// A small helper process (this binary with `--spawner`) that runs children for the bench.
pub struct Spawner {
    process: Child,
    to: Option<ChildStdin>,
    from: BufReader<ChildStdout>,
}

impl Spawner {
    /// Starts `program --spawner`. Call it first thing in `main`, while this process is small.
    pub fn start(program: &std::path::Path) -> std::io::Result<Spawner> {
        let mut process = Command::new(program)
            .arg("--spawner")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let to = process.stdin.take();
        let from = process
            .stdout
            .take()
            .map(BufReader::new)
            .ok_or_else(|| std::io::Error::other("the spawner has no stdout"))?;
        Ok(Spawner { process, to, from })
    }

    /// Runs `spec` in the spawner and waits for its measurement.
    pub fn run(&mut self, spec: &Spec) -> Result<ChildRun, String> {
        let request = serde_json::to_string(spec).map_err(|e| format!("encoding {spec:?}: {e}"))?;
        let to = self.to.as_mut().ok_or("the spawner's input is closed")?;
        writeln!(to, "{request}")
            .and_then(|()| to.flush())
            .map_err(|e| format!("writing to the spawner: {e}"))?;
        let mut line = String::new();
        let n = self
            .from
            .read_line(&mut line)
            .map_err(|e| format!("reading from the spawner: {e}"))?;
        if n == 0 {
            return Err("the spawner exited".into());
        }
        match serde_json::from_str::<Reply>(&line) {
            Ok(Reply::Ran(run)) => Ok(run),
            Ok(Reply::Failed(e)) => Err(e),
            Err(e) => Err(format!("unreadable answer from the spawner: {e}")),
        }
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        // End of input ends the spawner's loop.
        drop(self.to.take());
        let _ = self.process.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_exit_code_output_and_memory() {
        let run = run(&Spec::new("sh").args(["-c", "echo out; echo err >&2; exit 3"])).unwrap();
        assert_eq!(run.code, Some(3));
        assert_eq!(run.stdout, b"out\n");
        assert_eq!(run.first_line(), "err");
        assert!(run.peak_rss_kib > 0, "a shell has a resident set");
    }

    #[test]
    fn a_process_that_grows_reports_the_larger_peak() {
        // `head -c` into a shell variable holds ~32 MiB at once; the small run holds far less.
        let big = run(&Spec::new("sh").args([
            "-c",
            "x=$(head -c 33554432 /dev/zero | tr '\\0' a); echo ${#x}",
        ]))
        .unwrap();
        let small = run(&Spec::new("true")).unwrap();
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
        let spec = Spec::new("sh").args(["-c", "kill -9 $$"]);
        assert_eq!(run(&spec).unwrap().code, None);
    }

    #[test]
    fn wall_time_covers_the_run() {
        let run = run(&Spec::new("sleep").arg("0.2")).unwrap();
        assert!(run.wall >= Duration::from_millis(200), "{:?}", run.wall);
    }

    #[test]
    fn environment_is_set_and_removed() {
        let spec = Spec::new("sh")
            .args(["-c", "echo \"${A-unset}/${HOME}\""])
            .env("A", "x")
            .env("HOME", "/h");
        assert_eq!(run(&spec).unwrap().stdout, b"x//h\n");
        let spec = Spec::new("sh")
            .args(["-c", "echo \"${HOME-unset}\""])
            .env_remove("HOME");
        assert_eq!(run(&spec).unwrap().stdout, b"unset\n");
    }

    #[test]
    fn output_beyond_the_kept_bytes_is_dropped() {
        let spec = Spec::new("sh").args(["-c", "head -c 200000 /dev/zero"]);
        let run = run(&spec).unwrap();
        assert_eq!(run.code, Some(0));
        assert_eq!(run.stdout.len(), KEEP_BYTES);
    }

    #[test]
    fn the_spawner_protocol_round_trips() {
        let requests = [
            serde_json::to_string(&Spec::new("sh").args(["-c", "exit 4"])).unwrap(),
            "not json".to_string(),
            serde_json::to_string(&Spec::new("/nonexistent/program")).unwrap(),
        ]
        .join("\n");
        let mut out = Vec::new();
        serve_spawner(requests.as_bytes(), &mut out).unwrap();
        let replies: Vec<Reply> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(matches!(&replies[0], Reply::Ran(r) if r.code == Some(4)));
        assert!(matches!(&replies[1], Reply::Failed(e) if e.contains("bad request")));
        assert!(matches!(&replies[2], Reply::Failed(e) if e.contains("/nonexistent/program")));
    }
}
