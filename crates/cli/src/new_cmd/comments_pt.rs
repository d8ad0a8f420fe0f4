//! The comments of the committed scenarios in Brazilian Portuguese, for
//! `hooklab --lang pt-BR new`.
//!
//! A scenario file's keys and values are its format and stay as they are;
//! its comments are prose for the student, so a Portuguese reader gets them
//! in Portuguese. Each committed scenario's comments are listed here in the
//! order they stand in its file: a block of whole-line comments, or the
//! comment at the end of a line (its `#` and what follows). A comment is
//! replaced only where it reads exactly as committed, so a class's own
//! comments, or a committed one it edited, are left as written. A test keeps
//! these lists as long as the files' comments. The words are those of
//! scenarios/LEIAME.md ("consulta", "lojista", "liquidação", "novas
//! tentativas", "tempo de parede").

use std::collections::HashMap;

/// Each committed scenario's comments in Portuguese, in file order.
const PT_BR: &[(&str, &[&str])] = &[
    (
        "checkout",
        &["\
# A história contada na apresentação que deu origem ao projeto: uma loja
# virtual delega o pagamento a uma plataforma externa e precisa saber como
# cada pagamento terminou. Este é o cenário que `hooklab run` roda quando não
# recebe arquivo."],
    ),
    (
        "crash-lab",
        &[
            "\
# Laboratório de quedas: o que sobrevive quando um processo morre. 300
# boletos pagos durante o dia compensam no lote do banco aos 2 s; a
# plataforma morre enquanto lança o lote e volta 3 s depois; a loja morre
# 50 ms depois de as entregas recomeçarem. Uma estratégia por banco de
# dados, outbox e confirmação: veja scenarios/LEIAME.md (\"Quedas e bancos\")
# para as chaves.",
            "\
# Todos os pedidos de uma vez: os pagamentos são todos liquidados no mesmo
# instante, o do lote em que a queda cai.",
        ],
    ),
    (
        "flaky-receiver",
        &["\
# O segundo custo dos webhooks, segundo a apresentação que deu origem ao
# projeto: é preciso tratar as chamadas que falham. O receptor da loja fica
# fora do ar (respondendo 503) no terço do meio da execução. Com novas
# tentativas, a estratégia webhook ainda fica sabendo de todo resultado, mais
# tarde; a mesma execução sem novas tentativas (uma tentativa só, que perde o
# que caiu na queda) é flaky-receiver-no-retries.toml. Aqui as esperas entre
# tentativas são curtas para a execução levar segundos; os provedores de
# verdade tentam de novo ao longo de horas e dias (veja scenarios/LEIAME.md,
# [delivery])."],
    ),
    (
        "flaky-receiver-no-retries",
        &["\
# A mesma queda de flaky-receiver.toml, mas a plataforma faz uma única
# tentativa por evento: sem novas tentativas. A estratégia webhook perde
# mais ou menos a parcela de eventos liquidados enquanto o receptor estava
# fora do ar (cerca de um terço)."],
    ),
    (
        "hook0-day",
        &[
            "\
# A conta do Hook0, medida em vez de suposta: 10.000 lojistas, cada um
# consultando um registro de eventos a cada minuto durante um dia
# (10.000 × 1.440 = 14,4 milhões de consultas), enquanto a plataforma
# inteira liquida cerca de 2.400 pagamentos, um a cada 36 segundos: cerca de
# 6.000 consultas para cada webhook que um push teria enviado. A parcela
# desperdiçada e a razão entre consultas e webhooks são resultados da
# execução, não entradas: nada aqui foi ajustado para produzi-los.
#
# Tempo virtual, e sem latência em `[network]` (cada latência acrescentada
# são mais dois temporizadores em cada uma das 14,4 milhões de trocas):
# mesmo assim leva minutos de tempo de parede, porque cada consulta é uma
# troca HTTP de verdade por um cano em memória.",
            "# 2.400 pedidos preenchem 24 h",
        ],
    ),
    (
        "lost-webhooks",
        &["\
# Perda silenciosa: o receptor confirma 10% das entregas (HTTP 200) e então
# as descarta antes de registrá-las, como faria um processo que cai logo
# depois de responder. Nenhuma nova tentativa enxerga isso: o remetente
# ouviu \"ok\". Só com webhook perdem-se cerca de 10%; as consultas de
# reconciliação do híbrido encontram todos, então o seu atraso p99 fica
# limitado por reconcile_after_ms mais um reconcile_every_ms.
#
# Por que 3.000 pedidos: o atraso médio do híbrido vem quase todo dos
# pedidos perdidos (cada um espera uma consulta de reconciliação, cerca de
# 0,9 s), então ele acompanha a parcela que o receptor calhou de perder. Com
# 300 pedidos essa parcela tem um erro-padrão de 1,7 ponto (17% de 10%): a
# semente 11 perdeu 11,3%, e a média ficou 12% acima do modelo no papel,
# embora o modelo alimentado com os próprios sorteios da execução
# concordasse dentro de 2%. Execuções em tempo virtual com 3.000 pedidos
# (sementes 11, 12 e 13) bateram com o modelo no papel, escalado pela
# parcela perdida de cada execução, dentro de 0,5%, então a diferença é
# ruído de amostragem, não erro do modelo; 3.000 pedidos levam o ruído a
# cerca de 5%, dentro dos 10% com que um leitor pode conferir o modelo."],
    ),
    (
        "poll-interval-sweep",
        &[
            "\
# A troca como uma curva: o mesmo consultor em sete intervalos, contra um
# webhook. Corte o intervalo pela metade e as requisições dobram e o atraso
# cai pela metade; o webhook fica sozinho no canto. Veja
# results/poll-interval-sweep/tradeoff.svg.",
            "\
# Liquidações mais espalhadas que o maior intervalo, para que até um
# consultor de 5 s às vezes pergunte duas vezes e a curva não se achate em
# uma requisição.",
            "\
# Uma execução de `poll` por valor: poll@interval_ms=50ms, ...
# poll@interval_ms=5s.",
        ],
    ),
    (
        "provider-outage",
        &[
            "\
# A mesma queda de seis horas do receptor, sob os hábitos de novas
# tentativas de quatro provedores.
#
# Execute com `hooklab run scenarios/provider-outage.toml`: doze horas
# simuladas de pedidos (um por minuto), em tempo virtual. Cada estratégia
# webhook dá o nome do perfil de novas tentativas do seu provedor
# (`retry = \"...\"`; veja em scenarios/LEIAME.md a documentação de cada
# provedor); cada estratégia tem a sua própria plataforma, então uma
# execução as mostra lado a lado na mesma carga e na mesma queda.",
            "\
# Para a execução inteira, o padrão: a agenda da Svix. Cada estratégia
# abaixo dá o nome da sua.",
            "\
# A tentativa única do GitHub, mais uma consulta de todo pagamento ainda
# desconhecido 15 minutos depois da criação, a cada 15 minutos: o que a
# própria documentação do GitHub pede de um receptor que não pode perder
# eventos.",
        ],
    ),
    (
        "rate-limited-polling",
        &["\
# Como a consulta agressiva falha de verdade: a plataforma permite a cada
# chave de API 200 requisições por segundo (um balde de fichas) e, acima
# disso, responde 429 com Retry-After. Consultar a cada 100 ms precisa de
# muito mais que isso para os ~90 pagamentos pendentes a cada momento; o
# consultor da loja respeita o Retry-After, então os 429 custam atraso.
# Consultar a cada segundo cabe no limite; os webhooks quase não o usam."],
    ),
    (
        "retry-for-days",
        &[
            "\
# Um receptor de webhooks fora do ar por meio dia, em tempo simulado.
#
# Execute com `hooklab run scenarios/retry-for-days.toml`: um dia simulado
# (24 h de pedidos, um por minuto) leva um instante de tempo de parede,
# porque o relógio é virtual e salta de um evento para o próximo.",
            "\
# Os mesmos webhooks, mais uma consulta de todo pagamento ainda
# desconhecido 15 minutos depois da criação, a cada 15 minutos: a rede de
# segurança que não espera a próxima tentativa do remetente.",
            "\
# Sem tabela [delivery]: a agenda padrão de novas tentativas da plataforma,
# a de cima.",
        ],
    ),
    (
        "spectrum",
        &[
            "\
# O espectro push-pull inteiro numa só carga: de perguntar por cada
# pagamento num temporizador (poll) a deixar a plataforma empurrar cada
# evento (webhook, stream), com as estratégias do meio: consultas
# condicionais (304 Not Modified enquanto nada mudou), um consultor que
# recua, long polls que a plataforma segura até haver novidade (por
# pagamento, ou no registro de eventos) e um fluxo de Server-Sent Events por
# lojista. Cada linha fica ao lado do seu modelo
# (crates/core/src/model/spectrum.rs para as novas).",
            "\
# Fixa, para que o modelo de cada estratégia seja exato em tempo virtual:
# com uma latência espalhada, temporizadores que disparam em milissegundos
# inteiros arredondam cada sorteio para cima (cerca de 0,5 ms por perna), e
# os eventos de um fluxo, que mantêm a ordem na sua única conexão, esperam
# atrás de um mais lento que veio antes.",
        ],
    ),
    (
        "spectrum-real",
        &["\
# As nove estratégias de scenarios/spectrum.toml em tempo real, em sockets
# de loopback: as mesmas ideias a um décimo da escala, cerca de um minuto ao
# todo. O tempo real mede o que o tempo virtual deixa de fora (HTTP, JSON, o
# escalonador, uma conexão SSE de verdade pelo reqwest); compare as suas
# linhas com as do spectrum."],
    ),
    (
        "zapier-15min",
        &[
            "\
# A Zapier mediu que, de todas as consultas que as suas integrações fazem,
# cerca de 98,5% não encontram nada novo: só 1,5% valem a requisição. Este
# cenário refaz essa descoberta: 500 lojistas numa plataforma de pagamentos,
# cada um liquidando cerca de um pagamento e meio por dia, ao acaso, cada um
# observado por um consultor do registro de eventos da plataforma a cada 15
# minutos, como faz uma integração da Zapier, e por webhooks. Um dia
# simulado roda em um ou dois segundos de tempo virtual.
#
# O modelo: uma consulta encontra novidade com probabilidade 1 - e^(-λT),
# sendo λ a taxa de liquidação de um lojista e T o intervalo: aqui
# λT = 0,0151, então 1,5%. O atraso de uma consulta é uniforme ao longo do
# intervalo: 7,5 minutos em média.",
            "\
# Um pagamento a cada 86.400 s / 725 = 119,172 s, cada um num lojista
# sorteado: as 725 chegadas preenchem exatamente 24 h (de 0 a 24 h menos um
# intervalo), e os pagamentos de cada lojista continuam chegando em
# instantes aleatórios. (Um fluxo de Poisson de 725 à mesma taxa média
# durou 24,8 h com esta semente, e a execução 25,6 h.) A execução continua
# depois das 24 h até o último resultado ser conhecido (as últimas
# liquidações vêm até 46 minutos depois da última chegada, e o consultor
# precisa do seu próximo tique: 24,75 h); as suas requisições por dia são
# as das suas primeiras 24 h exatas.",
        ],
    ),
];

/// One comment of a scenario file.
#[derive(Debug, PartialEq, Eq)]
enum Comment<'a> {
    /// Consecutive whole-line comments, joined by newlines.
    Block(String),
    /// The comment that ends a line of TOML: its `#` and what follows.
    Trailing(&'a str),
}

fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The comments of a committed scenario, in file order. A `#` after a space
/// on a line of TOML starts its trailing comment: true of the committed
/// files (their strings hold no ` #`), which a test holds them to.
fn comments(text: &str) -> Vec<Comment<'_>> {
    let mut found = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines() {
        if is_comment_line(line) {
            block.push(line);
            continue;
        }
        if !block.is_empty() {
            found.push(Comment::Block(block.join("\n")));
            block.clear();
        }
        if let Some(at) = line.find(" #") {
            found.push(Comment::Trailing(&line[at + 1..]));
        }
    }
    if !block.is_empty() {
        found.push(Comment::Block(block.join("\n")));
    }
    found
}

/// The committed scenarios' comments, each with its Portuguese: blocks by
/// their text, and trailing comments apart (they are matched at a line's end).
fn translations() -> (
    HashMap<String, &'static str>,
    Vec<(&'static str, &'static str)>,
) {
    let mut blocks = HashMap::new();
    let mut trailing = Vec::new();
    for (name, text) in super::COMMITTED {
        let Some((_, pt)) = PT_BR.iter().find(|(n, _)| n == name) else {
            continue;
        };
        for (english, pt) in comments(text).into_iter().zip(pt.iter()) {
            match english {
                Comment::Block(english) => {
                    blocks.insert(english, *pt);
                }
                Comment::Trailing(english) => trailing.push((english, *pt)),
            }
        }
    }
    (blocks, trailing)
}

/// `source` with every comment that reads exactly as a committed
/// scenario's replaced by its Portuguese; every other line as it was.
pub(super) fn translate(source: &str) -> String {
    let (blocks, trailing) = translations();
    let mut out: Vec<String> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, out: &mut Vec<String>| {
        if block.is_empty() {
            return;
        }
        let text = block.join("\n");
        out.push(blocks.get(&text).map_or(text, |pt| (*pt).to_owned()));
        block.clear();
    };
    for line in source.lines() {
        if is_comment_line(line) {
            block.push(line);
            continue;
        }
        flush(&mut block, &mut out);
        let translated = trailing
            .iter()
            .find_map(|(english, pt)| line.strip_suffix(english).map(|code| format!("{code}{pt}")));
        out.push(translated.unwrap_or_else(|| line.to_owned()));
    }
    flush(&mut block, &mut out);
    let mut text = out.join("\n");
    if source.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every committed scenario has its comments here, as many as its file
    /// has, and each is a comment (a block: every line of it).
    #[test]
    fn every_committed_comment_has_its_portuguese() {
        let mut named: Vec<&str> = PT_BR.iter().map(|(n, _)| *n).collect();
        let mut committed: Vec<&str> = super::super::COMMITTED.iter().map(|(n, _)| *n).collect();
        named.sort_unstable();
        committed.sort_unstable();
        assert_eq!(named, committed);
        for (name, text) in super::super::COMMITTED {
            let pt = PT_BR.iter().find(|(n, _)| n == name).unwrap().1;
            let english = comments(text);
            assert_eq!(english.len(), pt.len(), "{name}: {english:#?}");
            for (english, pt) in english.iter().zip(pt) {
                match english {
                    Comment::Block(_) => assert!(pt.lines().all(is_comment_line), "{pt}"),
                    Comment::Trailing(_) => assert!(pt.starts_with("# ") && !pt.contains('\n')),
                }
            }
        }
    }

    /// A translated scenario keeps every key and value: only its comments
    /// change, each one, and it parses to the same scenario.
    #[test]
    fn a_translated_scenario_changes_only_its_comments() {
        for (name, text) in super::super::COMMITTED {
            let pt = translate(text);
            let code = |t: &str| -> Vec<String> {
                t.lines()
                    .filter(|l| !is_comment_line(l))
                    .map(|l| l.split(" #").next().unwrap_or(l).to_owned())
                    .collect()
            };
            assert_eq!(code(text), code(&pt), "{name}");
            for english in comments(text) {
                let lines = match &english {
                    Comment::Block(b) => b.lines().collect::<Vec<_>>(),
                    Comment::Trailing(t) => vec![*t],
                };
                for line in lines.into_iter().filter(|l| l.trim() != "#") {
                    assert!(!pt.contains(line), "{name}: still in English: {line}");
                }
            }
            let before = hooklab_core::scenario::Scenario::parse(text, name).unwrap();
            let after = hooklab_core::scenario::Scenario::parse(&pt, name).unwrap();
            assert_eq!(format!("{before:?}"), format!("{after:?}"), "{name}");
        }
    }

    /// A class's own comment, and a committed one it edited, stay as written.
    #[test]
    fn comments_that_are_not_the_committed_ones_are_left_alone() {
        let source = "# my own notes\nname = \"x\"  # 2,400 orders fill 24 h?\n";
        assert_eq!(translate(source), source);
        let edited = super::super::COMMITTED[0].1.replacen("story", "tale", 1);
        assert!(translate(&edited).contains("The seed presentation's tale"));
    }
}
