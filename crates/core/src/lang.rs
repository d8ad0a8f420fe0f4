//! The language of everything hooklab prints for people.
//!
//! One [`Lang`] for the whole workspace: the report crate picks its labels
//! and sentences by it, the GitHub receiver its printed lines, the live page
//! its words. Machine-readable output (`summary.json`, CSV column names,
//! JSON lines) never depends on it.
//!
//! It lives in the core so that every crate can take one without pulling in
//! another's dependencies; the CLI turns `--lang` into one through
//! [`std::str::FromStr`] (clap is a dependency of the binary only).

use std::fmt;
use std::str::FromStr;

/// A language for people-facing text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Brazilian Portuguese, as in the seed presentation.
    PtBr,
}

impl Lang {
    /// Every language, in the order `--help` lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::PtBr];

    /// Picks Portuguese when a POSIX locale value (`LC_ALL`, `LANG`) names it,
    /// such as `pt_BR.UTF-8`; English otherwise.
    pub fn from_locale(value: &str) -> Lang {
        if value.to_ascii_lowercase().starts_with("pt") {
            Lang::PtBr
        } else {
            Lang::En
        }
    }

    /// The language's name on the command line: `en` or `pt-BR`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::PtBr => "pt-BR",
        }
    }

    /// Other spellings the command line accepts for the language.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Lang::En => &[],
            // `pt_BR` as the locale spells it (`LANG=pt_BR.UTF-8`).
            Lang::PtBr => &["pt-br", "pt", "pt_BR", "pt_br"],
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a language name was not understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`: use `en` or `pt-BR`")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    /// Reads a [`Lang::code`] or one of its [`Lang::aliases`].
    /// Case does not matter (`PT-BR`), nor a locale's encoding or modifier
    /// suffix (`pt_BR.UTF-8`, `pt_BR@euro`), as `LANG` accepts them.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.split(['.', '@']).next().unwrap_or(text);
        Lang::ALL
            .into_iter()
            .find(|lang| {
                lang.code().eq_ignore_ascii_case(name)
                    || lang.aliases().iter().any(|a| a.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| UnknownLang(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_values_pick_portuguese() {
        assert_eq!(Lang::from_locale("pt_BR.UTF-8"), Lang::PtBr);
        assert_eq!(Lang::from_locale("pt"), Lang::PtBr);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }

    #[test]
    fn any_case_and_a_locale_suffix_parse() {
        for text in ["PT-BR", "pt_BR.UTF-8", "PT_br.utf8", "pt@x", "EN"] {
            assert!(text.parse::<Lang>().is_ok(), "{text}");
        }
        assert_eq!("PT-BR".parse::<Lang>(), Ok(Lang::PtBr));
        assert!("pt-PT-x".parse::<Lang>().is_err());
    }

    #[test]
    fn names_and_aliases_parse_and_others_are_refused() {
        for (text, lang) in [
            ("en", Lang::En),
            ("pt-BR", Lang::PtBr),
            ("pt-br", Lang::PtBr),
            ("pt", Lang::PtBr),
            ("pt_BR", Lang::PtBr),
            ("pt_br", Lang::PtBr),
        ] {
            assert_eq!(text.parse::<Lang>(), Ok(lang), "{text}");
        }
        assert_eq!("fr".parse::<Lang>(), Err(UnknownLang("fr".to_owned())));
        for lang in Lang::ALL {
            assert_eq!(lang.to_string().parse::<Lang>(), Ok(lang));
        }
    }
}

/// One sentence in both languages: scenario errors, the platform API's
/// messages. Its `Display` is the English (what logs and `Error::to_string`
/// say); [`Said::get`] picks a language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said {
    /// In English.
    pub en: String,
    /// In Brazilian Portuguese.
    pub pt_br: String,
}

impl Said {
    /// A sentence from its two versions.
    pub fn new(en: impl Into<String>, pt_br: impl Into<String>) -> Said {
        Said {
            en: en.into(),
            pt_br: pt_br.into(),
        }
    }

    /// The sentence in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::PtBr => &self.pt_br,
        }
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}
