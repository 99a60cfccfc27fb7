//! The credentials the command line reads, and which server each goes to: the Grafana
//! token (from `GRAFANA_TOKEN` or `--token-file`), and each `--prometheus` server's own
//! sign-in (the `--prometheus-token-file`, or `--prometheus-user` and
//! `--prometheus-password-file`, written after it), or the `PROMETHEUS_*` variables when
//! there is a single server. A credential is never a flag's value (it would show in `ps`
//! and in shell history) and never goes to a server it was not given for.
//!
//! Files are read as ssh reads keys: `-` is standard input (once per run), and a file
//! that group or others can read is used with a warning. A token file's mistakes (a
//! byte-order mark, a `NAME=value` line, two lines) are the core's
//! [`TokenProblem`]s, said with the file's name.

use std::cell::RefCell;
use std::path::Path;

use promnote_core::api::credentials::{Credentials, Token, TokenProblem};

use crate::args::read;
use crate::cli::ConnectArgs;
use crate::term::say;
use crate::Fail;

/// The largest secret file read (a token or a password is a line).
const MAX_SECRET_FILE_BYTES: usize = 64 * 1024;

/// Reads secret files, and standard input for at most one of them.
#[derive(Default)]
pub struct SecretFiles {
    /// The flag that read standard input, once one has.
    stdin_by: RefCell<Option<&'static str>>,
}

impl SecretFiles {
    /// The text of the secret file `path` given to `flag` (`-`: standard input).
    pub fn read_secret(&self, flag: &'static str, path: &Path) -> Result<String, Fail> {
        if path.as_os_str() == "-" {
            if let Some(earlier) = self.stdin_by.replace(Some(flag)) {
                return Err(Fail::input(format!(
                    "{flag} - and {earlier} - both read standard input: it holds one secret, give the other as a file"
                )));
            }
            return read_stdin(flag);
        }
        warn_if_shared(path);
        read(path, MAX_SECRET_FILE_BYTES)
    }
}

fn read_stdin(flag: &str) -> Result<String, Fail> {
    use std::io::Read as _;
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_SECRET_FILE_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| Fail::input(format!("{flag} -: cannot read standard input: {e}")))?;
    if text.len() > MAX_SECRET_FILE_BYTES {
        return Err(Fail::input(format!("{flag} -: standard input holds more than a secret (over 64 KB)")));
    }
    Ok(text)
}

/// Warns, as ssh does for keys, when users other than the owner can read `path`.
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(meta) = std::fs::metadata(path) else { return };
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_file() && mode & 0o044 != 0 {
        say!(
            "promnote: warning: {} holds a secret and other users can read it (mode {mode:o}): chmod 600 {}",
            path.display(),
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_: &Path) {}

/// A token read from `source` (a file's name or a variable), or what is wrong with it.
fn token(raw: &str, source: &str) -> Result<Token, Fail> {
    Token::parse(raw).map_err(|problem| match problem {
        TokenProblem::Empty => Fail::input(format!("{source} holds no token: it is empty")),
        problem => Fail::input(format!("{source} {problem}")),
    })
}

/// A password file's text: its line end goes, nothing else (a password may have spaces).
fn password(raw: &str, source: &str) -> Result<String, Fail> {
    if raw.starts_with('\u{feff}') {
        return Err(Fail::input(format!("{source} {}", TokenProblem::ByteOrderMark)));
    }
    let line = raw.strip_suffix('\n').unwrap_or(raw);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.contains('\n') {
        return Err(Fail::input(format!("{source} {}", TokenProblem::SeveralLines)));
    }
    Ok(line.to_owned())
}

/// The Grafana token: from `--token-file`, else `GRAFANA_TOKEN` (never from a flag).
pub fn grafana_token(args: &ConnectArgs, files: &SecretFiles) -> Result<Token, Fail> {
    match &args.token_file {
        Some(path) => {
            let raw = files.read_secret("--token-file", path)?;
            let source = if path.as_os_str() == "-" {
                "the token on standard input".to_owned()
            } else {
                format!("the token file {}", path.display())
            };
            token(&raw, &source)
        }
        None => match std::env::var("GRAFANA_TOKEN") {
            Ok(raw) => token(&raw, "GRAFANA_TOKEN"),
            Err(_) => Err(Fail::input(
                "--grafana needs a service-account token: set GRAFANA_TOKEN, or give --token-file PATH (Grafana → Administration → Service accounts)",
            )),
        },
    }
}

/// One server's sign-in flags, as written after its `--prometheus`.
#[derive(Default)]
struct Given<'a> {
    token_file: Option<&'a Path>,
    user: Option<&'a str>,
    password_file: Option<&'a Path>,
}

/// Each `--prometheus` server's credentials, in the order the servers were given.
pub fn direct_credentials(args: &ConnectArgs, files: &SecretFiles) -> Result<Vec<Credentials>, Fail> {
    let given = tie_to_servers(args)?;
    let from_env = environment_credentials()?;
    let unsigned = given
        .iter()
        .filter(|g| g.token_file.is_none() && g.user.is_none() && g.password_file.is_none())
        .count();
    if !matches!(from_env, Credentials::Anonymous) && given.len() > 1 && unsigned > 0 {
        return Err(Fail::input(format!(
            "PROMETHEUS_TOKEN or PROMETHEUS_USER is set and there are {} --prometheus servers: it would be sent to each. Give each server its own sign-in after it (--prometheus-token-file, or --prometheus-user and --prometheus-password-file; the same file twice if they share one)",
            given.len()
        )));
    }
    if !matches!(from_env, Credentials::Anonymous) && !given.is_empty() && unsigned == 0 {
        say!("promnote: warning: PROMETHEUS_TOKEN/PROMETHEUS_USER is not used: every --prometheus has its own sign-in");
    }
    given
        .iter()
        .zip(&args.prometheus)
        .map(|(g, url)| match (g.token_file, g.user, g.password_file) {
            (None, None, None) => Ok(from_env.clone()),
            (Some(path), None, None) => {
                let raw = files.read_secret("--prometheus-token-file", path)?;
                token(&raw, &format!("the token file {} (for {url})", path.display()))
                    .map(Credentials::Bearer)
            }
            (None, Some(user), Some(path)) => {
                let raw = files.read_secret("--prometheus-password-file", path)?;
                let secret = password(&raw, &format!("the password file {} (for {url})", path.display()))?;
                Credentials::basic(user, &secret).map_err(|e| Fail::input(format!("--prometheus-user: {e}")))
            }
            (Some(_), _, _) => {
                Err(Fail::input(format!("{url} has both a token file and a user: give it one sign-in")))
            }
            (None, Some(_), None) => Err(Fail::input(format!(
                "{url} has --prometheus-user but no --prometheus-password-file after it"
            ))),
            (None, None, Some(_)) => Err(Fail::input(format!(
                "{url} has --prometheus-password-file but no --prometheus-user after it"
            ))),
        })
        .collect()
}

/// Each sign-in flag goes to the `--prometheus` written last before it.
fn tie_to_servers(args: &ConnectArgs) -> Result<Vec<Given<'_>>, Fail> {
    let at = &args.positions;
    let mut given: Vec<Given<'_>> = args.prometheus.iter().map(|_| Given::default()).collect();
    let owner = |flag: &str, position: usize| {
        at.prometheus.iter().rposition(|&p| p < position).ok_or_else(|| {
            Fail::input(format!(
                "{flag} comes before any --prometheus: write it after the server it signs in to"
            ))
        })
    };
    let twice = |flag: &str, k: usize| {
        Fail::input(format!("{} has {flag} twice: give it once, after the server", args.prometheus[k]))
    };
    for (path, &position) in args.prometheus_token_file.iter().zip(&at.token_file) {
        let k = owner("--prometheus-token-file", position)?;
        if given[k].token_file.replace(path).is_some() {
            return Err(twice("--prometheus-token-file", k));
        }
    }
    for (user, &position) in args.prometheus_user.iter().zip(&at.user) {
        let k = owner("--prometheus-user", position)?;
        if given[k].user.replace(user).is_some() {
            return Err(twice("--prometheus-user", k));
        }
    }
    for (path, &position) in args.prometheus_password_file.iter().zip(&at.password_file) {
        let k = owner("--prometheus-password-file", position)?;
        if given[k].password_file.replace(path).is_some() {
            return Err(twice("--prometheus-password-file", k));
        }
    }
    Ok(given)
}

/// `PROMETHEUS_TOKEN` (bearer), or `PROMETHEUS_USER` and `PROMETHEUS_PASSWORD` (Basic),
/// or nothing.
fn environment_credentials() -> Result<Credentials, Fail> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("PROMETHEUS_TOKEN"), var("PROMETHEUS_USER"), var("PROMETHEUS_PASSWORD")) {
        (Some(_), Some(_), _) => {
            Err(Fail::input("set PROMETHEUS_TOKEN or PROMETHEUS_USER/PROMETHEUS_PASSWORD, not both"))
        }
        (Some(raw), None, _) => token(&raw, "PROMETHEUS_TOKEN").map(Credentials::Bearer),
        (None, Some(user), password) => Credentials::basic(&user, &password.unwrap_or_default())
            .map_err(|e| Fail::input(format!("PROMETHEUS_USER: {e}"))),
        (None, None, Some(_)) => Err(Fail::input("PROMETHEUS_PASSWORD is set but PROMETHEUS_USER is not")),
        (None, None, None) => Ok(Credentials::Anonymous),
    }
}
