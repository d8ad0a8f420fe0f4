//! A Brazilian tester's findings (student and instructor), one test per
//! finding of the command line: each in both languages.

use crate::messages::{hooklab, said};

/// A student's virtual copy of a committed scenario keeps its name, but
/// `hooklab run meu-zapier.toml` writes runs/meu-zapier/: the hint names that
/// folder, not the reference's results/zapier-15min/.
#[test]
fn live_of_a_virtual_copy_names_the_folder_run_writes() {
    let dir = super::temp_dir();
    let scenarios = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/zapier-15min.toml"
    );
    std::fs::copy(scenarios, dir.path().join("meu-zapier.toml")).unwrap();
    for (lang, words) in [
        (
            "en",
            "then replay it: `hooklab live --replay runs/meu-zapier/ --speed 600`",
        ),
        (
            "pt-BR",
            "e depois reproduza-o: `hooklab live --replay runs/meu-zapier/ --speed 600`",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "live", "meu-zapier.toml"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(words), "{lang}: {text}");
        assert!(
            text.contains("hooklab run meu-zapier.toml"),
            "{lang}: {text}"
        );
        assert!(!text.contains("results/zapier-15min"), "{lang}: {text}");
    }
}

/// `--speed -3` is a value out of range, said as `--speed 0` is; other
/// numeric flags take a negative number as their value too.
#[test]
fn a_negative_number_gets_the_range_not_unexpected_argument() {
    let dir = super::temp_dir();
    for (lang, args, words) in [
        (
            "pt-BR",
            &["live", "--replay", "x/", "--speed", "-3"][..],
            "--speed -3: deve ser pelo menos 0.01 e no máximo 100000",
        ),
        (
            "en",
            &["live", "--replay", "x/", "--speed", "-3"][..],
            "--speed -3: must be between 0.01 and 100000",
        ),
        (
            "pt-BR",
            &[
                "check",
                "http://127.0.0.1:9/",
                "--secret",
                "s",
                "--deadline",
                "-3",
            ][..],
            "deve ser pelo menos 1 e no máximo 604800",
        ),
        (
            "pt-BR",
            &["shop", "--api-key", "k", "--orders", "-1"][..],
            "deve ser pelo menos 0 e no máximo 1000000",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang])
            .args(args)
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(words), "{args:?}: {text}");
        assert!(!text.contains("inesperado"), "{args:?}: {text}");
        assert!(!text.contains("unexpected"), "{args:?}: {text}");
    }
}

/// `hooklab check --help` gives every exit code (2 for usage, 1 for a
/// battery the deadline cut) and says what `-q` silences there (the flag is
/// global: its text says what it silences in each command).
#[test]
fn check_help_gives_every_exit_code_and_what_quiet_silences() {
    let dir = super::temp_dir();
    for (lang, codes, quiet) in [
        (
            "en",
            [
                "1 when any failed or when --deadline cut the battery short",
                "2 for bad usage",
            ],
            "check's line telling which case is being sent",
        ),
        (
            "pt-BR",
            [
                "1 quando algum falhou ou quando o --deadline cortou a bateria",
                "2 para uso incorreto",
            ],
            "a linha de `check` que diz qual caso está sendo enviado",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "check", "--help"])
            .output()
            .unwrap();
        let text = said(&out).split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(out.status.code(), Some(0), "{text}");
        for words in codes {
            assert!(text.contains(words), "{lang}: {text}");
        }
        assert!(text.contains(quiet), "{lang}: {text}");
    }
}

/// With nothing listening at --platform, the shop's order is never
/// created: no "placed" line for it, and its failure comes before the
/// final summary.
#[test]
fn a_shop_order_that_was_never_created_is_not_said_placed() {
    let dir = super::temp_dir();
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    for (lang, placed, failed, done) in [
        ("en", " placed", " failed", " done: "),
        ("pt-BR", " feito", " falhou", " fim: "),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "shop", "--api-key", "k", "--orders", "1"])
            .args(["--platform", &dead])
            .output()
            .unwrap();
        let text = said(&out);
        assert!(!text.lines().any(|l| l.ends_with(placed)), "{lang}: {text}");
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {text}"))
        };
        assert!(at(failed) < at(done), "{lang}: {text}");
    }
}

/// The figures a message gives in GB ("21.9 GB"), in order.
fn gigabytes(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[1].trim_end_matches([',', '.', ';', ')']) == "GB")
        .map(|w| w[0].to_owned())
        .collect()
}

/// `hooklab validate` quotes the memory estimate `hooklab run` refuses
/// with: the same threads, so the same strategies held at once. Before,
/// validate said "21,9 GB" for a file run refused at "55,9 GB". Only the
/// estimate (the first figure in GB) is compared: the second is the
/// machine's free memory, which moves between the two calls. The file
/// (5 million orders, twelve pollers) is refused on a 2-core machine for
/// its time, and on one with 24 GB free for its memory; no test runs it.
#[test]
fn validate_quotes_the_memory_estimate_run_refuses_with() {
    let dir = super::temp_dir();
    let strategies: String = (1..=12)
        .map(|i| {
            format!(
                "[[strategy]]\nname = \"p{i}\"\nkind = \"poll\"\ninterval_ms = {}\n",
                i * 100
            )
        })
        .collect();
    let file = format!(
        "name = \"grande\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 5000000\n\
         arrival = {{ dist = \"fixed\", every_ms = 1 }}\nsettle = {{ dist = \"uniform\", min_ms = 200, max_ms = 2000 }}\n{strategies}"
    );
    std::fs::write(dir.path().join("grande.toml"), file).unwrap();
    let validate = hooklab(dir.path())
        .args(["--lang", "pt-BR", "validate", "grande.toml"])
        .output()
        .unwrap();
    let said = said(&validate);
    let quoted = gigabytes(&said);
    if quoted.is_empty() {
        // This machine could run it as it is (validate warns of nothing):
        // `run` would run it, which a test must not.
        assert_eq!(validate.status.code(), Some(0), "{said}");
        return;
    }
    assert!(said.contains("o recusaria"), "{said}");
    let run = hooklab(dir.path())
        .args(["--lang", "pt-BR", "run", "grande.toml", "--no-write"])
        .output()
        .unwrap();
    let refused = self::said(&run);
    assert_eq!(run.status.code(), Some(2), "{refused}");
    assert_eq!(
        gigabytes(&refused).first(),
        quoted.first(),
        "validate: {said}\nrun: {refused}"
    );
}

/// A strategy's kind is spelt as the file writes it (`poll_events`) or as
/// `hooklab shop --strategy` does (`poll-events`), in both places; a kind
/// one slip off is named, listed once; serde's "or" is said "ou".
#[test]
fn strategy_kinds_take_both_spellings_and_a_typo_is_named() {
    let dir = super::temp_dir();
    let with = |kind: &str, outcomes: &str| {
        format!(
            "name = \"k\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 10\n\
             arrival = {{ dist = \"fixed\", every_ms = 1 }}\nsettle = {{ dist = \"fixed\", ms = 20 }}\n\
             outcomes = {{ {outcomes} }}\n[[strategy]]\nname = \"e\"\nkind = \"{kind}\"\ninterval_ms = 10\n"
        )
    };
    let validate = |text: String| {
        std::fs::write(dir.path().join("k.toml"), text).unwrap();
        hooklab(dir.path())
            .args(["--lang", "pt-BR", "validate", "k.toml"])
            .output()
            .unwrap()
    };
    let ok = validate(with("poll-events", "approved = 0.5, declined = 0.5"));
    assert_eq!(ok.status.code(), Some(0), "{}", said(&ok));
    let typo = validate(with("pol_events", "approved = 0.5, declined = 0.5"));
    let text = said(&typo);
    assert_eq!(typo.status.code(), Some(2), "{text}");
    assert!(text.contains("(quis dizer `poll_events`?)"), "{text}");
    assert_eq!(text.matches("`poll_events`").count(), 2, "{text}");
    assert!(!text.contains("`poll-events`"), "{text}");
    let key = validate(with("poll", "approved = 0.5, declinde = 0.5"));
    let text = said(&key);
    assert!(
        text.contains("esta tabela tem: `approved` ou `declined`"),
        "{text}"
    );
    assert!(!text.contains(" or "), "{text}");
    // The shop takes the file's spelling too: the flag parses, and the
    // command goes on to find no platform.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let shop = hooklab(dir.path())
        .args(["--lang", "pt-BR", "shop", "--api-key", "k", "--orders", "1"])
        .args(["--strategy", "poll_events", "--platform", &dead])
        .output()
        .unwrap();
    let text = said(&shop);
    assert!(!text.contains("--strategy"), "{text}");
    assert!(text.contains("consulta ao registro de eventos"), "{text}");
}

/// `--out DIR` holding another scenario file's results is refused as the
/// default runs/<name>/ is, and --force replaces them; the same file may
/// write its own folder again.
#[test]
fn an_explicit_out_holding_another_files_results_is_refused_unless_forced() {
    let dir = super::temp_dir();
    let tiny = |name: &str| {
        format!(
            "name = \"{name}\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 5\n\
             arrival = {{ dist = \"fixed\", every_ms = 1 }}\nsettle = {{ dist = \"fixed\", ms = 20 }}\n\
             [[strategy]]\nname = \"webhook\"\nkind = \"webhook\"\n"
        )
    };
    std::fs::write(dir.path().join("a.toml"), tiny("a")).unwrap();
    std::fs::write(dir.path().join("b.toml"), tiny("b")).unwrap();
    let run = |file: &str, extra: &[&str]| {
        hooklab(dir.path())
            .args([
                "--lang", "pt-BR", "run", file, "--out", "aula", "--format", "json",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run("a.toml", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", said(&first));
    let again = run("a.toml", &[]);
    assert_eq!(again.status.code(), Some(0), "{}", said(&again));
    let summary = dir.path().join("aula/summary.json");
    let before = std::fs::read_to_string(&summary).unwrap();
    let other = run("b.toml", &[]);
    let text = said(&other);
    assert_eq!(other.status.code(), Some(2), "{text}");
    for words in ["aula", "a.toml", "b.toml", "--force"] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
    let forced = run("b.toml", &["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", said(&forced));
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("b.toml")
    );
}

/// `hooklab new` leaves a description asking for the student's own, in
/// both fields, not the copied scenario's ("300 customers check out").
#[test]
fn new_leaves_a_description_to_write_not_the_copied_one() {
    let dir = super::temp_dir();
    for (lang, file, comment) in [
        ("en", "my-shop", "# Describe YOUR scenario here"),
        ("pt-BR", "minha-loja", "# Descreva aqui o SEU cenário"),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "new", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        let text = std::fs::read_to_string(dir.path().join(format!("{file}.toml"))).unwrap();
        assert!(text.contains(comment), "{text}");
        assert!(
            text.contains("description = \"Describe your scenario:"),
            "{text}"
        );
        assert!(
            text.contains("description_pt_br = \"Descreva o seu cenário:"),
            "{text}"
        );
        assert!(
            !text.contains("300 customers") && !text.contains("300 clientes"),
            "{text}"
        );
        assert!(!text.contains("apresentação-semente"), "{text}");
        let ok = hooklab(dir.path())
            .args(["validate", &format!("{file}.toml")])
            .output()
            .unwrap();
        assert_eq!(ok.status.code(), Some(0), "{}", said(&ok));
    }
}

/// Small Portuguese things: a deadline written with a unit and a minus
/// gets the range; a missing file is said missing, not invalid; the help's
/// placeholders are accented; the shop counts in the singular for one.
#[test]
fn small_portuguese_things_of_the_class() {
    let dir = super::temp_dir();
    let deadline = hooklab(dir.path())
        .args([
            "--lang",
            "pt-BR",
            "check",
            "http://127.0.0.1:9/",
            "--secret",
            "s",
        ])
        .args(["--deadline", "-5s"])
        .output()
        .unwrap();
    let text = said(&deadline);
    assert_eq!(deadline.status.code(), Some(2), "{text}");
    assert!(
        text.contains("deve ser pelo menos 1 e no máximo 604800"),
        "{text}"
    );
    assert!(!text.contains("inesperado"), "{text}");

    let missing = hooklab(dir.path())
        .args(["--lang", "pt-BR", "validate", "naoexiste.toml"])
        .output()
        .unwrap();
    let text = said(&missing);
    assert_eq!(missing.status.code(), Some(2), "{text}");
    assert!(
        text.contains("erro: naoexiste.toml: esse arquivo não existe"),
        "{text}"
    );
    assert!(!text.contains("inválido"), "{text}");

    let mut help = String::new();
    for command in ["run", "live", "shop", "platform", "new"] {
        let out = hooklab(dir.path())
            .args(["--lang", "pt-BR", command, "--help"])
            .output()
            .unwrap();
        help.push_str(&said(&out));
    }
    for word in [
        "<ENDEREÇO>",
        "<DURAÇÃO>",
        "<RELÓGIO>",
        "<ESTRATÉGIA>",
        "CENÁRIO",
    ] {
        assert!(help.contains(word), "{word}: {help}");
    }
    for word in ["ENDERECO", "DURACAO", "RELOGIO", "ESTRATEGIA", "CENARIO"] {
        assert!(!help.contains(word), "{word}: {help}");
    }

    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let shop = hooklab(dir.path())
        .args(["--lang", "pt-BR", "shop", "--api-key", "k", "--orders", "1"])
        .args(["--platform", &dead])
        .output()
        .unwrap();
    let text = said(&shop);
    assert!(text.contains("loja fazendo 1 pedido, um a cada"), "{text}");
    assert!(text.contains("1 de 1 pedido não pôde ser feito"), "{text}");
    assert!(!text.contains("(s)"), "{text}");
}

/// flaky-receiver's description speaks of what runs in it: its sender
/// retries; the one without retries is the other file's.
#[test]
fn flaky_receivers_description_describes_its_own_run() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/flaky-receiver.toml"
    ))
    .unwrap();
    let scenario = hooklab_core::scenario::Scenario::parse(&text, "flaky-receiver.toml").unwrap();
    for description in [&scenario.description, &scenario.description_pt_br] {
        assert!(
            description.contains("flaky-receiver-no-retries"),
            "{description}"
        );
        assert!(
            !description.contains("loses") && !description.contains("perde"),
            "{description}"
        );
    }
}
