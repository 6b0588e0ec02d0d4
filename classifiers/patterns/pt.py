"""Portuguese life-threat patterns (normalised: no accents, ç as c)."""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"jogo|jogando|videogame|fortnite|minecraft|roblox|free fire|filme|serie|livro|novela"
    r"|personagem|musica|meme|brincadeira|zoeira|kk+|rsrs|historia|redacao|trabalho"
)
_PAST = r"ano passado|faz (?:meses|um ano)|expuls\w*|suspens\w*"
_WEAPONS = (
    r"armas?|pistolas?|revolver|revolveres|espingardas?|fuzil|fuzis|facas?|canivetes?|facao"
    r"|bombas?|explosivos?|granadas?|oitao"
)
_PLACES = (
    r"escola|colegio|sala|aula|turma|mochila|armario|onibus|cantina|refeitorio|quadra"
    r"|ginasio|banheiro|corredor|patio"
)
_FIRE_FICTION = (
    r"simulado|simulacao|alarme|vape|cigarro|fogueira|churrasco|velas?|laboratorio"
    r"|fogos de artificio|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "pt.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            # Reflexive only: "minha mae vai me matar" is a threat to the reporter.
            r"(?:vou|quero|penso em|pensando em) me (?:matar|suicidar)",
            r"(?:vai|quer|pensa em|pensando em|tentou) se (?:matar|suicidar)",
            r"(?:tirar|acabar com) (?:a )?(?:minha|sua|propria) (?:propria )?vida",
            r"(?:quero|quer) morrer|nao (?:quero|quer) mais viver",
            r"(?:pular|me jogar|se jogar) (?:da|de uma|do|de um) (?:ponte|predio|telhado)",
            r"carta (?:de despedida|suicida)|melhor sem mim",
        ),
        unless=(
            r"vergonha|de rir|fome|sono|sem plano|plano nenhum|as vezes (?:penso|acho)|piada|"
            + _FICTION
        ),
        positives=("vou me matar hoje à noite, não aguento mais", "minha amiga quer se matar"),
        negatives=(
            "minha mãe vai me matar quando ver minhas notas",
            "quero morrer de vergonha, caí na frente de todo mundo",
        ),
    ),
    pattern(
        "pt.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:me|se) (?:cortando|mutilando|machucando)",
            r"(?:cortar|cortou|cortei) (?:os |o |as )?(?:pulsos?|bracos)",
        ),
        # Ongoing or relapsing ("de novo", "faz meses") is urgent unless it is acute now.
        unless=(
            r"cabelo|unha|cebola|cozinha|papel|dedo|franja|futebol|treino|de novo"
            r"|faz (?:meses|tempo|um ano)|ha (?:meses|anos)|cicatriz\w*|marcas|manga comprida"
            r"|moletom|esconde\w*|" + _FICTION
        ),
        despite=r"sangr\w*|sangue|agora|neste momento|hospital|fundo",
        positives=(
            "ela está se cortando no banheiro agora",
            "ela ta se cortando de novo e ta sangrando muito",
        ),
        negatives=(
            "ele vive se machucando no treino de futebol",
            "to me machucando de novo, queimando o braço com isqueiro",
            "acho que minha colega de sala ta se machucando, vi cicatrizes perto do cotovelo",
        ),
    ),
    pattern(
        "pt.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:me deu|deu|doou|dando|deixou comigo) (?:todas |todos )?(?:o |a |os |as )?"
            r"(?:seu |sua |seus |suas )?(?:gato|gata|gatinho|cachorro|cachorra|pet|coisas"
            r"|roupas|jogos|videogame|violao)",
            r"cartas? de despedida|(?:se despediu|se despedindo) de (?:todos|todo mundo)",
        ),
        unless=(
            r"cuidar|ferias|viagem|emprest\w*|devolver|mudanca|mudou|alergi\w*|aniversario"
            r"|natal|" + _FICTION
        ),
        positives=("ela me deu o gato dela e disse que não vai precisar mais",),
        negatives=("ela me deu o gato dela pra cuidar nas férias",),
    ),
    pattern(
        "pt.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:trouxe|trazer|traz|levou|leva|levando|mostrou|escondeu|esconde|sacou)"
            rf" (?:uma |um |a |o |sua |seu )?(?:{_WEAPONS})",
        ),
        unless=(
            r"de agua|brinquedo|nerf|falsa|de plastico|desenho|manteiga|cozinha|cacar|cacada"
            r"|cacador\w*"
            # Hidden at home: "o irmão dele esconde debaixo do colchão".
            r"|(?:dele|dela) (?:esconde|guarda) (?:em casa|no quarto|debaixo d\w*)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"de verdade|real|carregada",
        positives=(
            "um menino tem uma arma na mochila na escola",
            "ele trouxe uma faca pra aula hoje",
        ),
        negatives=(
            "brincamos de pistola de água no pátio",
            "amanhã vou caçar com meu avô, ele leva a espingarda dele",
            "meu amigo me mostrou uma pistola que o irmão dele esconde debaixo do colchão",
        ),
    ),
    pattern(
        "pt.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:atirar em|matar|atacar|esfaquear|explodir) (?:todo mundo|todos|a escola"
            r"|o colegio|a sala|a turma|os professores|os alunos)",
            r"(?:vai|vao|vou|quer|querem|planeja|planejam) (?:atirar|esfaquear"
            r"|fazer um massacre|fazer um ataque|explodir a escola)",
            r"massacre (?:na|no) (?:escola|colegio)|lista (?:negra|de morte|de alvos)",
            r"nao (?:venha|va|vem|vai) (?:pra|para a|a) (?:escola|aula) (?:amanha|hoje"
            r"|segunda|terca|quarta|quinta|sexta)",
        ),
        # A hoax already debunked: "era fake de outro estado, já foi desmentido".
        unless=r"fotos?|bola|futebol|basquete|prova|dever|fake|boato|desmentid\w*|" + _FICTION,
        despite=r"nao (?:e|era|eh) (?:fake|boato)",
        positives=("ele disse que vai atirar em todo mundo na escola sexta",),
        negatives=(
            "vamos matar todo mundo no free fire hoje",
            "o áudio falando de massacre na escola era fake, já foi desmentido",
        ),
    ),
    pattern(
        "pt.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            r"(?:esta|ta|estao|tao) (?:me |nos )?(?:batendo|espancando|enforcando|estuprando"
            r"|agredindo)",
            r"me (?:trancou|trancaram) (?:no|na|em)",
            r"(?:disse|ameacou|falou) que vai me (?:matar|bater)",
        ),
        unless=r"papo|porta|bola|ponto|cartao|recorde|palmas?|bateria|" + _FICTION,
        positives=("meu padrasto está batendo na minha mãe agora",),
        negatives=("a gente tá batendo papo no recreio",),
    ),
    pattern(
        "pt.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"overdose|sobredose",
            r"(?:tomou|tomei|engoliu|engoli) (?:todos os|todas as|um pote de|uma cartela de"
            r"|um monte de|muitos|muitas|(?:[5-9]|\d\d+)) (?:\w+ )?(?:comprimidos|remedios"
            r"|pilulas|calmantes|rivotril|paracetamol)",
            r"nao (?:respira|ta respirando|esta respirando|acorda)",
        ),
        unless=r"vitaminas?|balas|doces|receita|pesquisa|" + _FICTION,
        positives=("ela tomou todos os remédios da mãe e não acorda",),
        negatives=("ela tomou todos os comprimidos de vitamina que a enfermeira deu",),
    ),
    pattern(
        "pt.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?:fogo|incendio|chamas) (?:na|no|dentro da|dentro do) (?:escola|colegio|sala"
            r"|banheiro|corredor|quadra|ginasio|cantina|casa|cozinha|predio)",
            r"(?:escola|colegio|predio|casa|sala|banheiro) (?:esta|ta) (?:pegando fogo"
            r"|em chamas)",
            # Smoke is a fire until someone has looked (labelling.md): "saindo fumaça".
            r"(?:saindo|sai|saiu|subindo|soltando|cheio de|cheia de) fumaca",
            r"fumaca (?:saindo|subindo|preta|escura|pra todo lado|por todo lado"
            r"|por toda parte|em todo lugar)",
        ),
        unless=_FIRE_FICTION,
        positives=(
            "tem fogo no banheiro da escola",
            "tá saindo fumaça da tomada da sala 5 agora",
            "fumaça preta subindo atrás do ginásio, ninguém sabe de onde",
        ),
        negatives=(
            "teve simulado de incêndio na quadra",
            "o banheiro tá cheio de fumaça de vape de novo",
        ),
    ),
    pattern(
        "pt.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:tacar|botar|por|colocar|atear|tocar) fogo (?:na|no|em) (?:escola|colegio|sala"
            r"|banheiro|quadra|ginasio|lixeira|predio|casa)",
            r"(?:queimar|incendiar) (?:a escola|o colegio|o predio|a sala)",
        ),
        unless=_FIRE_FICTION,
        positives=("ele disse que vai tacar fogo na escola",),
        negatives=("no jogo ele botou fogo na escola inteira kkkk",),
    ),
)
