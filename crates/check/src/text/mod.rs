//! Every sentence the scorecard prints, in English and Brazilian Portuguese.
//!
//! Each case has a title, a sentence of why it matters and a description of
//! what was sent (per scheme); each [`Note`] a sentence of what to make of an
//! answer. The two languages sit side by side in one `match` arm, so a
//! missing translation is easy to see. Ids and header names are the same in
//! both; numbers are written as the reports write them (hooklab-report's
//! `units`: `0,42 ms` and `26.214.401` in Portuguese). Errors, the causes of
//! a missing answer and the state URL's faults are worded in `text/errors.rs` ([`error`], [`cause`]).

use crate::battery::{FAST_ENOUGH, STRICTEST_SENDER_LIMIT, Wait, WaitBy};
use crate::case::{Case, CaseResult, Note, Verdict};
use crate::delivery::{
    NOT_JSON, Scheme, TIMESTAMP_OFFSET_SECS, UNKNOWN_GITHUB_EVENT, UNKNOWN_STANDARD_TYPE,
};
use crate::pace::Pace;
use crate::scorecard::{Counts, Scorecard};
use crate::target::{Cause, Reply};
use hooklab_core::lang::Lang;
use hooklab_report::units::{count, decimal};

mod errors;
pub use errors::{cause, detail_label, error, secret_refused, state_error};

/// Picks the sentence of `lang`.
fn pick(lang: Lang, en: &'static str, pt: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::PtBr => pt,
    }
}

/// The case's title, e.g. "refuses a forged signature".
pub fn title(case: Case, lang: Lang) -> &'static str {
    let (en, pt) = match case {
        Case::Genuine => ("accepts a genuine delivery", "aceita uma entrega genuína"),
        Case::Reliability => (
            "accepts every genuine delivery, not just most",
            "aceita toda entrega genuína, e não só a maioria",
        ),
        Case::ForgedSignature => (
            "refuses a forged signature",
            "recusa uma assinatura forjada",
        ),
        Case::WrongSecret => (
            "refuses a signature made with another secret",
            "recusa uma assinatura feita com outro segredo",
        ),
        Case::TamperedBody => (
            "refuses a body changed by one byte",
            "recusa um corpo alterado em um byte",
        ),
        Case::NoSignature => (
            "refuses a delivery with no signature",
            "recusa uma entrega sem assinatura",
        ),
        Case::UnknownVersion => (
            "refuses an unknown signature version",
            "recusa uma versão de assinatura desconhecida",
        ),
        Case::EmptySignature => ("refuses an empty signature", "recusa uma assinatura vazia"),
        Case::StaleTimestamp => ("refuses a stale timestamp", "recusa um timestamp antigo"),
        Case::FutureTimestamp => (
            "refuses a timestamp from the future",
            "recusa um timestamp do futuro",
        ),
        Case::KeyRotation => ("accepts a key rotation", "aceita uma rotação de segredo"),
        Case::RawBytes => ("verifies the raw bytes", "verifica os bytes crus"),
        Case::AnswersFast => ("answers fast", "responde rápido"),
        Case::Duplicate => ("survives a duplicate", "aguenta uma duplicata"),
        Case::UnknownEvent => (
            "accepts an unknown event type",
            "aceita um tipo de evento desconhecido",
        ),
        Case::NotJson => (
            "refuses a body that is not JSON",
            "recusa um corpo que não é JSON",
        ),
        Case::OversizedBody => ("refuses an oversized body", "recusa um corpo grande demais"),
        Case::Timing => (
            "leaks nothing through timing (a hint)",
            "não vaza nada pelo tempo (um indício)",
        ),
    };
    pick(lang, en, pt)
}

/// One sentence of why the case matters.
pub fn why(case: Case, lang: Lang) -> &'static str {
    let (en, pt) = match case {
        Case::Genuine => (
            "A receiver that refuses real events loses them: the sender retries, then gives up.",
            "Um receptor que recusa eventos reais os perde: o remetente tenta de novo e depois desiste.",
        ),
        Case::Reliability => (
            "A 5xx at random loses nothing at once, but every one is an event the sender retries minutes or hours later, and an endpoint that fails often gets disabled.",
            "Um 5xx ao acaso não perde nada na hora, mas cada um é um evento que o remetente só repete minutos ou horas depois, e um endpoint que falha muito é desativado.",
        ),
        Case::ForgedSignature => (
            "Anyone who finds the URL can post to it; without the signature check they can make it act on invented events.",
            "Qualquer um que descubra a URL pode enviar para ela; sem conferir a assinatura, faz o receptor agir sobre eventos inventados.",
        ),
        Case::WrongSecret => (
            "A signature proves something only when it is checked against your secret, not just for its form.",
            "Uma assinatura só prova algo quando é conferida com o seu segredo, e não só pela forma.",
        ),
        Case::TamperedBody => (
            "The signature covers every byte of the body, so a changed amount or branch must not pass.",
            "A assinatura cobre cada byte do corpo, então um valor ou branch alterado não pode passar.",
        ),
        Case::NoSignature => (
            "A missing header must be a refusal, not a reason to skip the check.",
            "Um cabeçalho ausente deve ser recusado, e não servir de motivo para pular a verificação.",
        ),
        Case::UnknownVersion => (
            "A receiver that ignores the version label accepts signatures it never checked the way they were made.",
            "Um receptor que ignora o rótulo de versão aceita assinaturas que nunca conferiu do jeito que foram feitas.",
        ),
        Case::EmptySignature => (
            "An empty header is the classic `if signature and not valid` bug: the check is skipped when there is nothing to check.",
            "Um cabeçalho vazio é o bug clássico do `if assinatura and not valida`: a verificação é pulada quando não há o que verificar.",
        ),
        Case::StaleTimestamp => (
            "A genuine delivery recorded by an attacker can be replayed later; the signed timestamp is what stops it.",
            "Uma entrega genuína gravada por um atacante pode ser reenviada depois; o timestamp assinado é o que impede isso.",
        ),
        Case::FutureTimestamp => (
            "A timestamp far ahead keeps a recorded delivery replayable for longer; allow a few minutes either way, no more.",
            "Um timestamp muito à frente deixa uma entrega gravada reenviável por mais tempo; aceite poucos minutos para cada lado.",
        ),
        Case::KeyRotation => (
            "During a rotation the sender signs with the old and the new secret; refusing then loses every event until you switch.",
            "Durante uma rotação o remetente assina com o segredo antigo e o novo; recusar nessa hora perde todos os eventos até a troca.",
        ),
        Case::RawBytes => (
            "The signature covers the bytes as sent; parsing and re-serializing the JSON before verifying changes them and refuses genuine events.",
            "A assinatura cobre os bytes como foram enviados; interpretar e reserializar o JSON antes de verificar muda esses bytes e recusa eventos genuínos.",
        ),
        Case::AnswersFast => (
            "Senders give up after a few seconds (GitHub 10 s, Svix 15 s) and retry; answer 2xx first, do the work after.",
            "Os remetentes desistem após alguns segundos (GitHub 10 s, Svix 15 s) e tentam de novo; responda 2xx primeiro e trabalhe depois.",
        ),
        Case::Duplicate => (
            "Senders deliver at least once, so an event can arrive twice; the second time it must get a 2xx and change nothing.",
            "Os remetentes entregam pelo menos uma vez, então um evento pode chegar duas vezes; na segunda ele deve receber 2xx e não mudar nada.",
        ),
        Case::UnknownEvent => (
            "Senders add event types over time; refusing one makes the sender retry it for days and may get the endpoint disabled.",
            "Os remetentes criam tipos de evento com o tempo; recusar um faz o remetente insistir por dias e pode desativar o endpoint.",
        ),
        Case::NotJson => (
            "A body that cannot be parsed deserves a clear 400, not a crash (500) or a silent 200.",
            "Um corpo que não pode ser lido merece um 400 claro, e não um erro (500) ou um 200 silencioso.",
        ),
        Case::OversizedBody => (
            "A receiver that reads any size can be made to buffer gigabytes; cap the body at what your sender can send.",
            "Um receptor que lê qualquer tamanho pode ser forçado a guardar gigabytes; limite o corpo ao que o seu remetente envia.",
        ),
        Case::Timing => (
            "Comparing signatures with == stops at the first wrong byte and can leak how much of a forgery was right; loopback is noisy, so this is a hint, not a proof.",
            "Comparar assinaturas com == para no primeiro byte errado e pode revelar quanto de uma falsificação estava certo; o loopback tem ruído, então isto é um indício, não uma prova.",
        ),
    };
    pick(lang, en, pt)
}

/// What the case sent, for the scheme of `card`.
pub fn sent(case: Case, card: &Scorecard, lang: Lang) -> String {
    let standard = card.scheme == Scheme::Standard;
    let header = if standard {
        "webhook-signature"
    } else {
        "X-Hub-Signature-256"
    };
    let minutes = TIMESTAMP_OFFSET_SECS / 60;
    let (en, pt) = match case {
        Case::Genuine if standard => (
            "a payment.approved event, signed with your secret".to_owned(),
            "um evento payment.approved, assinado com o seu segredo".to_owned(),
        ),
        Case::Genuine => (
            "a push event, signed with your secret".to_owned(),
            "um evento push, assinado com o seu segredo".to_owned(),
        ),
        Case::Reliability => {
            let n = crate::battery::RELIABILITY_DELIVERIES;
            (
                format!("{n} genuine deliveries, one after another, each with a fresh id"),
                format!("{n} entregas genuínas, uma após a outra, cada uma com um id novo"),
            )
        }
        Case::ForgedSignature if standard => (
            "webhook-signature: v1,<32 random bytes>, then the genuine signature with its second half changed (its first 21 of 44 characters right), then with only its last byte changed (41 of 44)".to_owned(),
            "webhook-signature: v1,<32 bytes aleatórios>, depois a assinatura genuína com a segunda metade trocada (os primeiros 21 de 44 caracteres certos), depois só com o último byte trocado (41 de 44)".to_owned(),
        ),
        Case::ForgedSignature => (
            "X-Hub-Signature-256: sha256=<64 random hex digits>, then the genuine digest with its second half changed (its first 32 of 64 digits right), then with only its last byte changed (62 of 64)".to_owned(),
            "X-Hub-Signature-256: sha256=<64 dígitos hex aleatórios>, depois o digest genuíno com a segunda metade trocada (os primeiros 32 de 64 dígitos certos), depois só com o último byte trocado (62 de 64)".to_owned(),
        ),
        Case::WrongSecret => (
            "signed with a random secret instead of yours".to_owned(),
            "assinado com um segredo aleatório no lugar do seu".to_owned(),
        ),
        Case::TamperedBody if standard => (
            "signed, then amount_cents 4990 changed to 9990".to_owned(),
            "assinado, depois amount_cents 4990 trocado por 9990".to_owned(),
        ),
        Case::TamperedBody => (
            "signed, then ref refs/heads/main changed to refs/heads/mair".to_owned(),
            "assinado, depois ref refs/heads/main trocado por refs/heads/mair".to_owned(),
        ),
        Case::NoSignature => (
            format!("no {header} header"),
            format!("sem o cabeçalho {header}"),
        ),
        Case::UnknownVersion if standard => (
            "webhook-signature: v2,<the right signature>".to_owned(),
            "webhook-signature: v2,<a assinatura certa>".to_owned(),
        ),
        Case::UnknownVersion => (
            "X-Hub-Signature-256: sha512=<the right digest>".to_owned(),
            "X-Hub-Signature-256: sha512=<o digest certo>".to_owned(),
        ),
        Case::EmptySignature => (format!("{header}: (empty)"), format!("{header}: (vazio)")),
        Case::StaleTimestamp | Case::FutureTimestamp | Case::KeyRotation if !standard => {
            ("nothing".to_owned(), "nada".to_owned())
        }
        Case::StaleTimestamp => (
            format!("signed correctly, webhook-timestamp {minutes} minutes ago"),
            format!("assinado certo, webhook-timestamp de {minutes} minutos atrás"),
        ),
        Case::FutureTimestamp => (
            format!("signed correctly, webhook-timestamp {minutes} minutes ahead"),
            format!("assinado certo, webhook-timestamp {minutes} minutos no futuro"),
        ),
        Case::KeyRotation => (
            "webhook-signature: v1,<another secret's> v1,<yours>".to_owned(),
            "webhook-signature: v1,<de outro segredo> v1,<do seu>".to_owned(),
        ),
        Case::RawBytes => (
            "a genuine event written with tabs, newlines, keys in reverse order and accents"
                .to_owned(),
            "um evento genuíno escrito com tabs, quebras de linha, chaves em ordem inversa e acentos"
                .to_owned(),
        ),
        Case::AnswersFast => (
            "a genuine event, timed to the end of the answer".to_owned(),
            "um evento genuíno, cronometrado até o fim da resposta".to_owned(),
        ),
        Case::Duplicate => {
            let id = if standard {
                "webhook-id"
            } else {
                "X-GitHub-Delivery"
            };
            (
                format!("the same genuine delivery twice (same {id})"),
                format!("a mesma entrega genuína duas vezes (mesmo {id})"),
            )
        }
        Case::UnknownEvent if standard => (
            format!("a genuine event of type {UNKNOWN_STANDARD_TYPE}"),
            format!("um evento genuíno do tipo {UNKNOWN_STANDARD_TYPE}"),
        ),
        Case::UnknownEvent => (
            format!("a genuine event with X-GitHub-Event: {UNKNOWN_GITHUB_EVENT}"),
            format!("um evento genuíno com X-GitHub-Event: {UNKNOWN_GITHUB_EVENT}"),
        ),
        Case::NotJson => {
            let body = String::from_utf8_lossy(NOT_JSON);
            (
                format!("a signed body that is not JSON: `{body}`"),
                format!("um corpo assinado que não é JSON: `{body}`"),
            )
        }
        Case::OversizedBody => {
            let bytes = count(lang, card.oversized_bytes as f64);
            (
                format!("a signed JSON body of {bytes} bytes (one over the limit)"),
                format!("um corpo JSON assinado de {bytes} bytes (um acima do limite)"),
            )
        }
        Case::Timing => {
            let n = count(lang, card.timing_samples as f64);
            (
                format!("{n} forgeries wrong in the first byte, {n} wrong in the last, interleaved"),
                format!("{n} falsificações erradas no primeiro byte, {n} erradas no último, intercaladas"),
            )
        }
    };
    match lang {
        Lang::En => en,
        Lang::PtBr => pt,
    }
}

/// What `result` sent: its case's description, or "nothing" when it was
/// skipped before sending.
pub fn sent_for(result: &CaseResult, card: &Scorecard, lang: Lang) -> String {
    if result.replies.is_empty() && result.timing.is_none() {
        pick(lang, "nothing", "nada").to_owned()
    } else {
        sent(result.case, card, lang)
    }
}

/// What a note says.
pub fn note(note: &Note, lang: Lang) -> String {
    let en = lang == Lang::En;
    let text = |e: &str, p: &str| if en { e.to_owned() } else { p.to_owned() };
    match note {
        Note::RefusedWith5xx => text(
            "Refused with a 5xx: senders retry a 5xx as if you were down; refuse with a 4xx (401 for a bad signature, 400 for a body you cannot read, 413 for one too large).",
            "Recusou com 5xx: remetentes repetem um 5xx como se você estivesse fora do ar; recuse com um 4xx (401 para uma assinatura ruim, 400 para um corpo ilegível, 413 para um grande demais).",
        ),
        Note::Redirected => text(
            "A redirect: senders follow none, so it counts as a failed delivery.",
            "Um redirecionamento: remetentes não seguem nenhum, então conta como entrega falha.",
        ),
        Note::Accepted => text(
            "Accepted (2xx): this should have been refused.",
            "Aceitou (2xx): isto deveria ter sido recusado.",
        ),
        Note::Refused => text(
            "Refused: the sender will retry it and, after its last attempt, drop it.",
            "Recusou: o remetente vai tentar de novo e, depois da última tentativa, descartar.",
        ),
        // Also when a status came and the connection ended before the
        // body did: before, "before a status came back" contradicted the
        // receiver's own log, which showed a 200 sent.
        Note::NoAnswer => text(
            "No whole answer: the connection failed or closed before the answer ended (a status line without the rest of its answer is no answer to a sender either).",
            "Sem resposta completa: a conexão falhou ou fechou antes do fim da resposta (uma linha de status sem o resto da resposta também não é resposta para quem envia).",
        ),
        Note::AnswerTooLarge => text(
            "The answer's body was over 1 MiB: a sender stops reading there and counts the delivery failed, whatever the status; answer with an empty or short body.",
            "O corpo da resposta passou de 1 MiB: quem envia para de ler ali e conta a entrega como falha, seja qual for o status; responda com um corpo vazio ou curto.",
        ),
        Note::TimedOut(secs) if en => format!(
            "No answer within {secs} s: the sender counts it as failed and retries. If the receiver is only slow, answer 2xx first and do the work after."
        ),
        Note::TimedOut(secs) => format!(
            "Sem resposta em {secs} s: o remetente conta como falha e tenta de novo. Se o receptor só está lento, responda 2xx primeiro e trabalhe depois."
        ),
        // The answers column says "no answer (...)": this says why that
        // passes, rather than seeming to contradict it.
        Note::ClosedOnOversize => text(
            "No answer, and that is right here: the receiver closed the connection instead of reading the whole body, which refuses it (a 413 before closing also says why).",
            "Sem resposta, e aqui isso está certo: o receptor fechou a conexão em vez de ler o corpo inteiro, o que o recusa (um 413 antes de fechar também diz por quê).",
        ),
        Note::NothingAtPath => text(
            "404: nothing is at this path; check the URL (its path is the receiver's route, such as /webhook).",
            "404: não há nada neste caminho; confira a URL (o caminho é a rota do receptor, como /webhook).",
        ),
        Note::SignatureRefused(status) if en => format!(
            "{status}: the receiver did not take the signature; check --secret (the receiver's own secret) and --scheme (the signature format it expects)."
        ),
        Note::SignatureRefused(status) => format!(
            "{status}: o receptor não aceitou a assinatura; confira --secret (o segredo do próprio receptor) e --scheme (o formato de assinatura que ele espera)."
        ),
        Note::GenuineServerError(status) if en => format!(
            "{status} to every attempt (a delivery that gets a 5xx is sent again, as senders retry): a 5xx is the receiver failing, not refusing; its own log (a traceback, an exception) says why."
        ),
        Note::GenuineServerError(status) => format!(
            "{status} em todas as tentativas (uma entrega que recebe 5xx é enviada de novo, como os remetentes fazem): um 5xx é o receptor falhando, e não recusando; o log dele (um traceback, uma exceção) diz por quê."
        ),
        Note::GenuineRefused(status) if en => format!(
            "Skipped: the genuine delivery was refused ({status}), so this case would say nothing ({}).",
            genuine_refused_hint(*status, lang)
        ),
        Note::GenuineRefused(status) => format!(
            "Pulado: a entrega genuína foi recusada ({status}), então este caso não diria nada ({}).",
            genuine_refused_hint(*status, lang)
        ),
        Note::GenuineNoAnswer(why) if en => format!(
            "Skipped: the genuine delivery got no answer ({}), so this case would say nothing; see why the receiver drops the connection (its own log, a crash).",
            cause(*why, lang)
        ),
        Note::GenuineNoAnswer(why) => format!(
            "Pulado: a entrega genuína ficou sem resposta ({}), então este caso não diria nada; veja por que o receptor derruba a conexão (o log dele, uma falha).",
            cause(*why, lang)
        ),
        Note::GenuineTimedOut(secs) if en => format!(
            "Skipped: the genuine delivery got no answer within {secs} s (the sender's own limit, so no flag changes it), and every other case would wait as long; make the receiver answer (is it stuck, or is another program on that port? if it works before it answers, answer 2xx first and do the work after) and run again."
        ),
        Note::GenuineTimedOut(secs) => format!(
            "Pulado: a entrega genuína ficou sem resposta em {secs} s (o limite do próprio remetente, por isso nenhuma opção o muda), e cada um dos outros casos esperaria o mesmo; faça o receptor responder (ele travou? é outro programa nessa porta? se ele trabalha antes de responder, responda 2xx primeiro e trabalhe depois) e rode de novo."
        ),
        Note::OutOfTime(secs) if en => format!(
            "Skipped: the battery's deadline of {secs} s passed before this case (the receiver answers slowly); make it answer first and work after, or give a longer --deadline."
        ),
        Note::OutOfTime(secs) => format!(
            "Pulado: o prazo da bateria, {secs} s, passou antes deste caso (o receptor responde devagar); faça-o responder primeiro e trabalhar depois, ou passe um --deadline maior."
        ),
        Note::CutByDeadline(secs) if en => format!(
            "Cut short: the battery's deadline of {secs} s passed while this case waited for its answer (what came before is shown); give a longer --deadline."
        ),
        Note::CutByDeadline(secs) => format!(
            "Interrompido: o prazo da bateria, {secs} s, passou enquanto este caso esperava a resposta (o que veio antes aparece acima); passe um --deadline maior."
        ),
        Note::GithubHasNoTimestamp => text(
            "Skipped: GitHub signs no timestamp; a GitHub receiver stops replays by remembering X-GitHub-Delivery ids.",
            "Pulado: o GitHub não assina timestamp; um receptor do GitHub barra reenvios lembrando os X-GitHub-Delivery.",
        ),
        Note::GithubHasNoRotation => text(
            "Skipped: GitHub sends one signature; to change the secret, accept the old and the new one for a while.",
            "Pulado: o GitHub envia uma só assinatura; para trocar o segredo, aceite o antigo e o novo por um tempo.",
        ),
        Note::Slow(ms) if en => format!(
            "Answered in {}: within GitHub's 10 s and Svix's 15 s, but over 1 s, and a slower moment (a cold start, a busy database) crosses them. Answer 2xx first, then do the work (a background task, a queue).",
            millis(*ms, lang)
        ),
        Note::Slow(ms) => format!(
            "Respondeu em {}: dentro dos 10 s do GitHub e dos 15 s do Svix, mas acima de 1 s, e um momento mais lento (uma partida a frio, um banco ocupado) passa deles. Responda 2xx primeiro e depois trabalhe (uma tarefa em segundo plano, uma fila).",
            millis(*ms, lang)
        ),
        Note::TooSlow(ms) if en => format!(
            "Answered in {}: past GitHub's 10 s, where GitHub counts the delivery failed and sends it again (Svix waits 15 s, many senders less). Answer 2xx first, then do the work (a background task, a queue).",
            millis(*ms, lang)
        ),
        Note::TooSlow(ms) => format!(
            "Respondeu em {}: passou dos 10 s do GitHub, que conta a entrega como falha e a envia de novo (o Svix espera 15 s, muitos remetentes menos). Responda 2xx primeiro e depois trabalhe (uma tarefa em segundo plano, uma fila).",
            millis(*ms, lang)
        ),
        Note::StateNotGiven => text(
            "Checked by status codes only: two 2xx do not show that the second copy changed nothing (a receiver that charges a customer twice answers 200 too). Give --state-url to check the effect (docs/check.md, \"--state-url\").",
            "Conferido só pelos códigos de status: dois 2xx não mostram que a segunda cópia não mudou nada (um receptor que cobra o cliente duas vezes também responde 200). Passe --state-url para conferir o efeito (docs/check.pt-BR.md, \"--state-url\").",
        ),
        Note::ProcessedTwice => text(
            "The state URL counted it twice: the duplicate was processed again.",
            "A URL de estado contou duas vezes: a duplicata foi processada de novo.",
        ),
        Note::NeverCounted => text(
            "The state URL did not count it within 1 s, so idempotency could not be seen.",
            "A URL de estado não contou nada em 1 s, então não deu para ver a idempotência.",
        ),
        Note::StateUnreadable(error) if en => {
            format!(
                "The state URL could not be read: {}.",
                state_error(error, lang)
            )
        }
        Note::StateUnreadable(error) => {
            format!(
                "Não foi possível ler a URL de estado: {}.",
                state_error(error, lang)
            )
        }
        Note::TimingDifference => text(
            "Forgeries wrong in the first byte were answered faster (significant at 0.001): a hint of a comparison that stops early; compare in constant time.",
            "Falsificações erradas no primeiro byte foram respondidas mais rápido (significativo a 0,001): indício de comparação que para cedo; compare em tempo constante.",
        ),
        Note::TimingNoDifference => text(
            "No significant difference: a hint, not a proof, that the comparison takes constant time.",
            "Sem diferença significativa: um indício, não uma prova, de que a comparação leva tempo constante.",
        ),
        Note::TimingTooFew => text(
            "Skipped: too few answers to compare (fewer than 20 of each kind of forgery came back within the case's 30 s).",
            "Pulado: poucas respostas para comparar (voltaram menos de 20 de cada tipo de falsificação nos 30 s do caso).",
        ),
        Note::TimingOff => text(
            "Skipped: --timing-samples 0.",
            "Pulado: --timing-samples 0.",
        ),
        Note::TimingTooSlow(ms) => {
            let fewest = crate::pace::TIMING_WARMUP + 2 * crate::pace::TIMING_MIN_SAMPLES;
            let budget = crate::pace::TIMING_BUDGET.as_secs();
            let each = millis(*ms, lang);
            match lang {
                Lang::En => format!(
                    "Skipped: the receiver takes {each} to refuse a forgery, so the fewest forgeries this case compares ({fewest}) do not fit in its {budget} s, and a comparison's nanoseconds cannot be seen under answers that slow. Refuse before any slow work: verify the signature first."
                ),
                Lang::PtBr => format!(
                    "Pulado: o receptor leva {each} para recusar uma falsificação, então o mínimo de falsificações que este caso compara ({fewest}) não cabe nos seus {budget} s, e os nanossegundos de uma comparação não aparecem sob respostas tão lentas. Recuse antes de qualquer trabalho lento: verifique a assinatura primeiro."
                ),
            }
        }
        Note::TimingAccepted => text(
            "Skipped: forged signatures were accepted (see the failed case above), so there is nothing to time.",
            "Pulado: assinaturas forjadas foram aceitas (veja o caso que falhou acima), então não há o que cronometrar.",
        ),
        Note::PrefixAccepted(shared) if en => format!(
            "Accepted (2xx) a signature that differs from the genuine one only after character {} (of {}): the receiver compares a prefix, not the whole signature. Compare all of it, in constant time (hmac.compare_digest, crypto.timingSafeEqual).",
            shared.chars, shared.of
        ),
        Note::PrefixAccepted(shared) => format!(
            "Aceitou (2xx) uma assinatura que difere da genuína só depois do caractere {} (de {}): o receptor compara um prefixo, e não a assinatura inteira. Compare toda ela, em tempo constante (hmac.compare_digest, crypto.timingSafeEqual).",
            shared.chars, shared.of
        ),
        Note::Unreliable {
            sent,
            server_errors,
            dropped,
            other,
        } => {
            let found = unreliable(*sent, *server_errors, *dropped, *other, lang);
            with_cut_short(*sent, found, lang)
        }
        Note::Reliable(n) => reliable(*n, lang),
        Note::AfterResends { resent, seen_in } => {
            // Where the random failure was seen: in another case, named, or
            // first here (before, it always pointed at the reliability case,
            // even when its 20 deliveries all got a 2xx).
            let seen = match (lang, seen_in) {
                (Lang::En, Some(case)) => format!("first seen in \"{}\"", title(*case, lang)),
                (Lang::En, None) => "first seen here".to_owned(),
                (Lang::PtBr, Some(case)) => format!("visto primeiro em \"{}\"", title(*case, lang)),
                (Lang::PtBr, None) => "visto primeiro aqui".to_owned(),
            };
            match (lang, resent) {
                (Lang::En, 1) => format!(
                    "The first attempt got a 5xx or lost its connection; this is the answer to the same delivery made again (a fresh id): the receiver fails at random ({seen})."
                ),
                (Lang::En, n) => format!(
                    "The first {n} attempts got a 5xx or lost their connection; this is the answer to the same delivery made again (a fresh id): the receiver fails at random ({seen})."
                ),
                (Lang::PtBr, 1) => format!(
                    "A primeira tentativa recebeu 5xx ou perdeu a conexão; esta é a resposta à mesma entrega feita de novo (um id novo): o receptor falha ao acaso ({seen})."
                ),
                (Lang::PtBr, n) => format!(
                    "As primeiras {n} tentativas receberam 5xx ou perderam a conexão; esta é a resposta à mesma entrega feita de novo (um id novo): o receptor falha ao acaso ({seen})."
                ),
            }
        }
        Note::Inconclusive { attempts, seen_in } => {
            let seen = title(*seen_in, lang);
            match lang {
                Lang::En => format!(
                    "All {attempts} attempts got a 5xx or lost their connection, and this receiver fails at random elsewhere too (see \"{seen}\"): a refusal of this case cannot be told from bad luck. Fix the random failures first."
                ),
                Lang::PtBr => format!(
                    "As {attempts} tentativas receberam 5xx ou perderam a conexão, e este receptor também falha ao acaso em outro caso (veja \"{seen}\"): não dá para distinguir uma recusa deste caso de azar. Corrija as falhas ao acaso primeiro."
                ),
            }
        }
        Note::SignaturesNotChecked(case) if en => format!(
            "Skipped: a forgery was accepted (\"{}\"), so a 2xx here proves nothing: the receiver does not check signatures.",
            title(*case, lang)
        ),
        Note::SignaturesNotChecked(case) => format!(
            "Pulado: uma falsificação foi aceita (\"{}\"), então um 2xx aqui não prova nada: o receptor não confere assinaturas.",
            title(*case, lang)
        ),
    }
}

/// What to look at when the genuine delivery got `status`, said on every
/// case it made skip: the flags for a 401 or 403, the URL for a 404 (or a
/// redirect, or a path that takes no POST), the receiver's own answer and
/// log for another 4xx, and for a 5xx its log alone (before, a receiver
/// that crashed on everything was told to check --secret, --scheme and the
/// URL's path, none of which was wrong).
fn genuine_refused_hint(status: u16, lang: Lang) -> &'static str {
    let (en, pt) = match status {
        404 => (
            "nothing is at the URL's path: check the URL",
            "não há nada no caminho da URL: confira a URL",
        ),
        401 | 403 => ("check --secret and --scheme", "confira --secret e --scheme"),
        300..=399 => (
            "a redirect, which senders do not follow: check the URL's path, a trailing slash for one",
            "um redirecionamento, que os remetentes não seguem: confira o caminho da URL, uma barra no fim por exemplo",
        ),
        405 => (
            "the path takes no POST: check the URL's path",
            "o caminho não aceita POST: confira o caminho da URL",
        ),
        400..=499 => (
            "the receiver found fault with the request: its answer's body or its log says what; check --scheme, the headers it expects",
            "o receptor viu um problema na requisição: o corpo da resposta ou o log dele diz qual; confira --scheme, os cabeçalhos que ele espera",
        ),
        500..=599 => (
            "a 5xx is the receiver failing, not refusing: find the error in its own log, a traceback",
            "um 5xx é o receptor falhando, e não recusando: procure o erro no log dele, um traceback",
        ),
        _ => (
            "check --secret, --scheme and the URL's path",
            "confira --secret, --scheme e o caminho da URL",
        ),
    };
    pick(lang, en, pt)
}

/// The reliability case's pass, and how much luck it leaves: a receiver that
/// failed one delivery in 10 at random would pass it (0.9^n) of the time.
fn reliable(n: usize, lang: Lang) -> String {
    let unseen = 100.0 * 0.9f64.powi(i32::try_from(n).unwrap_or(i32::MAX));
    let unseen = decimal(lang, format!("{unseen:.0}%"));
    let found = match (lang, n) {
        (Lang::En, 1) => format!(
            "The one delivery sent got a 2xx. A receiver that fails one delivery in 10 would pass this {unseen} of the time."
        ),
        (Lang::En, n) => format!(
            "All {n} got a 2xx. A rarer failure can go unseen: a receiver that fails one delivery in 10 would pass this {unseen} of the time."
        ),
        (Lang::PtBr, 1) => format!(
            "A única entrega enviada recebeu 2xx. Um receptor que falha uma entrega a cada 10 passaria aqui {unseen} das vezes."
        ),
        (Lang::PtBr, n) => format!(
            "Todas as {n} receberam 2xx. Uma falha mais rara pode passar despercebida: um receptor que falha uma entrega a cada 10 passaria aqui {unseen} das vezes."
        ),
    };
    with_cut_short(n, found, lang)
}

/// `found`, after "Cut short after N of 20" when the reliability case sent
/// fewer than its 20 deliveries: the deadline stopped it (it takes at most
/// half of the time left when it starts, so the cases after it still run).
/// What it saw is graded all the same.
fn with_cut_short(sent: usize, found: String, lang: Lang) -> String {
    let planned = crate::battery::RELIABILITY_DELIVERIES;
    if sent >= planned {
        return found;
    }
    match lang {
        Lang::En => format!(
            "Cut short after {sent} of {planned} by the deadline: at the receiver's pace, more would leave the cases after this one no time to run (this case takes at most half of the time left). Give a longer --deadline for all {planned}; the pace line under the cases says about how long. {found}"
        ),
        Lang::PtBr => format!(
            "Interrompido depois de {sent} de {planned} pelo prazo: no ritmo do receptor, mais entregas deixariam os casos seguintes sem tempo (este caso usa no máximo metade do tempo que resta). Passe um --deadline maior para as {planned}; a linha de ritmo abaixo dos casos diz mais ou menos quanto. {found}"
        ),
    }
}

/// The reliability case's finding: how many of `sent` genuine deliveries got
/// a 5xx, how many lost their connection before an answer, and how many
/// another answer that is not a 2xx, each with its share.
fn unreliable(
    sent: usize,
    server_errors: usize,
    dropped: usize,
    other: usize,
    lang: Lang,
) -> String {
    let ok = sent.saturating_sub(server_errors + dropped + other);
    let share = |n: usize| {
        let percent = if sent == 0 {
            0.0
        } else {
            100.0 * n as f64 / sent as f64
        };
        decimal(lang, format!("{percent:.0}%"))
    };
    let mut parts = Vec::new();
    if server_errors > 0 {
        parts.push(match (lang, server_errors) {
            (Lang::En, _) => format!("{server_errors} got a 5xx ({})", share(server_errors)),
            (Lang::PtBr, 1) => format!("1 recebeu 5xx ({})", share(1)),
            (Lang::PtBr, n) => format!("{n} receberam 5xx ({})", share(n)),
        });
    }
    if dropped > 0 {
        parts.push(match (lang, dropped) {
            (Lang::En, _) => format!(
                "{dropped} got no answer, the connection closed or reset ({})",
                share(dropped)
            ),
            (Lang::PtBr, 1) => format!(
                "1 ficou sem resposta, a conexão fechou ou caiu ({})",
                share(1)
            ),
            (Lang::PtBr, n) => format!(
                "{n} ficaram sem resposta, a conexão fechou ou caiu ({})",
                share(n)
            ),
        });
    }
    if other > 0 {
        parts.push(match (lang, other) {
            (Lang::En, _) => format!("{other} got another answer that is not a 2xx"),
            (Lang::PtBr, 1) => "1 recebeu outra resposta que não é 2xx".to_owned(),
            (Lang::PtBr, n) => format!("{n} receberam outra resposta que não é 2xx"),
        });
    }
    let joined = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{}{}{last}", rest.join(", "), pick(lang, " and ", " e "))
        }
        _ => parts.concat(),
    };
    let deliveries = match (lang, sent) {
        (Lang::En, 1) => "genuine delivery".to_owned(),
        (Lang::En, _) => "genuine deliveries".to_owned(),
        (Lang::PtBr, 1) => "entrega genuína".to_owned(),
        (Lang::PtBr, _) => "entregas genuínas".to_owned(),
    };
    if ok == 0 {
        return match lang {
            Lang::En => format!("Of {sent} {deliveries}, {joined}: none got a 2xx."),
            Lang::PtBr => format!("De {sent} {deliveries}, {joined}: nenhuma recebeu 2xx."),
        };
    }
    match lang {
        Lang::En => format!(
            "Of {sent} {deliveries}, {joined}, while the other {ok} got a 2xx: the receiver fails at random. Find the error in its log; a 5xx is for when you cannot take the event now, not for a bug."
        ),
        Lang::PtBr => format!(
            "De {sent} {deliveries}, {joined}, enquanto as outras {ok} receberam 2xx: o receptor falha ao acaso. Procure o erro no log dele; um 5xx é para quando não dá para aceitar o evento agora, e não para um bug."
        ),
    }
}

/// The pace line under the cases: how fast the receiver answers, against
/// the senders' limits, and what the battery sent less of to end within
/// its deadline. `None` for a receiver that answers within a second and a
/// battery sent in full: nothing to say.
pub fn pace(pace: &Pace, lang: Lang) -> Option<String> {
    let accept = pace.accept();
    let slow = accept > FAST_ENOUGH;
    if !slow && !pace.reduced() {
        return None;
    }
    let en = lang == Lang::En;
    let time = |d: std::time::Duration| micros(d.as_secs_f64() * 1e6, lang);
    let mut line = match (en, pace.refuse_us) {
        (true, Some(_)) => format!(
            "Pace: the receiver answers a genuine delivery in {} and refuses a forgery in {}",
            time(accept),
            time(pace.refuse())
        ),
        (true, None) => format!(
            "Pace: the receiver answers a genuine delivery in {}",
            time(accept)
        ),
        (false, Some(_)) => format!(
            "Ritmo: o receptor responde a uma entrega genuína em {} e recusa uma falsificação em {}",
            time(accept),
            time(pace.refuse())
        ),
        (false, None) => format!(
            "Ritmo: o receptor responde a uma entrega genuína em {}",
            time(accept)
        ),
    };
    line.push_str(match (en, accept) {
        (_, a) if a <= FAST_ENOUGH => ".",
        (true, a) if a <= STRICTEST_SENDER_LIMIT => {
            ": fine for GitHub (10 s) and Svix (15 s), but over 1 s, and a slower moment crosses them; answer 2xx first and do the work after."
        }
        (false, a) if a <= STRICTEST_SENDER_LIMIT => {
            ": serve para o GitHub (10 s) e o Svix (15 s), mas passa de 1 s, e um momento mais lento passa deles; responda 2xx primeiro e trabalhe depois."
        }
        (true, _) => {
            ": past GitHub's 10 s, so GitHub would count every delivery failed and send it again (Svix waits 15 s, many senders less); answer 2xx first and do the work after."
        }
        (false, _) => {
            ": passa dos 10 s do GitHub, que contaria cada entrega como falha e a enviaria de novo (o Svix espera 15 s, muitos remetentes menos); responda 2xx primeiro e trabalhe depois."
        }
    });
    let all = crate::battery::RELIABILITY_DELIVERIES;
    let deadline = pace.deadline_secs;
    if let Some(n) = pace.reliability_planned.filter(|n| *n < all) {
        let full = pace.full_secs;
        line.push_str(&if en {
            format!(
                " To end within --deadline {deadline}, the battery sent {n} of the reliability case's {all} deliveries; about --deadline {full} would send every delivery."
            )
        } else {
            format!(
                " Para terminar dentro do --deadline {deadline}, a bateria enviou {n} das {all} entregas do caso de confiabilidade; um --deadline de cerca de {full} enviaria todas as entregas."
            )
        });
    }
    let asked = pace.timing_asked;
    let budget = crate::pace::TIMING_BUDGET.as_secs();
    match pace.timing_planned {
        Some(0) => line.push_str(pick(
            lang,
            " The timing case sent nothing: refusals this slow cannot be timed.",
            " O caso de tempo não enviou nada: recusas tão lentas não dão para cronometrar.",
        )),
        Some(n) if n < asked => line.push_str(&if en {
            format!(
                " The timing case sent {n} of its {asked} forgeries per group: as many as fit at this pace in its {budget} s, or in what was left of the deadline."
            )
        } else {
            format!(
                " O caso de tempo enviou {n} das suas {asked} falsificações por grupo: quantas cabem neste ritmo nos seus {budget} s, ou no que restava do prazo."
            )
        }),
        _ => {}
    }
    Some(line)
}

/// A skipped case's note when the case above it had the same one.
pub fn same_note(lang: Lang) -> &'static str {
    pick(
        lang,
        "Skipped, for the same reason as the case above.",
        "Pulado, pelo mesmo motivo do caso acima.",
    )
}

/// The verdict as a word.
pub fn verdict(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Pass => pick(lang, "pass", "passou"),
        Verdict::Fail => pick(lang, "fail", "falhou"),
        Verdict::Warn => pick(lang, "warn", "aviso"),
        Verdict::Skip => pick(lang, "skip", "pulado"),
    }
}

/// What came back, in a few words: `401 in 0.42 ms`, `200, then 200`, ...
pub fn got(result: &CaseResult, lang: Lang) -> String {
    if let Some(t) = &result.timing {
        let p = if t.p_value < 0.001 {
            decimal(lang, "p < 0.001".to_owned())
        } else {
            decimal(lang, format!("p = {:.3}", t.p_value))
        };
        let (first, last) = (
            micros(t.median_first_us, lang),
            micros(t.median_last_us, lang),
        );
        return match lang {
            Lang::En => format!("medians {first} (first byte) vs {last} (last), {p}"),
            Lang::PtBr => format!("medianas {first} (primeiro byte) vs {last} (último), {p}"),
        };
    }
    if result.replies.is_empty() {
        return "-".to_owned();
    }
    if result.case == Case::Reliability {
        return tally(&result.replies, lang);
    }
    let then = pick(lang, ", then ", ", depois ");
    let runs = runs(&result.replies);
    let attempts = result.attempts;
    // Every attempt sends all of the case's deliveries.
    let per_round = result.replies.len() / attempts.max(1);
    let mut text = match runs.as_slice() {
        _ if attempts > 1 && per_round > 1 && per_round * attempts == result.replies.len() => {
            rounds(result, per_round, lang)
        }
        // The same answer to every attempt, one request each: `500 to each
        // of 6 attempts` (before, `6 × 500` did not say they were the one
        // delivery sent again).
        [(reply, n)] if attempts > 1 && *n == attempts => match lang {
            Lang::En => format!("{} to each of {attempts} attempts", short(reply, lang)),
            Lang::PtBr => format!(
                "{} em cada uma das {attempts} tentativas",
                short(reply, lang)
            ),
        },
        _ => {
            let answers = runs
                .iter()
                .map(|(reply, n)| match n {
                    1 => reply_text(reply, lang),
                    n => format!("{n} × {}", short(reply, lang)),
                })
                .collect::<Vec<_>>()
                .join(then);
            match lang {
                _ if attempts < 2 => answers,
                Lang::En => format!("{attempts} attempts: {answers}"),
                Lang::PtBr => format!("{attempts} tentativas: {answers}"),
            }
        }
    };
    if result.case == Case::Duplicate && result.note == Some(Note::StateNotGiven) {
        text.push_str(pick(
            lang,
            " (status codes only)",
            " (só os códigos de status)",
        ));
    }
    if let Some(state) = &result.state {
        let label = pick(lang, "processed", "processados");
        let (before, after) = (
            count(lang, state.before as f64),
            count(lang, state.after as f64),
        );
        text.push_str(&format!("; {label} {before} -> {after}"));
    }
    text
}

/// The answers to a case whose every attempt sends several deliveries (the
/// duplicate's pair, the forged signatures), made again after a 5xx: a
/// round each time, and what each round got, like rounds merged. Before,
/// the duplicate's six pairs read `6 attempts: 200, then 500, then 200, …`,
/// twelve answers that looked like a sender retrying with a fresh id each
/// time; now `6 rounds, each the delivery twice with the same id (a new id
/// each round): 200, then 500 in every round`.
fn rounds(result: &CaseResult, per_round: usize, lang: Lang) -> String {
    let attempts = result.attempts;
    let intro = match (lang, result.case) {
        (Lang::En, Case::Duplicate) => format!(
            "{attempts} rounds, each the delivery twice with the same id (a new id each round)"
        ),
        (Lang::PtBr, Case::Duplicate) => format!(
            "{attempts} rodadas, cada uma a entrega duas vezes com o mesmo id (um id novo a cada rodada)"
        ),
        (Lang::En, _) => {
            format!("{attempts} rounds of the case's {per_round} deliveries (new ids each round)")
        }
        (Lang::PtBr, _) => {
            format!("{attempts} rodadas das {per_round} entregas do caso (ids novos a cada rodada)")
        }
    };
    let then = pick(lang, ", then ", ", depois ");
    let answers = |round: &[Reply]| {
        round
            .iter()
            .map(|reply| short(reply, lang))
            .collect::<Vec<_>>()
            .join(then)
    };
    // Like rounds in a row, merged: (first round, last round, answers).
    let mut groups: Vec<(usize, usize, &[Reply])> = Vec::new();
    for (index, round) in result.replies.chunks(per_round).enumerate() {
        let key = |replies: &[Reply]| replies.iter().map(short_key).collect::<Vec<_>>();
        match groups.last_mut() {
            Some((_, last, seen)) if key(seen) == key(round) => *last = index + 1,
            _ => groups.push((index + 1, index + 1, round)),
        }
    }
    if let [(_, _, round)] = groups.as_slice() {
        let every = pick(lang, "in every round", "em todas as rodadas");
        return format!("{intro}: {} {every}", answers(round));
    }
    let said = groups
        .iter()
        .map(|(first, last, round)| {
            let label = match (lang, first == last) {
                (Lang::En, true) => format!("round {first}"),
                (Lang::En, false) => format!("rounds {first} to {last}"),
                (Lang::PtBr, true) => format!("rodada {first}"),
                (Lang::PtBr, false) => format!("rodadas {first} a {last}"),
            };
            format!("{label}: {}", answers(round))
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!("{intro}: {said}")
}

/// `replies` as runs of like answers (the same status, or the same kind of
/// missing answer), each with its length, when there are more than three:
/// five resends after a 5xx read `5 × 500, then 200 in 0.42 ms`, not as a
/// line too long for a terminal. Three or fewer are each their own run.
fn runs(replies: &[Reply]) -> Vec<(&Reply, usize)> {
    let mut runs: Vec<(&Reply, usize)> = Vec::new();
    for reply in replies {
        match runs.last_mut() {
            Some((last, n)) if replies.len() > 3 && short_key(last) == short_key(reply) => *n += 1,
            _ => runs.push((reply, 1)),
        }
    }
    runs
}

/// What makes two answers alike in [`runs`].
fn short_key(reply: &Reply) -> (u8, u16) {
    match reply {
        Reply::Answered { status, .. } => (0, *status),
        Reply::NoAnswer { cause, .. } => (1, *cause as u16),
        Reply::TimedOut { .. } => (2, 0),
    }
}

/// An answer without its time: `500`, `no answer (the receiver closed the
/// connection before a whole answer)`: a dropped connection keeps its
/// cause, so six of them read as what they were.
fn short(reply: &Reply, lang: Lang) -> String {
    match reply {
        Reply::Answered { status, .. } => status.to_string(),
        Reply::NoAnswer { .. } => reply_text(reply, lang),
        Reply::TimedOut { .. } => pick(lang, "timed out", "sem resposta no prazo").to_owned(),
    }
}

/// Many answers in a few words: how many of each status, in the order first
/// seen, and the median time: `17 × 200, 3 × 500; median 0.42 ms`.
fn tally(replies: &[Reply], lang: Lang) -> String {
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for reply in replies {
        let kind = short(reply, lang);
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((kind, 1)),
        }
    }
    let mut text = kinds
        .iter()
        .map(|(kind, n)| format!("{n} × {kind}"))
        .collect::<Vec<_>>()
        .join(", ");
    let times: Vec<f64> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::Answered { elapsed_us, .. } => Some(*elapsed_us as f64),
            _ => None,
        })
        .collect();
    if let Some(median) = crate::stats::median(&times) {
        let label = pick(lang, "median", "mediana");
        text.push_str(&format!("; {label} {}", micros(median, lang)));
    }
    text
}

fn reply_text(reply: &Reply, lang: Lang) -> String {
    match reply {
        Reply::Answered { status, elapsed_us } => {
            let time = micros(*elapsed_us as f64, lang);
            match lang {
                Lang::En => format!("{status} in {time}"),
                Lang::PtBr => format!("{status} em {time}"),
            }
        }
        // The library's own words are a detail (see [`details`]): here, the
        // class, in the language.
        // An answer did come: saying "no answer" would send the reader
        // looking for a crash.
        Reply::NoAnswer {
            cause: why @ Cause::BodyTooLarge,
            ..
        } => cause(*why, lang).to_owned(),
        Reply::NoAnswer { cause: why, .. } => match lang {
            Lang::En => format!("no answer ({})", cause(*why, lang)),
            Lang::PtBr => format!("sem resposta ({})", cause(*why, lang)),
        },
        // A request's wait is cut to what is left of --deadline
        // (`Target::post`): one sent with under a millisecond left never had
        // a chance of an answer, and "no answer in 0.00 ms" read as a
        // measured silence (a tester's finding).
        Reply::TimedOut { after_ms: 0 } => pick(
            lang,
            "not waited for: --deadline had passed",
            "não esperada: o --deadline tinha passado",
        )
        .to_owned(),
        Reply::TimedOut { after_ms } => match lang {
            Lang::En => format!("no answer in {}", millis(*after_ms, lang)),
            Lang::PtBr => format!("sem resposta em {}", millis(*after_ms, lang)),
        },
    }
}

/// The HTTP library's own words for every request of `result` that got no
/// answer, each once: printed on a line of their own, labelled, under the
/// translated class.
pub fn details(result: &CaseResult) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for reply in &result.replies {
        if let Reply::NoAnswer { error, .. } = reply
            && !seen.contains(&error.as_str())
        {
            seen.push(error);
        }
    }
    seen
}

/// A time in microseconds, in the unit that reads best, with `lang`'s
/// decimal separator.
fn micros(us: f64, lang: Lang) -> String {
    let text = if us < 1_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else if us < 10_000.0 {
        format!("{:.1} ms", us / 1_000.0)
    } else if us < 1_000_000.0 {
        format!("{:.0} ms", us / 1_000.0)
    } else {
        format!("{:.1} s", us / 1_000_000.0)
    };
    decimal(lang, text)
}

/// What the progress line's first case adds: how long a silent receiver is
/// waited on, and what set it, ` (each request waits up to 5 s, the
/// battery's deadline)`. Whole seconds read as such (`15 s`, the senders'
/// and `--deadline`'s), anything else in the unit that reads best.
pub fn wait(wait: Wait, lang: Lang) -> String {
    let limit = if wait.limit.subsec_nanos() == 0 && !wait.limit.is_zero() {
        format!("{} s", wait.limit.as_secs())
    } else {
        micros(wait.limit.as_secs_f64() * 1_000_000.0, lang)
    };
    let by = match wait.by {
        WaitBy::Sender => pick(lang, "the sender's limit", "o limite do remetente"),
        WaitBy::RequestTimeout => {
            pick(lang, "the request timeout", "o tempo limite por requisição")
        }
        WaitBy::Deadline => pick(lang, "the battery's deadline", "o prazo da bateria"),
    };
    match lang {
        Lang::En => format!(" (each request waits up to {limit}, {by})"),
        Lang::PtBr => format!(" (cada requisição espera até {limit}, {by})"),
    }
}

/// A time in milliseconds, in the unit that reads best (`10,0 s`).
pub fn millis(ms: u64, lang: Lang) -> String {
    micros(ms as f64 * 1_000.0, lang)
}

/// The summary line: `12 of 18 passed, 2 failed, 1 warned, 3 skipped`, in
/// Portuguese with a singular verb for one (`1 de 18 passou, 1 falhou, 1
/// pulado`). A battery cut short by its deadline says so after it.
pub fn summary(counts: &Counts, lang: Lang) -> String {
    let Counts {
        total,
        passed,
        failed,
        warned,
        skipped,
        out_of_time,
    } = *counts;
    let mut line = match lang {
        Lang::En => format!(
            "{passed} of {total} passed, {failed} failed, {warned} warned, {skipped} skipped"
        ),
        Lang::PtBr => {
            let passaram = if passed == 1 { "passou" } else { "passaram" };
            let falharam = if failed == 1 { "falhou" } else { "falharam" };
            let pulados = if skipped == 1 { "pulado" } else { "pulados" };
            format!(
                "{passed} de {total} {passaram}, {failed} {falharam}, {warned} com aviso, {skipped} {pulados}"
            )
        }
    };
    if out_of_time > 0 {
        line.push_str(&match (lang, out_of_time) {
            (Lang::En, 1) => "; incomplete: 1 case did not finish before the deadline".to_owned(),
            (Lang::En, n) => format!("; incomplete: {n} cases did not finish before the deadline"),
            (Lang::PtBr, 1) => "; incompleto: 1 caso não terminou antes do prazo".to_owned(),
            (Lang::PtBr, n) => format!("; incompleto: {n} casos não terminaram antes do prazo"),
        });
    }
    line
}

/// Why `hooklab check` exits 1, one line: how many cases failed, and how
/// the deadline left the battery incomplete: cases it kept from starting,
/// and cases it cut short while they waited for an answer; the same cases
/// the scorecard counts as out of time (`Counts::out_of_time`), so the two
/// lines agree. `None` when nothing failed and the battery finished.
pub fn exit_reason(card: &Scorecard, lang: Lang) -> Option<String> {
    let total = card.results.len();
    let failed = card.failed().len();
    let (mut not_started, mut cut) = (0, 0);
    for result in &card.results {
        match &result.note {
            Some(Note::OutOfTime(_)) => not_started += 1,
            Some(Note::CutByDeadline(_)) => cut += 1,
            // A reliability case that sent fewer than its 20 deliveries is
            // graded on what it sent and does not make the battery
            // incomplete (`Scorecard::counts`): counting it here made this
            // line disagree with the scorecard's own "incomplete: N".
            _ => {}
        }
    }
    let pt = lang == Lang::PtBr;
    let failed_part = match (failed, pt) {
        (0, _) => None,
        (n, false) => Some(format!("{n} of {total} cases failed")),
        (1, true) => Some(format!("1 de {total} casos falhou")),
        (n, true) => Some(format!("{n} de {total} casos falharam")),
    };
    let began = |n: usize| if n == 1 { "começou" } else { "começaram" };
    let was_cut = |n: usize| match (n, pt) {
        (1, false) => "was cut short",
        (_, false) => "were cut short",
        (1, true) => "foi interrompido",
        (_, true) => "foram interrompidos",
    };
    let incomplete = match (not_started, cut, pt) {
        (0, 0, _) => None,
        (a, 0, false) => Some(format!(
            "incomplete: {a} of {total} cases did not start before --deadline; give a longer one"
        )),
        (0, c, false) => Some(format!(
            "incomplete: {c} of {total} cases {} by --deadline; give a longer one",
            was_cut(c)
        )),
        (a, c, false) => Some(format!(
            "incomplete: of {total} cases, {a} did not start before --deadline and {c} {} by it; give a longer one",
            was_cut(c)
        )),
        (a, 0, true) => Some(format!(
            "incompleto: {a} de {total} casos não {} antes do --deadline; passe um maior",
            began(a)
        )),
        (0, c, true) => Some(format!(
            "incompleto: {c} de {total} casos {} pelo --deadline; passe um maior",
            was_cut(c)
        )),
        (a, c, true) => Some(format!(
            "incompleto: de {total} casos, {a} não {} antes do --deadline e {c} {} por ele; passe um maior",
            began(a),
            was_cut(c)
        )),
    };
    match (failed_part, incomplete) {
        (Some(f), Some(i)) => Some(format!("{f}; {i}")),
        (f, i) => f.or(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A case the deadline cut while it waited is said to be cut short, not
    /// to have not started; the failures come first; a reliability case
    /// that sent fewer than its 20 deliveries is neither (a tester saw
    /// "4 did not start and 2 were cut short" beside the scorecard's
    /// "5 cases did not finish").
    #[test]
    fn the_exit_reason_tells_cases_not_started_from_cases_cut_short() {
        let mut card = Scorecard {
            url: "http://127.0.0.1:1/".into(),
            scheme: crate::Scheme::Standard,
            state_url: None,
            oversized_bytes: 0,
            timing_samples: 0,
            pace: None,
            results: vec![CaseResult::skipped(
                Case::StaleTimestamp,
                Note::CutByDeadline(30),
            )],
        };
        let said = |card: &Scorecard, lang| exit_reason(card, lang).unwrap();
        assert_eq!(
            said(&card, Lang::En),
            "incomplete: 1 of 1 cases was cut short by --deadline; give a longer one"
        );
        assert_eq!(
            said(&card, Lang::PtBr),
            "incompleto: 1 de 1 casos foi interrompido pelo --deadline; passe um maior"
        );
        card.results
            .push(CaseResult::skipped(Case::Duplicate, Note::OutOfTime(30)));
        card.results
            .push(CaseResult::skipped(Case::Timing, Note::OutOfTime(30)));
        assert_eq!(
            said(&card, Lang::En),
            "incomplete: of 3 cases, 2 did not start before --deadline and 1 was cut short by it; give a longer one"
        );
        assert_eq!(
            said(&card, Lang::PtBr),
            "incompleto: de 3 casos, 2 não começaram antes do --deadline e 1 foi interrompido por ele; passe um maior"
        );
        let mut reliability = CaseResult::skipped(Case::Reliability, Note::Reliable(9));
        reliability.verdict = Verdict::Fail;
        card.results.push(reliability);
        assert_eq!(
            said(&card, Lang::En),
            "1 of 4 cases failed; incomplete: of 4 cases, 2 did not start before --deadline and 1 was cut short by it; give a longer one"
        );
        assert_eq!(card.counts().out_of_time, 3);
        card.results
            .retain(|r| r.note != Some(Note::CutByDeadline(30)));
        card.results.retain(|r| r.case == Case::Duplicate);
        assert_eq!(
            said(&card, Lang::PtBr),
            "incompleto: 1 de 1 casos não começou antes do --deadline; passe um maior"
        );
        // All 20 sent, or fewer (sized to the receiver's pace), nothing
        // failed: nothing to say, as the exit code says 0.
        for sent in [20, 9] {
            card.results = vec![CaseResult::skipped(Case::Reliability, Note::Reliable(sent))];
            assert_eq!(card.exit_code(), 0);
            assert_eq!(exit_reason(&card, Lang::En), None, "{sent} sent");
        }
    }

    /// A request sent as --deadline passed had no wait at all: it is not
    /// "no answer in 0.00 ms" (a tester read it as a measured silence).
    #[test]
    fn a_request_left_no_wait_by_the_deadline_says_so() {
        let mut result = CaseResult::skipped(Case::Duplicate, Note::CutByDeadline(120));
        result.attempts = 1;
        result.replies = vec![
            Reply::TimedOut { after_ms: 11_300 },
            Reply::TimedOut { after_ms: 0 },
        ];
        assert_eq!(
            got(&result, Lang::PtBr),
            "sem resposta em 11,3 s, depois não esperada: o --deadline tinha passado"
        );
        assert_eq!(
            got(&result, Lang::En),
            "no answer in 11.3 s, then not waited for: --deadline had passed"
        );
    }

    #[test]
    fn the_pace_line_says_only_what_there_is_to_say() {
        use std::time::Duration;
        let mut pace = Pace::new(Duration::from_millis(5), 200, Duration::from_secs(120));
        pace.refuse_us = Some(100_000);
        pace.reliability_planned = Some(20);
        // Fast and sent in full: no line.
        pace.timing_planned = Some(200);
        assert_eq!(super::pace(&pace, Lang::En), None);
        // Fast, the timing case sized down by its 30 s: said, no deadline.
        pace.timing_planned = Some(145);
        let en = super::pace(&pace, Lang::En).unwrap();
        assert!(en.starts_with("Pace: the receiver answers a genuine delivery in 5.0 ms and refuses a forgery in 100 ms. The timing case sent 145 of its 200"), "{en}");
        assert!(!en.contains("--deadline"), "{en}");
        let pt = super::pace(&pace, Lang::PtBr).unwrap();
        assert!(
            pt.contains("O caso de tempo enviou 145 das suas 200"),
            "{pt}"
        );
        // Over 10 s: past GitHub's limit, in both languages.
        pace.accept_us = 12_000_000;
        assert!(
            super::pace(&pace, Lang::En)
                .unwrap()
                .contains(": past GitHub's 10 s")
        );
        assert!(
            super::pace(&pace, Lang::PtBr)
                .unwrap()
                .contains(": passa dos 10 s do GitHub")
        );
    }

    #[test]
    fn times_read_in_the_right_unit() {
        assert_eq!(micros(420.0, Lang::En), "0.42 ms");
        assert_eq!(micros(4_200.0, Lang::En), "4.2 ms");
        assert_eq!(micros(42_000.0, Lang::En), "42 ms");
        assert_eq!(micros(2_500_000.0, Lang::En), "2.5 s");
        assert_eq!(millis(10_000, Lang::En), "10.0 s");
    }

    #[test]
    fn the_wait_says_what_set_it_in_both_languages() {
        use std::time::Duration;
        let deadline = Wait {
            limit: Duration::from_secs(5),
            by: WaitBy::Deadline,
        };
        assert_eq!(
            wait(deadline, Lang::En),
            " (each request waits up to 5 s, the battery's deadline)"
        );
        assert_eq!(
            wait(deadline, Lang::PtBr),
            " (cada requisição espera até 5 s, o prazo da bateria)"
        );
        let sender = Wait {
            limit: Duration::from_secs(15),
            by: WaitBy::Sender,
        };
        assert_eq!(
            wait(sender, Lang::En),
            " (each request waits up to 15 s, the sender's limit)"
        );
        let short = Wait {
            limit: Duration::from_millis(300),
            by: WaitBy::RequestTimeout,
        };
        assert_eq!(
            wait(short, Lang::PtBr),
            " (cada requisição espera até 300 ms, o tempo limite por requisição)"
        );
    }

    #[test]
    fn portuguese_times_have_a_decimal_comma() {
        assert_eq!(micros(4_800.0, Lang::PtBr), "4,8 ms");
        assert_eq!(micros(50.0, Lang::PtBr), "0,05 ms");
        assert_eq!(millis(10_000, Lang::PtBr), "10,0 s");
    }

    #[test]
    fn one_of_a_kind_is_singular_in_portuguese() {
        let counts = Counts {
            total: 18,
            passed: 1,
            failed: 1,
            warned: 1,
            skipped: 1,
            out_of_time: 0,
        };
        assert_eq!(
            summary(&counts, Lang::PtBr),
            "1 de 18 passou, 1 falhou, 1 com aviso, 1 pulado"
        );
        assert_eq!(
            summary(&counts, Lang::En),
            "1 of 18 passed, 1 failed, 1 warned, 1 skipped"
        );
        let many = Counts {
            passed: 2,
            failed: 2,
            skipped: 14,
            out_of_time: 13,
            ..counts
        };
        assert_eq!(
            summary(&many, Lang::PtBr),
            "2 de 18 passaram, 2 falharam, 1 com aviso, 14 pulados; incompleto: 13 casos não terminaram antes do prazo"
        );
        assert_eq!(
            summary(
                &Counts {
                    out_of_time: 1,
                    ..many
                },
                Lang::En
            ),
            "2 of 18 passed, 2 failed, 1 warned, 14 skipped; incomplete: 1 case did not finish before the deadline"
        );
    }

    #[test]
    fn the_reliability_finding_counts_each_kind_of_answer() {
        let en = unreliable(20, 6, 0, 0, Lang::En);
        assert!(
            en.starts_with(
                "Of 20 genuine deliveries, 6 got a 5xx (30%), while the other 14 got a 2xx"
            ),
            "{en}"
        );
        let pt = unreliable(20, 1, 0, 1, Lang::PtBr);
        assert!(pt.starts_with("De 20 entregas genuínas, 1 recebeu 5xx (5%) e 1 recebeu outra resposta que não é 2xx, enquanto as outras 18"), "{pt}");
        // A receiver that drops connections: the share of them is said.
        let en = unreliable(20, 1, 9, 0, Lang::En);
        assert!(
            en.starts_with("Of 20 genuine deliveries, 1 got a 5xx (5%) and 9 got no answer, the connection closed or reset (45%), while the other 10 got a 2xx"),
            "{en}"
        );
        let pt = unreliable(20, 0, 1, 0, Lang::PtBr);
        assert!(
            pt.starts_with("De 20 entregas genuínas, 1 ficou sem resposta, a conexão fechou ou caiu (5%), enquanto as outras 19"),
            "{pt}"
        );
        let replies = [
            Reply::Answered {
                status: 200,
                elapsed_us: 400,
            },
            Reply::Answered {
                status: 500,
                elapsed_us: 300,
            },
            Reply::Answered {
                status: 200,
                elapsed_us: 500,
            },
        ];
        assert_eq!(
            tally(&replies, Lang::PtBr),
            "2 × 200, 1 × 500; mediana 0,40 ms"
        );
    }

    #[test]
    fn a_reliability_case_cut_short_says_after_how_many() {
        // A tester's finding: the case ran 57 s, then said "skipped: the
        // deadline passed before this case".
        let en = note(&Note::Reliable(9), Lang::En);
        assert!(
            en.starts_with("Cut short after 9 of 20 by the deadline"),
            "{en}"
        );
        assert!(en.contains("All 9 got a 2xx"), "{en}");
        let pt = note(&Note::Reliable(9), Lang::PtBr);
        assert!(
            pt.starts_with("Interrompido depois de 9 de 20 pelo prazo"),
            "{pt}"
        );
        let failed = Note::Unreliable {
            sent: 9,
            server_errors: 1,
            dropped: 0,
            other: 0,
        };
        let en = note(&failed, Lang::En);
        assert!(en.starts_with("Cut short after 9 of 20"), "{en}");
        assert!(en.contains("Of 9 genuine deliveries, 1 got a 5xx"), "{en}");
        assert!(!note(&Note::Reliable(20), Lang::En).contains("Cut short"));
    }

    #[test]
    fn the_note_after_resends_names_where_the_failure_was_seen() {
        let here = Note::AfterResends {
            resent: 1,
            seen_in: None,
        };
        let en = note(&here, Lang::En);
        assert!(en.ends_with("fails at random (first seen here)."), "{en}");
        assert!(!en.contains(title(Case::Reliability, Lang::En)), "{en}");
        let elsewhere = Note::AfterResends {
            resent: 2,
            seen_in: Some(Case::Reliability),
        };
        let pt = note(&elsewhere, Lang::PtBr);
        assert!(
            pt.contains("(visto primeiro em \"aceita toda entrega genuína, e não só a maioria\")"),
            "{pt}"
        );
        let inconclusive = Note::Inconclusive {
            attempts: 6,
            seen_in: Case::Duplicate,
        };
        let en = note(&inconclusive, Lang::En);
        assert!(en.contains("(see \"survives a duplicate\")"), "{en}");
    }

    #[test]
    fn resends_read_as_runs_and_a_few_answers_one_by_one() {
        let answered = |status| Reply::Answered {
            status,
            elapsed_us: 420,
        };
        let result = |replies: Vec<Reply>| {
            CaseResult::new(Case::StaleTimestamp, replies, Verdict::Fail, None)
        };
        let mut replies = vec![answered(500); 5];
        replies.push(answered(200));
        assert_eq!(
            got(&result(replies), Lang::En),
            "5 × 500, then 200 in 0.42 ms"
        );
        assert_eq!(
            got(
                &result(vec![answered(500), answered(500), answered(200)]),
                Lang::PtBr
            ),
            "500 em 0,42 ms, depois 500 em 0,42 ms, depois 200 em 0,42 ms"
        );
    }

    #[test]
    fn the_answers_to_a_delivery_made_again_say_they_were_attempts() {
        // The pt-BR tester's finding: `6 × 500` did not say these were the
        // genuine delivery sent 6 times.
        let answered = |status| Reply::Answered {
            status,
            elapsed_us: 420,
        };
        let attempts = |attempts: Vec<Vec<Reply>>| {
            CaseResult::from_attempts(Case::Genuine, &attempts, Verdict::Fail, None)
        };
        let crashed = attempts(vec![vec![answered(500)]; 6]);
        assert_eq!(got(&crashed, Lang::En), "500 to each of 6 attempts");
        assert_eq!(
            got(&crashed, Lang::PtBr),
            "500 em cada uma das 6 tentativas"
        );
        let mut replies = vec![vec![answered(500)]; 5];
        replies.push(vec![answered(200)]);
        assert_eq!(
            got(&attempts(replies), Lang::En),
            "6 attempts: 5 × 500, then 200 in 0.42 ms"
        );
        let two = attempts(vec![vec![answered(503)], vec![answered(200)]]);
        assert_eq!(
            got(&two, Lang::PtBr),
            "2 tentativas: 503 em 0,42 ms, depois 200 em 0,42 ms"
        );
        // Pairs (the duplicate's): rounds, each the pair under one id, and
        // what each round got. The tester's finding: six pairs read "6
        // tentativas: 200 …, depois 500 …" and twelve answers, as if a
        // sender retried with a fresh id each time.
        let pairs = |rounds: &[Vec<Reply>]| {
            CaseResult::from_attempts(Case::Duplicate, rounds, Verdict::Fail, None)
        };
        let dup500 = pairs(&vec![vec![answered(200), answered(500)]; 6]);
        assert_eq!(
            got(&dup500, Lang::En),
            "6 rounds, each the delivery twice with the same id (a new id each round): 200, then 500 in every round"
        );
        assert_eq!(
            got(&dup500, Lang::PtBr),
            "6 rodadas, cada uma a entrega duas vezes com o mesmo id (um id novo a cada rodada): 200, depois 500 em todas as rodadas"
        );
        let mut rounds = vec![vec![answered(200), answered(500)]; 2];
        rounds.push(vec![answered(200); 2]);
        assert_eq!(
            got(&pairs(&rounds), Lang::En),
            "3 rounds, each the delivery twice with the same id (a new id each round): rounds 1 to 2: 200, then 500; round 3: 200, then 200"
        );
        assert_eq!(
            got(&pairs(&rounds), Lang::PtBr),
            "3 rodadas, cada uma a entrega duas vezes com o mesmo id (um id novo a cada rodada): rodadas 1 a 2: 200, depois 500; rodada 3: 200, depois 200"
        );
        // One round is its answers, with their times.
        assert_eq!(
            got(&pairs(&rounds[2..]), Lang::En),
            "200 in 0.42 ms, then 200 in 0.42 ms"
        );
    }

    #[test]
    fn a_refused_genuine_delivery_points_where_its_status_does() {
        let said = |status, lang| note(&Note::GenuineRefused(status), lang);
        for status in [401, 403] {
            assert!(said(status, Lang::En).contains("check --secret and --scheme"));
        }
        assert!(said(404, Lang::PtBr).contains("confira a URL"));
        for status in [500, 502, 503] {
            for lang in [Lang::En, Lang::PtBr] {
                let text = said(status, lang);
                assert!(text.contains("traceback"), "{text}");
                assert!(!text.contains("--secret"), "{text}");
            }
        }
        let bad_request = said(400, Lang::PtBr);
        assert!(bad_request.contains("o log dele diz qual"), "{bad_request}");
        assert!(!bad_request.contains("--secret"), "{bad_request}");
        assert!(said(405, Lang::En).contains("takes no POST"));
        assert!(said(307, Lang::En).contains("trailing slash"));
        // Each status's hint exists in both languages.
        for status in [0, 307, 400, 401, 404, 405, 422, 500] {
            assert_ne!(said(status, Lang::En), said(status, Lang::PtBr), "{status}");
        }
    }

    #[test]
    fn every_case_has_both_languages() {
        for case in Case::ALL {
            for (en, pt) in [
                (title(case, Lang::En), title(case, Lang::PtBr)),
                (why(case, Lang::En), why(case, Lang::PtBr)),
            ] {
                assert!(!en.is_empty() && !pt.is_empty(), "{case:?}");
                assert_ne!(en, pt, "{case:?}");
            }
        }
    }
}
