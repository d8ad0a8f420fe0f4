//! What a class hits when it follows the help: copies of scenarios, folders,
//! unwritable outputs, and Portuguese from the first command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHECKOUT: &str = include_str!("../../../../scenarios/checkout.toml");
const COMMITTED_SUMMARY: &str = include_str!("../../../../results/checkout/summary.json");

pub(crate) fn hooklab(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hooklab"));
    command
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("HOOKLAB_LANG");
    command
}

/// A class's folder: a copy of the committed results/checkout/summary.json,
/// and a small copy of checkout.toml under `file_name`.
fn classroom(file_name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("results/checkout")).unwrap();
    std::fs::write(
        dir.path().join("results/checkout/summary.json"),
        COMMITTED_SUMMARY,
    )
    .unwrap();
    let file = dir.path().join(file_name);
    std::fs::write(&file, CHECKOUT.replace("orders = 300", "orders = 5")).unwrap();
    (dir, file)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_copy_writes_under_its_own_file_name_and_says_which_file_made_it() {
    let (dir, _) = classroom("my.toml");
    let out = hooklab(dir.path())
        .args(["run", "my.toml", "--clock", "virtual"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let committed = std::fs::read_to_string(dir.path().join("results/checkout/summary.json"));
    assert_eq!(committed.unwrap(), COMMITTED_SUMMARY);
    let mine = std::fs::read_to_string(dir.path().join("runs/my/summary.json")).unwrap();
    let mine: serde_json::Value = serde_json::from_str(&mine).unwrap();
    assert_eq!(mine["scenario"]["file"], "my.toml");
    assert_eq!(mine["scenario"]["orders"], 5);
    let md = std::fs::read_to_string(dir.path().join("runs/my/summary.md")).unwrap();
    assert!(md.contains("`my.toml`"), "{md}");
}

#[test]
fn no_run_rewrites_the_committed_reference_results() {
    // The newcomer's first command (the built-in checkout), a copy named
    // checkout.toml, and the other clock: all go to runs/, none to results/.
    let (dir, _) = classroom("checkout.toml");
    for args in [
        vec!["run", "--clock", "virtual"],
        vec!["run", "checkout.toml", "--clock", "virtual", "--force"],
    ] {
        let out = hooklab(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("runs/checkout"), "{}", stderr(&out));
        let committed = std::fs::read_to_string(dir.path().join("results/checkout/summary.json"));
        assert_eq!(committed.unwrap(), COMMITTED_SUMMARY, "{args:?}");
    }
}

#[test]
fn a_folder_holding_another_files_run_is_refused_with_the_way_out() {
    let (dir, _) = classroom("checkout.toml");
    // runs/checkout/ holds the built-in scenario's run; a different file
    // named checkout.toml would replace it.
    let out = hooklab(dir.path())
        .args(["run", "--clock", "virtual"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = std::fs::read_to_string(dir.path().join("runs/checkout/summary.json")).unwrap();
    let out = hooklab(dir.path())
        .args(["run", "checkout.toml", "--clock", "virtual"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in ["runs/checkout", "checkout.toml", "--out", "--force"] {
        assert!(err.contains(needle), "no {needle} in {err}");
    }
    let after = std::fs::read_to_string(dir.path().join("runs/checkout/summary.json")).unwrap();
    assert_eq!(before, after);
}

#[test]
fn an_unwritable_out_fails_before_the_run() {
    let (dir, _) = classroom("my.toml");
    // A file where a folder should be: no folder can be made under it, for
    // root too (tests may run as root, which ignores permission bits).
    std::fs::write(dir.path().join("blocker"), "").unwrap();
    let out = hooklab(dir.path())
        .args([
            "run",
            "my.toml",
            "--clock",
            "virtual",
            "--out",
            "blocker/out",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("blocker/out"), "{err}");
    assert!(err.contains("before running"), "{err}");
    // Nothing of the run was printed: it never started.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn markdown_without_writing_links_no_chart() {
    let (dir, _) = classroom("my.toml");
    let out = hooklab(dir.path())
        .args([
            "run",
            "my.toml",
            "--clock",
            "virtual",
            "--format",
            "markdown",
            "--no-write",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| poll-1s"), "{md}");
    assert!(!md.contains(".svg"), "{md}");
    assert!(!dir.path().join("runs/my").exists());
    assert!(!dir.path().join("results/my").exists());
}

/// Words a class would see if a line were still English. Lower case, whole
/// words only; flag names (`--orders`, `--every`) and folder names
/// (`results/`) are not in it, since they are the same in both languages.
const ENGLISH: &[&str] = &[
    "usage",
    "options",
    "commands",
    "arguments",
    "print",
    "default",
    "possible",
    "values",
    "the",
    "and",
    "with",
    "which",
    "error",
    "written",
    "known",
    "notified",
    "missed",
    "listening",
    "press",
    "stop",
    "placed",
    "settled",
    "still",
    "wasted",
    "failed",
    "cannot",
    "done",
    "running",
    "reading",
    "writing",
    "delivered",
    "attempt",
    "registered",
    "receiving",
    "placing",
    "learning",
    "outcomes",
    "unexpected",
    "found",
    "invalid",
    "refused",
    "try",
    "sending",
    "signed",
    "unsigned",
    "payment",
    "pending",
    "receiver",
    "wasted",
    "settles",
];

/// The English words in `text`, skipping the one labelled line that quotes
/// another program's own (English) words, and code in backticks.
fn english_in(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            !line
                .trim_start()
                .starts_with("detalhe técnico (mensagem original, em inglês)")
        })
        .flat_map(|line| {
            // Code in backticks (`if assinatura and not valida`, a body
            // sent as is) is the same in every language.
            let prose: String = line
                .split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, part)| part)
                .collect::<Vec<_>>()
                .join(" ");
            prose
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .filter(|w| ENGLISH.contains(&w.as_str()))
                .map(|w| format!("{w:?} in {line:?}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Numbers written with a decimal point in `text` (pt-BR writes `4,8 ms`):
/// a run of digits around exactly one `.` that cannot be a thousands group
/// (`0.289`, `4.8`; `26.214.401` and `127.0.0.1` have more than one dot,
/// and `1.500` is a thousands group). The labelled line quoting another
/// program's words is skipped, as in [`english_in`].
fn decimal_points_in(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            !line
                .trim_start()
                .starts_with("detalhe técnico (mensagem original, em inglês)")
        })
        .flat_map(|line| {
            line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map(|token| token.trim_matches('.'))
                .filter(|token| {
                    let mut parts = token.split('.');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(whole), Some(fraction), None) => {
                            !whole.is_empty()
                                && !fraction.is_empty()
                                && (whole.starts_with('0')
                                    || whole.len() > 3
                                    || fraction.len() != 3)
                        }
                        _ => false,
                    }
                })
                .map(|token| format!("decimal point {token:?} in {line:?}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn pt(cwd: &Path, args: &[&str]) -> Output {
    hooklab(cwd)
        .arg("--lang")
        .arg("pt-BR")
        .args(args)
        .output()
        .unwrap()
}

fn all_text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn every_subcommand_speaks_portuguese_in_help_runs_and_errors() {
    let (dir, _) = classroom("meu.toml");
    let mut seen = Vec::new();
    let commands = [
        "",
        "run",
        "github",
        "github listen",
        "github send",
        "platform",
        "shop",
        "order",
        "report",
        "live",
        "check",
        "new",
        "validate",
        "completions",
        "man",
    ];
    for command in commands {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let out = pt(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        seen.push((format!("{command} --help"), all_text(&out)));
        args.pop();
        args.push("--bogus");
        let out = pt(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{command}");
        seen.push((format!("{command} --bogus"), all_text(&out)));
    }
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let runs: Vec<Vec<String>> = vec![
        vec!["run", "meu.toml", "--clock", "virtual"],
        vec![
            "run",
            "meu.toml",
            "--clock",
            "virtual",
            "--out",
            "meu.toml/x",
        ],
        vec!["report", "runs/meu/", "--out", "relatorio"],
        vec!["report", "nada/"],
        vec!["validate", "meu.toml"],
        vec!["new", "aula"],
        vec!["new", "aula"],
        vec!["order", "--api-key", "k", "--platform", &dead],
        vec![
            "shop",
            "--api-key",
            "k",
            "--platform",
            &dead,
            "--strategy",
            "webhook",
            "--listen",
            "127.0.0.1:0",
        ],
        vec!["github", "send", "push", "--to", &format!("{dead}/webhook")],
        // https on this machine: refused for its scheme, not its host.
        vec![
            "github",
            "send",
            "push",
            "--to",
            &format!("{}/webhook", dead.replace("http://", "https://")),
        ],
        // `hooklab check`'s usage errors.
        vec![
            "check",
            &format!("{dead}/webhook"),
            "--secret",
            "s3cret",
            "--scheme",
            "github",
        ],
        vec!["check", &format!("{dead}/webhook"), "--secret", "s3cret"],
        vec![
            "check",
            &format!("{}/webhook", dead.replace("http://", "https://")),
            "--secret",
            "s3cret",
            "--scheme",
            "github",
        ],
        vec![
            "check",
            // Not a URL at all (an unclosed IPv6 bracket): the "bad URL"
            // refusal, worded in Portuguese.
            "http://[::1/x",
            "--secret",
            "s",
            "--scheme",
            "github",
        ],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(str::to_owned).collect())
    .collect();
    for args in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pt(dir.path(), &args);
        seen.push((args.join(" "), all_text(&out)));
    }
    // The two-terminal demo, and the GitHub listener refusing a forgery.
    let mut platform = spawn_pt(
        dir.path(),
        &[
            "platform",
            "--listen",
            "127.0.0.1:0",
            "--settle-after",
            "100ms",
        ],
    );
    let first = read_line(platform.stdout.as_mut().unwrap());
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let key = read_line(platform.stdout.as_mut().unwrap());
    let key = key.split_whitespace().last().unwrap().to_owned();
    let shop = pt(
        dir.path(),
        &[
            "shop",
            "--platform",
            &address,
            "--api-key",
            &key,
            "--orders",
            "1",
            "--interval",
            "50ms",
        ],
    );
    assert_eq!(shop.status.code(), Some(0), "{}", all_text(&shop));
    seen.push(("shop".to_owned(), all_text(&shop)));
    let rest = read_line(platform.stdout.as_mut().unwrap());
    platform.kill().unwrap();
    platform.wait().unwrap();
    seen.push(("platform".to_owned(), format!("{first}\n{rest}")));

    let mut listen = spawn_pt(
        dir.path(),
        &[
            "github",
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--secret",
            "s3cret",
        ],
    );
    let banner = read_line(listen.stderr.as_mut().unwrap());
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned();
    let forged = pt(
        dir.path(),
        &["github", "send", "push", "--to", &url, "--secret", "guess"],
    );
    assert_eq!(forged.status.code(), Some(1), "{}", all_text(&forged));
    seen.push(("github send (forged): stderr".to_owned(), stderr(&forged)));
    let refused = read_line(listen.stdout.as_mut().unwrap());
    assert!(refused.contains("401"), "{refused}");
    // `hooklab check` against the listener: its scorecard and progress, and
    // a state URL that answers 404.
    let check = pt(
        dir.path(),
        &[
            "check",
            &url,
            "--secret",
            "s3cret",
            "--scheme",
            "github",
            "--timing-samples",
            "20",
        ],
    );
    assert_eq!(check.status.code(), Some(0), "{}", all_text(&check));
    assert!(stderr(&check).contains("[18/18]"), "{}", stderr(&check));
    seen.push(("check (github listen)".to_owned(), all_text(&check)));
    let quiet = pt(
        dir.path(),
        &[
            "check",
            &url,
            "--secret",
            "s3cret",
            "--scheme",
            "github",
            "--timing-samples",
            "0",
            "--format",
            "markdown",
            "--quiet",
        ],
    );
    assert_eq!(stderr(&quiet), "", "--quiet shows no progress");
    let markdown = String::from_utf8_lossy(&quiet.stdout).into_owned();
    assert!(markdown.contains("26.214.401 bytes"), "{markdown}");
    seen.push(("check --format markdown".to_owned(), markdown));
    let base = url.trim_end_matches("/webhook");
    let state = pt(
        dir.path(),
        &[
            "check",
            &url,
            "--secret",
            "s3cret",
            "--scheme",
            "github",
            "--state-url",
            &format!("{base}/no-such-state"),
        ],
    );
    assert_eq!(state.status.code(), Some(2), "{}", all_text(&state));
    assert!(
        stderr(&state).contains("respondeu 404"),
        "{}",
        stderr(&state)
    );
    seen.push(("check --state-url 404".to_owned(), all_text(&state)));
    listen.kill().unwrap();
    listen.wait().unwrap();
    seen.push(("github listen".to_owned(), format!("{banner}\n{refused}")));

    let https = seen
        .iter()
        .filter(|(what, _)| what.contains("https://"))
        .collect::<Vec<_>>();
    assert_eq!(https.len(), 2);
    for (what, text) in https {
        assert!(text.contains("sem TLS"), "{what}: {text}");
    }
    let english: Vec<String> = seen
        .iter()
        .flat_map(|(what, text)| {
            english_in(text)
                .into_iter()
                .chain(decimal_points_in(text))
                .map(move |e| format!("{what}: {e}"))
        })
        .collect();
    assert!(
        english.is_empty(),
        "English in pt-BR output:\n{}",
        english.join("\n")
    );
}

/// `hooklab platform --help` once said "one line per request", but the
/// shop's polls reach only the shop's terminal: the help says what the
/// platform's terminal shows, and where the polls are.
#[test]
fn the_platform_help_says_what_its_terminal_prints() {
    let dir = tempfile::tempdir().unwrap();
    let help = |lang: &str| {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "platform", "--help"])
            .output()
            .unwrap();
        // clap wraps the text at the terminal's width: one line of words.
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (en, pt) = (help("en"), help("pt-BR"));
    assert!(!en.contains("per request"), "{en}");
    assert!(en.contains("one line per settlement"), "{en}");
    assert!(en.contains("polls are printed in its own terminal"), "{en}");
    assert!(!pt.contains("por requisição"), "{pt}");
    assert!(pt.contains("uma linha por liquidação"), "{pt}");
    assert!(
        pt.contains("as consultas da loja aparecem no terminal dela"),
        "{pt}"
    );

    // And it is so: a polling shop's polls are in its output, not the
    // platform's.
    let (mut platform, mut stdout, address, key) =
        platform_process(dir.path(), &["--settle-after", "100ms"]);
    let stdout = &mut stdout;
    let shop = hooklab(dir.path())
        .args([
            "shop",
            "--platform",
            &address,
            "--api-key",
            &key,
            "--strategy",
            "poll",
            "--orders",
            "1",
            "--interval",
            "30ms",
        ])
        .output()
        .unwrap();
    assert_eq!(shop.status.code(), Some(0), "{}", all_text(&shop));
    let shop_out = String::from_utf8_lossy(&shop.stdout);
    assert!(shop_out.lines().any(|l| l.contains(" poll ")), "{shop_out}");
    // Every line up to the settlement (which must come), then what else it
    // had printed when it was stopped.
    let mut lines = Vec::new();
    loop {
        let line = read_line(stdout);
        assert!(!line.is_empty(), "the platform stopped early: {lines:?}");
        let settled = line.contains(" settled ");
        lines.push(line);
        if settled {
            break;
        }
    }
    platform.0.kill().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(stdout, &mut rest).unwrap();
    lines.extend(rest.lines().map(str::to_owned));
    assert!(
        lines.iter().all(|l| !l.contains(" poll")),
        "a poll in the platform's terminal: {lines:?}"
    );
}

/// `hooklab github`'s usage mistakes were "uso inválido" with the reason in
/// English beneath: the reason itself is said in Portuguese now.
#[test]
fn github_usage_mistakes_are_said_in_portuguese() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["github", "send", "push", "--repo", "sozinho"],
            "--repo deve ser dono/nome (recebido `sozinho`)",
        ),
        (
            &["github", "listen", "--listen", "127.0.0.1:0"],
            "dê o segredo do webhook com --secret",
        ),
        (
            &[
                "github",
                "listen",
                "--listen",
                "127.0.0.1:0",
                "--secret",
                "s",
                "--path",
                "x",
            ],
            "--path deve começar com `/`",
        ),
    ];
    for (args, said) in cases {
        let out = pt(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = stderr(&out);
        assert!(text.contains(said), "{args:?}: {text}");
        assert!(!text.contains("em inglês"), "{args:?}: {text}");
    }
}

/// Flags of `hooklab shop` that cannot work together are bad usage (exit
/// 2), found before any order: they exited 1, as a failure while running.
#[test]
fn impossible_shop_flags_are_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let dead = format!("http://127.0.0.1:{}", dead_port());
    for (args, said) in [
        (vec!["--interval", "0"], "--interval deve ser maior que 0"),
        (
            vec!["--strategy", "long-poll", "--interval", "10m"],
            "--interval é a espera do long poll",
        ),
    ] {
        let mut all = vec!["shop", "--api-key", "k", "--platform", &dead];
        all.extend(args);
        let out = pt(dir.path(), &all);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {}", all_text(&out));
        assert!(stderr(&out).contains(said), "{all:?}: {}", stderr(&out));
    }
}

/// A child process killed when dropped, so a failing test leaves no server
/// running.
/// `hooklab platform` on a free loopback port with `extra` flags, running
/// in `dir`: the process (killed when dropped), its standard output after
/// the two lines it was read from, its address and its API key.
pub(crate) fn platform_process(
    dir: &Path,
    extra: &[&str],
) -> (Killed, std::process::ChildStdout, String, String) {
    let child = hooklab(dir)
        .args(["platform", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut platform = Killed(child);
    let mut stdout = platform.0.stdout.take().unwrap();
    let first = read_line(&mut stdout);
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let key = read_line(&mut stdout);
    let key = key.split_whitespace().last().unwrap().to_owned();
    (platform, stdout, address, key)
}

pub(crate) struct Killed(pub(crate) std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_pt(cwd: &Path, args: &[&str]) -> std::process::Child {
    hooklab(cwd)
        .arg("--lang")
        .arg("pt-BR")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// One line of a child's output, waiting for it (no sleep: a blocking read).
pub(crate) fn read_line(stream: &mut impl std::io::Read) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stream.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    String::from_utf8_lossy(&line).into_owned()
}

#[test]
fn new_writes_a_commented_scenario_that_validates_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = hooklab(dir.path())
        .args(["new", "minha-loja"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("minha-loja.toml")).unwrap();
    assert!(
        text.starts_with("# minha-loja: made by `hooklab new`"),
        "{text}"
    );
    assert!(text.contains("name = \"minha-loja\""), "{text}");
    assert!(text.contains("scenarios/README.md"), "{text}");
    let again = hooklab(dir.path())
        .args(["new", "minha-loja"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("minha-loja.toml")).unwrap(),
        text
    );
    // The refusal names the way to overwrite, in both languages, and
    // --force takes it: the edited file is replaced by a fresh one.
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let pt = hooklab(dir.path())
        .args(["--lang", "pt-BR", "new", "minha-loja"])
        .output()
        .unwrap();
    assert_eq!(pt.status.code(), Some(2));
    assert!(
        stderr(&pt)
            .contains("já existe; escolha outro nome, ou acrescente --force para sobrescrevê-lo"),
        "{}",
        stderr(&pt)
    );
    std::fs::write(dir.path().join("minha-loja.toml"), "edited\n").unwrap();
    let forced = hooklab(dir.path())
        .args(["new", "minha-loja", "--force"])
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("minha-loja.toml")).unwrap(),
        text
    );
    // A folder of that name is never replaced.
    std::fs::create_dir(dir.path().join("pasta.toml")).unwrap();
    let folder = hooklab(dir.path())
        .args(["new", "pasta", "--force"])
        .output()
        .unwrap();
    assert_eq!(folder.status.code(), Some(2), "{}", stderr(&folder));
    assert!(
        stderr(&folder).contains("is a folder"),
        "{}",
        stderr(&folder)
    );

    std::fs::write(dir.path().join("bad.toml"), "name = \"x\"\nseed = = 1\n").unwrap();
    let out = hooklab(dir.path())
        .args(["validate", "minha-loja.toml", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let errors = stderr(&out);
    let lines: Vec<&str> = errors.lines().collect();
    // One line on stdout for a valid file; the whole located message, with
    // the line it points at, on stderr with the error for an invalid one.
    assert_eq!(
        stdout.trim_end(),
        "minha-loja.toml: ok (3 strategies, 300 orders)",
        "{stdout}"
    );
    assert!(lines[0].starts_with("bad.toml:2:8:"), "{errors}");
    assert!(lines[1].contains("seed = = 1"), "{errors}");
    assert!(errors.contains("1 of 2 files are invalid"), "{errors}");

    // The same in Portuguese, with the Portuguese field guide.
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "validate", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = stderr(&out);
    assert!(errors.contains("scenarios/LEIAME.md"), "{errors}");
    assert!(!errors.contains("expected"), "{errors}");
    let ok = hooklab(dir.path())
        .args(["validate", "minha-loja.toml"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    // Nothing ran: no results folder.
    assert!(!dir.path().join("results").exists());
}

#[test]
fn completions_and_the_man_page_are_printed_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = hooklab(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("validate"), "{shell}: {script}");
    }
    let out = hooklab(dir.path()).arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH hooklab 1"), "{page}");
}

#[test]
fn the_portuguese_man_page_has_portuguese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let out = pt(dir.path(), &["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    let headers: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix(".SH "))
        .collect();
    assert_eq!(
        headers,
        [
            "NOME",
            "SINOPSE",
            "DESCRIÇÃO",
            "OPÇÕES",
            "SUBCOMANDOS",
            "VERSÃO"
        ],
        "{page}"
    );
}

#[test]
fn quiet_prints_only_the_results() {
    let (dir, _) = classroom("my.toml");
    let out = hooklab(dir.path())
        .args(["run", "my.toml", "--clock", "virtual", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("webhook"));
    assert!(dir.path().join("runs/my/summary.json").exists());
}

/// One HTTP/1.1 request on a fresh connection; the status code, or None if
/// the server did not answer within a few seconds (it is stuck).
fn http_status(addr: &str, request: &str) -> Option<u16> {
    use std::io::{Read as _, Write as _};
    let addr: std::net::SocketAddr = addr.parse().ok()?;
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Issue 14 items 9 and 13: with stdout a pipe nobody reads, the shop's
/// receiver printed each REJECTED line on its request path and stopped
/// answering once the pipe (64 KiB) was full, about a thousand lines in. Its
/// lines now go through a bounded queue, and a storm is summarised: it
/// answers every forgery.
#[test]
fn a_shop_whose_terminal_is_not_read_keeps_refusing_a_storm() {
    let dir = tempfile::tempdir().unwrap();
    let mut platform = hooklab(dir.path())
        .args([
            "platform",
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "sk_test_k",
            "--settle-after",
            "1h",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut platform_out = platform.stdout.take().unwrap();
    let platform = Killed(platform);
    let first = read_line(&mut platform_out);
    let platform_url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    // The platform's own terminal is read, so only the shop's is stuck.
    let drain = std::thread::spawn(move || std::io::copy(&mut platform_out, &mut std::io::sink()));
    let mut shop = hooklab(dir.path())
        .args([
            "shop",
            "--platform",
            &platform_url,
            "--api-key",
            "sk_test_k",
            "--strategy",
            "webhook",
            "--listen",
            "127.0.0.1:0",
            "--orders",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut shop_out = shop.stdout.take().unwrap();
    let shop = Killed(shop);
    let mut receiving = read_line(&mut shop_out);
    while !receiving.contains("/webhooks/") {
        receiving = read_line(&mut shop_out);
    }
    let url = receiving
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {receiving:?}"))
        .trim_start_matches("http://")
        .to_owned();
    let (addr, path) = url.split_at(url.find('/').unwrap());
    // From here on nobody reads the shop's stdout.
    let body = r#"{"type":"payment.settled"}"#;
    for n in 0..3_000 {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        match http_status(addr, &request) {
            Some(status) if (400..500).contains(&status) => {}
            other => panic!("forgery {n}: {other:?}"),
        }
    }
    drop(shop);
    drop(shop_out);
    drop(platform);
    let _ = drain.join();
}

/// A reader that stops early (`| head`) ends the output quietly: no panic,
/// exit code 0.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    // Bigger than a pipe's buffer, so the write meets the closed pipe.
    let big = include_str!("../../../../results/hook0-day/summary.json");
    std::fs::write(&summary, big).unwrap();
    let mut child = hooklab(dir.path())
        .args(["report", "summary.json", "--format", "json", "--no-write"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// hooklab's servers listen on loopback only.
#[test]
fn a_listen_address_off_loopback_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["platform", "shop"] {
        let mut args = vec![command, "--listen", "0.0.0.0:4261"];
        if command == "shop" {
            args.extend(["--api-key", "k"]);
        }
        let out = hooklab(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
    }
}

/// A shop whose every order failed (nothing listens) says so and exits 1.
#[test]
fn a_shop_whose_orders_all_failed_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let out = hooklab(dir.path())
        .args([
            "shop",
            "--api-key",
            "k",
            "--platform",
            &dead,
            "--orders",
            "1",
            "--every",
            "1ms",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 of 1 order "), "{}", stderr(&out));
}

#[test]
fn a_number_flag_with_a_comma_or_zero_is_refused_in_portuguese() {
    let dir = tempfile::tempdir().unwrap();
    for (args, said) in [
        (&["shop", "--orders", "3,0"][..], "não é um número inteiro"),
        (&["run", "--jobs", "0"][..], "deve ser pelo menos 1"),
    ] {
        let out = pt(dir.path(), args);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(said), "{args:?}: {text}");
        assert!(!text.contains("invalid digit"), "{text}");
        assert!(!text.contains("non-zero type"), "{text}");
    }
    // A decimal comma is read as a point (the help writes `0,01`): the
    // refusal is about --speed without --replay, not about the number.
    let text = stderr(&pt(dir.path(), &["live", "--speed", "1,5"]));
    assert!(!text.contains("não é um número"), "{text}");
    assert!(text.contains("--replay"), "{text}");
}

#[test]
fn a_port_in_use_says_how_to_choose_another() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = pt(
        dir.path(),
        &["platform", "--listen", &addr, "--data", ":memory:"],
    );
    let text = stderr(&out);
    // The user's to change: exit 2, the address and what to type.
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains(&format!("escutar em {addr}")), "{text}");
    assert!(text.contains("já está em uso"), "{text}");
    assert!(text.contains("`--listen 127.0.0.1:0`"), "{text}");
    drop(taken);
}

/// A webhook shop without a durable inbox removes its endpoint when it
/// stops: a platform left running used to retry the next demo's events
/// against the dead port, filling its terminal with failed attempts.
#[test]
fn a_webhook_shop_removes_its_endpoint_when_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, _stdout, address, key) = platform_process(
        dir.path(),
        &["--settle-after", "50ms", "--data", ":memory:"],
    );
    let shop = hooklab(dir.path())
        .args([
            "shop",
            "--platform",
            &address,
            "--api-key",
            &key,
            "--strategy",
            "webhook",
            "--orders",
            "1",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let text = all_text(&shop);
    assert_eq!(shop.status.code(), Some(0), "{text}");
    let removed = text
        .lines()
        .find(|l| l.contains("removed from the platform"))
        .unwrap_or_else(|| panic!("no removal line: {text}"));
    let id = removed
        .split_whitespace()
        .find(|w| w.starts_with("we_"))
        .unwrap();
    // Gone: deleting it again is a 404.
    let host = address.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    let request = format!(
        "DELETE /v1/webhook_endpoints/{id} HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    );
    std::io::Write::write_all(&mut conn, request.as_bytes()).unwrap();
    let status = read_line(&mut conn);
    assert!(status.contains(" 404 "), "{status}");
}

#[test]
fn an_order_id_that_cannot_be_sent_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    for id in ["", "a\u{1b}b", "pedido com espaço"] {
        let out = pt(dir.path(), &["order", "--api-key", "k", "--order-id", id]);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{id:?}: {text}");
        assert!(text.contains("não é um id de pedido"), "{id:?}: {text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}
