//! The receiver's printed labels, in each language.
//!
//! The seed presentation's program prints Portuguese labels
//! (`Tipo de evento:`, `Repositório:`, ...). hooklab prints English by default
//! and the seed's exact labels with `--lang pt-BR`, so a student can put
//! hooklab's output beside the slide and see the same lines. The language
//! itself is the workspace's one [`Lang`] ([`hooklab_core::lang`]); this
//! module holds only the receiver's own strings.

use hooklab_core::lang::Lang;

/// Every label the receiver prints, in one language.
///
/// One struct per language (rather than a `match` at every `println!`) keeps
/// the two translations side by side, where a missing one is easy to see.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    /// The banner line that opens each event.
    pub banner: &'static str,
    /// Before the `X-GitHub-Event` value.
    pub event_type: &'static str,
    /// Before `repository.full_name`.
    pub repository: &'static str,
    /// Before a push's `after` (the new head commit).
    pub commit_id: &'static str,
    /// Before a push's branch.
    pub branch: &'static str,
    /// Before a push's `pusher.name`.
    pub author: &'static str,
    /// Before a pull request's `action`.
    pub pr_action: &'static str,
    /// Before a pull request's title.
    pub pr_title: &'static str,
    /// Before an issue's `action`.
    pub issue_action: &'static str,
    /// Before an issue's title.
    pub issue_title: &'static str,
    /// Before a ping's `zen` (not in the seed, which has no `ping` case).
    pub zen: &'static str,
    /// Before a ping's `hook_id` (not in the seed).
    pub hook_id: &'static str,
    /// The line before the whole payload of any other event.
    pub other_event: &'static str,
    /// Before the delivery id of a redelivery that was not printed again.
    pub redelivery: &'static str,
    /// Printed where the payload has no repository (an organization's ping).
    pub none: &'static str,
}

const EN: Labels = Labels {
    banner: "--- GITHUB EVENT ---",
    event_type: "Event type:",
    repository: "Repository:",
    commit_id: "Commit ID:",
    branch: "Branch:",
    author: "Author:",
    pr_action: "PR action:",
    pr_title: "PR title:",
    issue_action: "Issue action:",
    issue_title: "Issue title:",
    zen: "Zen:",
    hook_id: "Hook ID:",
    other_event: "Other event type. Full payload:",
    redelivery: "Redelivery, already printed, ignored:",
    none: "(none)",
};

const PT_BR: Labels = Labels {
    banner: "--- EVENTO DO GITHUB ---",
    event_type: "Tipo de evento:",
    repository: "Repositório:",
    commit_id: "Commit ID:",
    branch: "Branch:",
    author: "Autor:",
    pr_action: "Ação do PR:",
    pr_title: "Título do PR:",
    issue_action: "Ação da Issue:",
    issue_title: "Título da Issue:",
    zen: "Zen:",
    hook_id: "ID do hook:",
    other_event: "Outro tipo de evento. Dados completos:",
    redelivery: "Reentrega, já exibida, ignorada:",
    none: "(nenhum)",
};

/// The receiver's labels in `lang`.
pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::PtBr => &PT_BR,
    }
}
