//! The Portuguese documents keep step with the English ones.
//!
//! Each English document has a Brazilian Portuguese counterpart (README.md and
//! LEIAME.md, scenarios/README.md and scenarios/LEIAME.md, docs/github.md and
//! docs/github.pt-BR.md, docs/check.md and docs/check.pt-BR.md, docs/model.md
//! and docs/modelo.pt-BR.md, docs/database.md and docs/database.pt-BR.md, and
//! each lesson of docs/lessons/ and its docs/aula/ twin). A section added to
//! one and forgotten in the other is what drifts first, so these tests compare
//! the heading outlines: the same number of headings, at the same levels, in
//! the same order. Headings inside fenced code blocks (a `# comment` in a
//! shell example) are not headings and are skipped.

use std::path::{Path, PathBuf};

/// The repository's root: this crate lives in `crates/report`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The ATX headings of a Markdown text, as (level, text), outside fences.
fn headings(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        // A fence may be indented (inside a list item); it closes with the
        // same marker it opened with.
        for marker in ["```", "~~~"] {
            if trimmed.starts_with(marker) {
                fence = match fence {
                    None => Some(marker),
                    Some(open) if open == marker => None,
                    Some(open) => Some(open),
                };
            }
        }
        if fence.is_some() || trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            continue;
        }
        // Four spaces of indentation make a code block, not a heading.
        if line.len() - trimmed.len() > 3 {
            continue;
        }
        let level = trimmed.chars().take_while(|c| *c == '#').count();
        let rest = &trimmed[level..];
        if (1..=6).contains(&level) && (rest.is_empty() || rest.starts_with(' ')) {
            out.push((level, rest.trim().to_owned()));
        }
    }
    out
}

/// Fails with both outlines side by side unless their levels match in order.
fn assert_same_outline(english: &str, portuguese: &str) {
    let read = |rel: &str| {
        std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    let en = headings(&read(english));
    let pt = headings(&read(portuguese));
    let levels = |h: &[(usize, String)]| h.iter().map(|(l, _)| *l).collect::<Vec<_>>();
    if levels(&en) != levels(&pt) {
        let mut table = String::new();
        for i in 0..en.len().max(pt.len()) {
            let cell = |h: &[(usize, String)]| {
                h.get(i).map_or("(none)".to_owned(), |(l, t)| {
                    format!("{} {t}", "#".repeat(*l))
                })
            };
            table.push_str(&format!("  {:<50} | {}\n", cell(&en), cell(&pt)));
        }
        panic!(
            "{english} ({} headings) and {portuguese} ({} headings) have different outlines:\n{table}",
            en.len(),
            pt.len()
        );
    }
    assert!(!en.is_empty(), "{english} has no heading at all");
}

#[test]
fn headings_are_found_outside_code_fences_only() {
    let text = "# Title\n\ntext\n\n```sh\n# a shell comment\n```\n\n## Section\n   ```sh\n   # in a list\n   ```\n###Not a heading\n    # indented code\n### Sub\n";
    assert_eq!(
        headings(text),
        vec![
            (1, "Title".to_owned()),
            (2, "Section".to_owned()),
            (3, "Sub".to_owned())
        ]
    );
}

#[test]
fn a_missing_portuguese_section_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("en.md"), "# A\n## B\n## C\n").unwrap();
    std::fs::write(dir.path().join("pt.md"), "# A\n## B\n").unwrap();
    let en = dir.path().join("en.md");
    let pt = dir.path().join("pt.md");
    let result = std::panic::catch_unwind(|| {
        assert_same_outline(en.to_str().unwrap(), pt.to_str().unwrap())
    });
    assert!(result.is_err(), "a missing `## C` went unnoticed");
}

#[test]
fn readme_and_leiame_match() {
    assert_same_outline("README.md", "LEIAME.md");
}

#[test]
fn scenarios_readme_and_leiame_match() {
    assert_same_outline("scenarios/README.md", "scenarios/LEIAME.md");
}

#[test]
fn github_docs_match() {
    assert_same_outline("docs/github.md", "docs/github.pt-BR.md");
}

#[test]
fn check_docs_match() {
    assert_same_outline("docs/check.md", "docs/check.pt-BR.md");
}

#[test]
fn model_docs_match() {
    assert_same_outline("docs/model.md", "docs/modelo.pt-BR.md");
}

#[test]
fn database_docs_match() {
    assert_same_outline("docs/database.md", "docs/database.pt-BR.md");
}

/// The Markdown files of a folder, keyed by what pairs them: the index
/// (README.md in English, LEIAME.md in Portuguese) by "index", a lesson by
/// its number (`03-advantages.md` and `03-vantagens.md` are both "03").
fn lessons(folder: &str, index: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join(folder))
        .unwrap_or_else(|e| panic!("{folder}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| {
            let key = if name == index {
                "index".to_owned()
            } else {
                name.split('-').next().unwrap_or_default().to_owned()
            };
            (key, format!("{folder}/{name}"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_lesson_has_its_aula_and_they_match() {
    let en = lessons("docs/lessons", "README.md");
    let pt = lessons("docs/aula", "LEIAME.md");
    let keys = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(
        keys(&en),
        keys(&pt),
        "docs/lessons/ and docs/aula/ must hold the same lessons (index, 01, 02, ...):\n{en:?}\n{pt:?}"
    );
    assert!(
        en.len() >= 2 && en[en.len() - 1].0 == "index",
        "docs/lessons/ needs README.md and at least one lesson: {en:?}"
    );
    for ((_, english), (_, portuguese)) in en.iter().zip(&pt) {
        assert_same_outline(english, portuguese);
    }
}

#[test]
fn each_readme_links_the_other_language_at_its_top() {
    let top = |rel: &str| -> String {
        let text =
            std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        text.lines().take(6).collect::<Vec<_>>().join("\n")
    };
    let readme = top("README.md");
    for link in ["(LEIAME.md)", "(docs/aula/"] {
        assert!(
            readme.contains(link),
            "README.md's first lines do not link {link}:\n{readme}"
        );
    }
    let leiame = top("LEIAME.md");
    for link in ["(README.md)", "(docs/lessons/"] {
        assert!(
            leiame.contains(link),
            "LEIAME.md's first lines do not link {link}:\n{leiame}"
        );
    }
}

/// The Markdown files of the repository (not the build output, not a
/// student's `runs/`).
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(name.as_ref(), "target" | "runs" | ".git" | "node_modules") {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The relative link targets of a Markdown text (`[text](target)`), and the
/// repository paths it names in code spans (`` `crates/…` ``).
fn named_paths(markdown: &str) -> (Vec<String>, Vec<String>) {
    let mut links = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find([')', ' ', '\n']).unwrap_or(rest.len());
        let target = rest[..end].split('#').next().unwrap_or("");
        let external = ["http:", "https:", "mailto:"]
            .iter()
            .any(|scheme| target.starts_with(scheme));
        if !target.is_empty() && !external {
            links.push(target.to_owned());
        }
    }
    let spans = markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("crates/") && !span.contains(['*', '{', '<', ' ']))
        .map(|span| span.trim_end_matches('/').to_owned())
        .collect();
    (links, spans)
}

#[test]
fn every_link_and_named_file_of_the_docs_exists() {
    let root = root();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    assert!(
        files.len() > 20,
        "found only {} Markdown files",
        files.len()
    );
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let (links, spans) = named_paths(&text);
        let folder = file.parent().unwrap();
        for link in links {
            if !folder.join(&link).exists() {
                broken.push(format!("{}: link {link}", file.display()));
            }
        }
        for span in spans {
            if !root.join(&span).exists() {
                broken.push(format!("{}: `{span}`", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken paths:\n{}", broken.join("\n"));
}
