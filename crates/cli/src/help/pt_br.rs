//! The Portuguese texts of `--help`: every command's description and every
//! argument's help, keyed by the command's path and the argument's id (a
//! test in `help.rs` fails on any missing).

/// A command's one-line description in Portuguese. The generated `help`
/// subcommands (`hooklab help run`) describe the command they name.
pub(super) fn about_pt(path: &str) -> Option<&'static str> {
    let words: Vec<&str> = path.split(' ').collect();
    let path = match words.iter().position(|w| *w == "help") {
        Some(i) if i + 1 < words.len() => {
            let named = words[i + 1..].join(" ");
            let named = if words[..i].is_empty() {
                named
            } else {
                format!("{} {named}", words[..i].join(" "))
            };
            return about_pt(&named);
        }
        Some(_) => "help",
        None => path,
    };
    PT_BR
        .iter()
        .find(|(p, id, _)| *p == path && id.is_empty())
        .map(|(_, _, text)| *text)
}

/// An argument's help in Portuguese.
pub(super) fn arg_pt(path: &str, id: &str) -> Option<&'static str> {
    let path = if path.is_empty() { "hooklab" } else { path };
    PT_BR
        .iter()
        .find(|(p, i, _)| (*p == path || p.is_empty()) && *i == id)
        .map(|(_, _, text)| *text)
}

/// `(command path, argument id, Portuguese text)`; an empty id is the
/// command's own description; an empty path applies to every command (the
/// flags every command has).
const PT_BR: &[(&str, &str, &str)] = &[
    (
        "",
        "lang",
        "Idioma do que é impresso para pessoas: `en` ou `pt-BR` (padrão: `pt-BR` quando LC_ALL ou LANG começa com `pt`, senão `en`)",
    ),
    (
        "",
        "quiet",
        "Imprime só os resultados: sem o progresso no stderr (a barra de `run`, a linha de `check` que diz qual caso está sendo enviado) e, depois de `run`, sem a linha \"resultados gravados em\"",
    ),
    ("", "help", "Mostra a ajuda"),
    ("", "version", "Mostra a versão"),
    (
        "hooklab",
        "",
        "Compara webhooks e polling em HTTP de verdade, ao lado do que a teoria prevê.\n\nComece com:  hooklab run\nDepois crie o seu cenário e execute-o:  hooklab new meu-cenario && hooklab run meu-cenario.toml",
    ),
    (
        "run",
        "",
        "Executa um cenário com cada uma das suas estratégias e as compara",
    ),
    (
        "run",
        "scenario",
        "O cenário: um arquivo (TOML) ou um nome em scenarios/ (`checkout` ou `checkout.toml` é scenarios/checkout.toml; numa pasta sem ele, a cópia embutida no hooklab). Sem ele, executa o cenário `checkout` embutido (o mesmo de scenarios/checkout.toml). Cada campo está descrito em scenarios/LEIAME.md",
    ),
    (
        "run",
        "out",
        "Onde gravar summary.json, summary.md e os gráficos (padrão: runs/<nome do arquivo do cenário>/; os resultados de referência versionados ficam em results/ e só mudam com --out results/<nome>)",
    ),
    (
        "run",
        "format",
        "O que imprimir na saída padrão: uma tabela alinhada, o resumo em JSON, o relatório em Markdown ou o slide compacto (80 colunas)",
    ),
    (
        "run",
        "clock",
        "Qual relógio executa o cenário, no lugar do seu campo `clock` (real: tempo real; virtual: tempo simulado)",
    ),
    (
        "run",
        "no_write",
        "Imprime os resultados sem gravar arquivos",
    ),
    (
        "run",
        "jobs",
        "Quantas estratégias (e pontos de varredura) de uma execução no relógio virtual rodam ao mesmo tempo, cada uma na sua thread; os resultados são os mesmos, byte a byte, qualquer que seja N. Execuções no relógio real rodam sempre uma estratégia por vez: elas medem esta máquina, e estratégias rodando juntas mediriam a carga umas das outras (padrão: o número de núcleos)",
    ),
    (
        "run",
        "transport",
        "Como os hosts de uma execução virtual trocam mensagens: `direct` chama o roteador (o padrão, mais rápido: veja BENCHMARKS.md); `http1` envia HTTP/1.1 de verdade pelo hyper em pipes na memória, para mostrar que os hosts falam HTTP e que o resumo não muda. Oculta: uma verificação, não uma escolha",
    ),
    (
        "run",
        "shards",
        "Divide cada estratégia separável de uma execução virtual (`poll` por pedido, `poll_events` por lojista, num cenário sem falhas, sem forma de rede e sem limites da plataforma) em K mundos rodados nas threads de `--jobs` e juntados num só relatório. O resumo é o mesmo, menos as contagens de conexões (K pools em vez de um) e, passado um milhão de pagamentos, os bytes dos ids. Oculta: uma medição, não uma escolha (veja BENCHMARKS.md, \"One strategy on every core\")",
    ),
    (
        "run",
        "force",
        "Executa mesmo quando a estimativa de custo diz que a execução não cabe nesta máquina (mais da metade da memória livre, ou mais de 10 minutos), e grava na pasta de resultados padrão mesmo quando ela guarda os resultados de outro arquivo de cenário (um resultado de referência, por exemplo)",
    ),
    (
        "live",
        "force",
        "Executa mesmo quando a estimativa de custo diz que a execução não cabe nesta máquina (mais da metade da memória livre, ou mais de 10 minutos)",
    ),
    (
        "github",
        "",
        "O exemplo prático da apresentação, bem feito: receber webhooks do GitHub (verificando a assinatura) ou enviar eventos de exemplo realistas. Veja docs/github.pt-BR.md para receber webhooks reais do GitHub",
    ),
    (
        "github listen",
        "",
        "Recebe webhooks do GitHub e imprime cada evento, como o programa FastAPI da apresentação, mas verificando a assinatura antes. Roda até o Ctrl-C (código de saída 130); quando sua saída é fechada (`hooklab github listen | head -1`, assim que o head tem sua linha), para sozinho, diz no stderr o que recebeu e sai com 0, como `yes | head` para o `yes`",
    ),
    (
        "github listen",
        "listen",
        "Endereço e porta onde escutar. O padrão, 0.0.0.0:8080 da apresentação, escuta em todas as interfaces, para o GitHub de verdade alcançá-lo; use 127.0.0.1:8080 para testar só nesta máquina, ou a porta 0 para o sistema escolher uma livre (o endereço usado é impresso)",
    ),
    (
        "github listen",
        "path",
        "O caminho da URL para onde o GitHub envia; a Payload URL do webhook deve terminar com ele",
    ),
    (
        "github listen",
        "secret",
        "O segredo do webhook, exatamente como digitado no campo \"Secret\" do GitHub. Cada requisição deve trazer X-Hub-Signature-256, o HMAC-SHA256 do corpo com este segredo, senão é recusada com 401: é assim que o receptor sabe que veio do GitHub e não foi alterada. Prefira a variável de ambiente, que não fica no histórico do shell",
    ),
    (
        "github listen",
        "insecure_no_signature",
        "Aceita requisições sem verificar a assinatura: o comportamento exato da apresentação, só para comparar. Qualquer um que descubra a URL pode fazê-lo imprimir qualquer coisa; um aviso bem visível é impresso no início",
    ),
    (
        "github listen",
        "json",
        "Imprime um objeto JSON por linha em vez do texto da apresentação, para outros programas (jq, um coletor de logs)",
    ),
    (
        "github send",
        "",
        "Envia um evento realista do GitHub a um receptor nesta máquina, com os cabeçalhos e a assinatura que o GitHub enviaria",
    ),
    (
        "github send",
        "event",
        "O evento a enviar: push, pull_request, issues, ping ou qualquer outro nome de evento do GitHub (star, release, ...), que recebe um payload genérico. Vira o cabeçalho X-GitHub-Event",
    ),
    (
        "github send",
        "to",
        "A URL do receptor. Só http:// nesta máquina (127.0.0.0/8, ::1, localhost): o hooklab nunca envia tráfego para fora",
    ),
    (
        "github send",
        "secret",
        "O segredo para assinar, o mesmo dado ao receptor. Sem ele a requisição vai sem X-Hub-Signature-256, como o GitHub faz num webhook sem segredo, e um receptor que verifica responde 401",
    ),
    (
        "github send",
        "repo",
        "O repositório do evento (dono/nome): repository.full_name",
    ),
    (
        "github send",
        "branch",
        "A branch do push, ou a branch de origem do pull request",
    ),
    (
        "github send",
        "commit",
        "O id do commit enviado (o `after` do payload), 40 algarismos hexadecimais como `git rev-parse HEAD` imprime; um inventado e estável se omitido",
    ),
    (
        "github send",
        "author",
        "Quem fez o push ou abriu (pusher.name, sender.login); o dono do repositório se omitido",
    ),
    (
        "github send",
        "action",
        "A `action` de um evento pull_request ou issues (opened, closed, ...)",
    ),
    (
        "github send",
        "title",
        "O título do pull request ou da issue",
    ),
    (
        "github send",
        "delivery",
        "O id X-GitHub-Delivery. Um UUID novo se omitido; envie duas vezes com o mesmo id para ver o receptor reconhecer uma reentrega (os mesmos bytes, como o \"Redeliver\" do GitHub envia)",
    ),
    (
        "github send",
        "hook_id",
        "O cabeçalho X-GitHub-Hook-ID (e o hook_id de um ping)",
    ),
    (
        "github send",
        "payload",
        "Envia os bytes deste arquivo como corpo em vez de um payload gerado, por exemplo um copiado da aba \"Recent Deliveries\" do GitHub. Vai como está (e é assinado como está), mesmo que não seja JSON válido",
    ),
    (
        "platform",
        "",
        "Executa a plataforma de pagamentos sozinha, para a demonstração em dois terminais: imprime a chave de API e depois uma linha por liquidação, tentativa de entrega de webhook e endpoint registrado ou desativado (as consultas da loja aparecem no terminal dela, o de `hooklab shop`). Inicie `hooklab shop` em outro terminal",
    ),
    (
        "platform",
        "listen",
        "Onde a plataforma escuta. Loopback por padrão: só a loja nesta máquina fala com ela",
    ),
    (
        "platform",
        "api_key",
        "A chave de API do lojista. Sem ela, uma chave `sk_test_…` nova é criada e impressa; passe a mesma a `hooklab shop --api-key`",
    ),
    (
        "platform",
        "settle_after",
        "Quanto tempo depois da criação um pagamento é liquidado, salvo se a requisição pedir outra coisa com `simulate` (veja `hooklab order --settle-after`); uma duração como 4s, 500ms ou 2min (um número sozinho é em milissegundos)",
    ),
    (
        "platform",
        "rate_limit",
        "Requisições por segundo permitidas à chave de API, de 0,001 a 1000000 (o decimal com vírgula ou ponto); acima disso, 429 com Retry-After",
    ),
    (
        "platform",
        "data",
        "O arquivo SQLite que guarda pagamentos, endpoints, eventos e a caixa de saída (outbox) dos webhooks, para que um reinício (mesmo após kill -9) não perca nada; `:memory:` para nenhum",
    ),
    (
        "platform",
        "reset",
        "Esvazia o arquivo de dados antes, se for do hooklab (um arquivo criado por outro programa, ou que nem é um banco SQLite, nunca é tocado)",
    ),
    (
        "platform",
        "keep",
        "Por quanto tempo um pagamento finalizado (liquidado, com todas as entregas de webhook encerradas) fica na memória; depois disso, quem pedir por ele recebe 410 `forgotten` (ele continua no arquivo de dados), e também uma criação que repete a sua Idempotency-Key (as últimas 100.000 dessas chaves são lembradas), em vez de uma segunda cobrança: uma duração como 24h, 30min ou 90s",
    ),
    (
        "shop",
        "",
        "Executa uma loja sozinha contra `hooklab platform`: faz alguns pedidos e descobre seus resultados pela estratégia escolhida, imprimindo cada consulta, entrega e recusa no momento em que acontece",
    ),
    (
        "shop",
        "platform",
        "O endereço da plataforma, como `hooklab platform` o imprimiu",
    ),
    (
        "shop",
        "api_key",
        "A chave de API do lojista, como `hooklab platform` a imprimiu",
    ),
    (
        "shop",
        "data",
        "Um arquivo SQLite (a caixa de entrada da loja) que guarda os pedidos e os ids de entrega já processados, para que a eliminação de duplicatas sobreviva a um reinício; cada entrega é gravada antes de ser confirmada. Nenhum por padrão",
    ),
    (
        "shop",
        "strategy",
        "Como a loja descobre os resultados: poll (consulta cada pagamento), webhook (espera a plataforma chamar), hybrid (webhook e consulta de reconciliação), poll-events (consulta o registro de eventos), conditional-poll (consulta com If-None-Match: 304 enquanto nada muda), backoff-poll (consulta que espaça as perguntas: ×2 até 1 min), long-poll (a plataforma segura cada consulta até haver novidade), long-poll-events (long polling do registro de eventos), stream (um fluxo de eventos SSE)",
    ),
    (
        "shop",
        "interval",
        "Tempo entre duas consultas (poll, poll-events, conditional-poll), duas consultas de reconciliação (hybrid), o primeiro intervalo (backoff-poll) ou a espera mais longa de um long poll (long-poll, long-poll-events): 3s, 500ms, 2min (um número sozinho é em milissegundos)",
    ),
    (
        "shop",
        "listen",
        "Onde o receptor de webhooks da loja escuta (webhook e hybrid)",
    ),
    ("shop", "orders", "Quantos pedidos fazer"),
    (
        "shop",
        "every",
        "Tempo entre dois pedidos (1s, 500ms; um número sozinho é em milissegundos)",
    ),
    (
        "order",
        "",
        "Faz um pagamento à mão em `hooklab platform` (modo de teste: escolha quando e como é liquidado) e imprime o objeto do pagamento",
    ),
    ("order", "platform", "O endereço da plataforma"),
    ("order", "api_key", "A chave de API do lojista"),
    (
        "order",
        "order_id",
        "O id do pedido (padrão: um feito a partir da hora)",
    ),
    ("order", "amount_cents", "O valor, em centavos"),
    (
        "order",
        "settle_after",
        "Pede à plataforma (modo de teste) que liquide depois deste tempo (4s, 500ms; um número sozinho é em milissegundos)",
    ),
    (
        "order",
        "outcome",
        "Pede à plataforma (modo de teste) este resultado: approved (aprovado) ou declined (recusado)",
    ),
    (
        "report",
        "",
        "Refaz os relatórios de uma execução (summary.md, summary.csv, os gráficos SVG) a partir do summary.json salvo, sem executá-la de novo",
    ),
    (
        "report",
        "summary",
        "Um `summary.json` gravado por `hooklab run`, ou a pasta que o contém (`results/checkout/`)",
    ),
    (
        "report",
        "out",
        "Onde gravar os relatórios (padrão: a pasta do resumo; uma execução de \
         referência em results/ só quando nomeada aqui)",
    ),
    (
        "report",
        "format",
        "Também imprime o resumo na saída padrão, como `hooklab run`: uma tabela alinhada, o resumo em JSON, o relatório em Markdown ou o slide compacto (80 colunas)",
    ),
    (
        "report",
        "no_write",
        "Não grava arquivos (com --format, só imprime)",
    ),
    (
        "live",
        "",
        "A visão da sala de aula: veja as estratégias disputarem no navegador, ao vivo (`hooklab live [CENÁRIO]`, `hooklab live checkout`) ou reproduzidas de uma execução terminada (`hooklab live --replay results/<nome>/ --speed 60`)",
    ),
    (
        "live",
        "scenario",
        "O cenário a executar ao vivo: um arquivo (TOML) ou um nome em scenarios/ (`checkout` é scenarios/checkout.toml). Sem ele, o cenário `checkout` embutido. Deve usar o relógio real: para execuções virtuais, use a reprodução (--replay)",
    ),
    (
        "live",
        "listen",
        "Onde servir a página: um endereço de loopback (127.0.0.1:0 escolhe uma porta)",
    ),
    (
        "live",
        "replay",
        "Reproduz uma execução terminada a partir da sua pasta de resultados (ou do seu summary.json) em vez de executar um cenário",
    ),
    (
        "live",
        "speed",
        "Velocidade da reprodução: tempo da execução por tempo de relógio (60 transforma uma hora simulada em um minuto), de 0,01 a 100000 (o decimal com vírgula ou ponto). A página pode mudá-la",
    ),
    (
        "live",
        "now",
        "Começa a execução ao vivo já, em vez de quando a primeira página se conectar",
    ),
    (
        "check",
        "",
        "Avalia qualquer receptor de webhooks, em qualquer linguagem: envia entregas genuínas, forjadas, adulteradas, antigas, duplicadas e estranhas e imprime um boletim (`hooklab check http://127.0.0.1:8080/webhook --secret whsec_…`). Código de saída 0 quando todos os casos passaram ou deram aviso, 1 quando algum falhou ou quando o --deadline cortou a bateria (casos que não começaram antes do prazo), 2 para uso incorreto (uma URL fora desta máquina, um segredo malformado, nada escutando, --deadline 0). Veja docs/check.pt-BR.md",
    ),
    (
        "check",
        "url",
        "A URL do receptor, por exemplo http://127.0.0.1:8080/webhook. Só loopback: o hooklab não envia nada para fora desta máquina",
    ),
    (
        "check",
        "secret",
        "O segredo com que o receptor verifica: `whsec_…` para Standard Webhooks, o texto do segredo do webhook para o GitHub",
    ),
    ("check", "scheme", "Como as entregas são assinadas"),
    (
        "check",
        "format",
        "O que imprimir: uma tabela alinhada, Markdown (para um slide) ou JSON (documentado em docs/check.pt-BR.md)",
    ),
    (
        "check",
        "state_url",
        "Um GET no receptor que responde {\"processed\": N}, o número de entregas processadas; com ele, o caso de duplicata verifica que uma reentrega não é processada duas vezes",
    ),
    (
        "check",
        "max_body",
        "O limite de corpo do receptor, em bytes: o caso de corpo grande demais envia um byte a mais (padrão: 26214400, o limite de 25 MB do GitHub). Do tamanho de uma entrega genuína (uns 300 bytes) até 67.108.864 (64 MiB): o corpo é montado na memória, e um menor que uma entrega genuína não seria grande demais",
    ),
    (
        "check",
        "timing_samples",
        "Falsificações por grupo no caso de tempo de resposta (0 o pula)",
    ),
    (
        "check",
        "deadline",
        "Quanto tempo a bateria inteira pode levar, em segundos: casos não iniciados até lá são pulados (o boletim diz), e o caso de tempo de resposta para de amostrar. Um receptor que responde devagar a ocuparia por muitos minutos",
    ),
    (
        "new",
        "",
        "Cria um arquivo de cenário comentado para começar: `hooklab new minha-loja` grava minha-loja.toml a partir do checkout embutido (ou `--from lost-webhooks`, qualquer arquivo de scenarios/)",
    ),
    (
        "new",
        "name",
        "O nome do novo cenário; o arquivo é NOME.toml (NOME pode ser um caminho)",
    ),
    (
        "new",
        "from",
        "De onde começar: `checkout` (embutido), um nome em scenarios/ (`lost-webhooks`) ou o caminho de um arquivo .toml",
    ),
    (
        "new",
        "force",
        "Sobrescreve NOME.toml se ele já existir (as edições nele se perdem)",
    ),
    (
        "validate",
        "",
        "Verifica arquivos de cenário sem executá-los (`hooklab validate checkout minha-loja.toml`): uma linha por arquivo, código de saída 0 quando todos são válidos, 2 quando algum não é",
    ),
    (
        "validate",
        "files",
        "Os cenários a verificar: arquivos (TOML) ou nomes em scenarios/ (`checkout` é scenarios/checkout.toml; numa pasta sem ele, a cópia embutida no hooklab)",
    ),
    (
        "completions",
        "",
        "Imprime um script de autocompletar para o shell: `hooklab completions bash > ~/.local/share/bash-completion/completions/hooklab`",
    ),
    ("completions", "shell", "O shell"),
    (
        "man",
        "",
        "Imprime a página de manual do hooklab (roff): `hooklab man > hooklab.1 && man ./hooklab.1`",
    ),
    (
        "help",
        "",
        "Mostra esta mensagem ou a ajuda do(s) comando(s) dado(s)",
    ),
];
