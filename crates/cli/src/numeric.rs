//! The number flags' parsers: a value out of range is refused with the
//! range and what to do, in the reader's language, like `--rate-limit`'s
//! "must be between 0.001 and 1000000".
//!
//! clap's own integer parsing said only "number would be zero for non-zero
//! type" (`run --jobs 0`) or "number too large to fit in target type"
//! (`shop --orders 18446744073709551616`): the type's words, not the flag's
//! range.

use crate::text;
use hooklab_core::lang::Lang;
use std::num::NonZeroUsize;

/// The most threads `--jobs` (and worlds `--shards`) asks for.
pub const MAX_JOBS: u64 = 1024;
/// The most orders `hooklab shop --orders` places.
pub const MAX_SHOP_ORDERS: u64 = 1_000_000;
/// The most forgeries per group `check --timing-samples` sends.
pub const MAX_TIMING_SAMPLES: u64 = 100_000;
/// The longest `check --deadline`, seconds: a week.
pub const MAX_DEADLINE_SECS: u64 = 7 * 86_400;

/// `text` as a whole number from `min` to `max`; `hint` says what the
/// number is, in English and Portuguese.
fn whole(text: &str, min: u64, max: u64, hint: (&str, &str)) -> Result<u64, String> {
    let lang = text::parsing_lang();
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(match lang {
            Lang::En => format!(
                "`{text}` is not a whole number (digits only): give one between {min} and {max} ({})",
                hint.0
            ),
            Lang::PtBr => format!(
                "`{text}` não é um número inteiro (só algarismos, sem vírgula nem ponto): dê um entre {min} e {max} ({})",
                hint.1
            ),
        });
    }
    match trimmed.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        // Negative, or past u64: out of the range all the same.
        _ => Err(match lang {
            Lang::En => format!("must be between {min} and {max} ({})", hint.0),
            Lang::PtBr => format!("deve ser pelo menos {min} e no máximo {max} ({})", hint.1),
        }),
    }
}

/// The size `whole` gives back, in this machine's `usize` (every range
/// here fits it).
fn size(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `run --jobs`.
pub fn jobs(text: &str) -> Result<NonZeroUsize, String> {
    let n = whole(
        text,
        1,
        MAX_JOBS,
        (
            "threads at once; leave it out for one per core",
            "threads ao mesmo tempo; omita para um por núcleo",
        ),
    )?;
    NonZeroUsize::new(size(n)).ok_or_else(|| "must be at least 1".to_owned())
}

/// `run --shards`.
pub fn shards(text: &str) -> Result<NonZeroUsize, String> {
    let n = whole(
        text,
        1,
        MAX_JOBS,
        (
            "worlds per separable strategy",
            "mundos por estratégia separável",
        ),
    )?;
    NonZeroUsize::new(size(n)).ok_or_else(|| "must be at least 1".to_owned())
}

/// `shop --orders`.
pub fn orders(text: &str) -> Result<u32, String> {
    let n = whole(
        text,
        0,
        MAX_SHOP_ORDERS,
        (
            "orders to place; 0 only with --data",
            "pedidos a fazer; 0 só com --data",
        ),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// `check --max-body`: a whole number, whose range the battery checks
/// (`CheckError::MaxBody`), since only it knows the least: a genuine
/// delivery's size, which depends on the scheme and the URL. Checking a
/// range here as well said two things: `0` "must be between 1 and …",
/// `1` "give 282 to …". A number past `u64` is past the range all the same
/// (the most a `usize` holds, which the battery refuses); a negative one,
/// which has no `usize`, is refused here in the battery's words.
pub fn max_body(text: &str) -> Result<usize, String> {
    let lang = text::parsing_lang();
    let trimmed = text.trim();
    let max = hooklab_check::battery::MAX_MAX_BODY_BYTES;
    if let Some(digits) = trimmed.strip_prefix('-')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(match lang {
            Lang::En => format!(
                "--max-body {trimmed} is out of range: give from the size of a genuine delivery (about 300 bytes; \
                 a smaller number is told the exact size) to {max} bytes"
            ),
            Lang::PtBr => format!(
                "--max-body {trimmed} está fora do intervalo: dê do tamanho de uma entrega genuína (uns 300 bytes; \
                 um número menor fica sabendo o tamanho exato) a {max} bytes"
            ),
        });
    }
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(match lang {
            Lang::En => format!(
                "`{text}` is not a whole number (digits only): give the bytes the receiver accepts in a body, \
                 from the size of a genuine delivery (about 300) to {max}"
            ),
            Lang::PtBr => format!(
                "`{text}` não é um número inteiro (só algarismos, sem vírgula nem ponto): dê os bytes que o \
                 receptor aceita num corpo, do tamanho de uma entrega genuína (uns 300) a {max}"
            ),
        });
    }
    // Digits past `u64`: out of range, as the battery will say.
    Ok(trimmed.parse::<u64>().map_or(usize::MAX, size))
}

/// `check --timing-samples`.
pub fn timing_samples(text: &str) -> Result<usize, String> {
    whole(
        text,
        0,
        MAX_TIMING_SAMPLES,
        (
            "forgeries per group; 0 skips the timing case",
            "falsificações por grupo; 0 pula o caso de tempo",
        ),
    )
    .map(size)
}

/// `check --deadline`.
pub fn deadline(text: &str) -> Result<u64, String> {
    // The flag is in seconds: `30s` (as the other commands write a
    // duration) is 30, and `-5s` gets the range, not "not a number".
    let trimmed = text.trim();
    let seconds = trimmed
        .strip_suffix('s')
        .filter(|n| !n.is_empty())
        .unwrap_or(trimmed);
    whole(
        seconds,
        1,
        MAX_DEADLINE_SECS,
        (
            "seconds for the whole battery; the default is 120",
            "segundos para a bateria inteira; o padrão é 120",
        ),
    )
}

/// `github send --hook-id`.
pub fn hook_id(text: &str) -> Result<u64, String> {
    whole(
        text,
        1,
        u64::MAX,
        (
            "the hook's id, as GitHub numbers it",
            "o id do hook, como o GitHub numera",
        ),
    )
}

/// `text` with a decimal comma read as a point, as the Portuguese help and
/// banners write decimals (`0,5`, `2,5s`): one comma and no point. A comma
/// followed by exactly three digits (`1,000`, `2,500s`) could be a
/// thousands separator as English writes it, so it is refused, with both
/// readings to choose from; so is more than one comma, or a comma beside
/// a point (`1.000,5`): a number on the command line has no thousands
/// separator.
pub fn decimal_point(text: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    if !text.contains(',') {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    let lang = text::parsing_lang();
    let commas = text.matches(',').count();
    let after = text
        .split_once(',')
        .map_or("", |(_, rest)| rest)
        .trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let thousands = after.len() == 3 && after.bytes().all(|b| b.is_ascii_digit());
    if commas == 1 && !text.contains('.') && !thousands {
        return Ok(std::borrow::Cow::Owned(text.replacen(',', ".", 1)));
    }
    let point = text.replacen(',', ".", 1);
    let bare = text.replace(',', "");
    // A Portuguese reader's decimal is a comma, and `1.500` is fifteen
    // hundred to them: the decimal reading is offered in their form, its
    // zeros dropped so it cannot be taken for the other number (`1,5s`).
    let comma = comma_decimal(text);
    Err(
        match (lang, thousands && commas == 1 && !text.contains('.')) {
            (Lang::En, true) => format!(
                "`{text}` is ambiguous: the comma may be a decimal comma ({point}) or a thousands separator ({bare}); write {point} or {bare}"
            ),
            (Lang::PtBr, true) => format!(
                "`{text}` é ambíguo: a vírgula pode ser decimal ({comma}) ou separador de milhar ({bare}); escreva {comma} se for decimal, ou {bare} se for milhar"
            ),
            (Lang::En, false) => format!(
                "`{text}`: write a number with no thousands separator and at most one decimal point or comma, as in 2.5 or 2,5"
            ),
            (Lang::PtBr, false) => format!(
                "`{text}`: escreva o número sem separador de milhar e com no máximo uma vírgula ou ponto decimal, como 2,5 ou 2.5"
            ),
        },
    )
}

/// The decimal reading of `text`, one comma followed by three digits, as
/// Portuguese writes it: `1,500s` is `1,5s`, `1,000` is `1`, `0,250` is
/// `0,25` (trailing zeros dropped, a unit kept).
fn comma_decimal(text: &str) -> String {
    let unit_at = text
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .len();
    let (number, unit) = text.split_at(unit_at);
    match number.split_once(',') {
        Some((whole, fraction)) => match fraction.trim_end_matches('0') {
            "" => format!("{whole}{unit}"),
            kept => format!("{whole},{kept}{unit}"),
        },
        None => text.to_owned(),
    }
}

/// `live --speed` (its range is checked with the replay's words). A decimal
/// comma is a point ([`decimal_point`]).
pub fn speed(text: &str) -> Result<f64, String> {
    let lang = text::parsing_lang();
    let read = decimal_point(text)?;
    read.trim().parse::<f64>().map_err(|_| match lang {
        Lang::En => format!("`{text}` is not a number: give a speed above 0, as in 60 or 0.5"),
        Lang::PtBr => {
            format!("`{text}` não é um número: dê uma velocidade acima de 0, como 60 ou 0,5")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_out_of_range_say_the_range_and_what_to_do() {
        let zero = jobs("0").unwrap_err();
        assert!(zero.contains("between 1 and 1024"), "{zero}");
        assert!(!zero.contains("non-zero type"), "{zero}");
        let huge = orders("18446744073709551616").unwrap_err();
        assert!(huge.contains("between 0 and 1000000"), "{huge}");
        assert!(!huge.contains("target type"), "{huge}");
        assert!(orders("-1").unwrap_err().contains("between 0 and"));
        assert!(orders("3,0").unwrap_err().contains("not a whole number"));
        assert_eq!(orders("7"), Ok(7));
        assert_eq!(jobs("2").map(NonZeroUsize::get), Ok(2));
        assert!(deadline("0").unwrap_err().contains("between 1 and 604800"));
        assert_eq!(timing_samples("0"), Ok(0));
        // Its range is the battery's to say (one message for 0, 1 and too
        // many); here only what is no number, or negative.
        assert_eq!(max_body("0"), Ok(0));
        assert_eq!(max_body("99999999999999999999"), Ok(usize::MAX));
        assert!(max_body("-1").unwrap_err().contains("out of range"));
        assert!(max_body("1,5").unwrap_err().contains("not a whole number"));
        assert!(hook_id("18446744073709551616").is_err());
        assert_eq!(speed("60"), Ok(60.0));
        // A tester's finding: the Portuguese help writes `0,01`, and the
        // input refused it. A decimal comma is a point now.
        assert_eq!(speed("1,5"), Ok(1.5));
        assert_eq!(speed("0,01"), Ok(0.01));
        assert!(
            speed("1,000")
                .unwrap_err()
                .contains("decimal comma (1.000) or a thousands separator (1000)")
        );
        assert!(speed("1.000,5").is_err());
        assert_eq!(decimal_point("2,5s").unwrap(), "2.5s");
        assert_eq!(decimal_point("2,25s").unwrap(), "2.25s");
        assert_eq!(decimal_point("4s").unwrap(), "4s");
        assert!(decimal_point("2,500s").is_err());
        assert!(decimal_point("1,2,3").is_err());
    }

    /// A tester's finding: Portuguese was told "use ponto no decimal
    /// (1.500s)", and to a Brazilian 1.500 is fifteen hundred.
    #[test]
    fn the_portuguese_decimal_reading_is_written_with_a_comma() {
        assert_eq!(comma_decimal("1,500s"), "1,5s");
        assert_eq!(comma_decimal("1,000"), "1");
        assert_eq!(comma_decimal("0,250"), "0,25");
        assert_eq!(comma_decimal("12,345ms"), "12,345ms");
    }
}
