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

_PESSOA = (
    r"hom[ae]ns?|homem|mulher(?:es)?|senhor(?:es)?|senhoras?|adult[oa]s?|sujeitos?|tiozao"
    r"|velh[oa]s?|mo[cç][oa]s?|caras?|pessoas?|rapaz|rapazes|individuos?|tipos?"
)
# Someone nobody knows, strictly: "um homem" or "um professor novo" alone is no intruder.
_ESTRANHO = (
    r"(?:um|uma|uns|umas|o|a|os|as) (?:desconhecid[oa]s?|intrus[oa]s?|invasor(?:es)?)"
    r"|(?:um|uma|uns|umas) estranh[oa]s?"
    rf"|(?:{_PESSOA}) (?:\w+ )?desconhecid[oa]s?"
    r"|(?:hom[ae]ns?|homem|mulher(?:es)?|senhor(?:es)?|senhoras?|adult[oa]s?|sujeitos?|tiozao"
    r"|velh[oa]s?|individuos?) (?:estranh[oa]s?|suspeit[oa]s?|esquisit[oa]s?)"
    rf"|(?:{_PESSOA}|alguem) que (?:ninguem (?:conhece|reconhece|nunca viu)"
    r"|(?:a gente|nos|eu) (?:nao|nunca) (?:conhece|conhecemos|conheco|reconhece|reconhecemos"
    r"|reconheco|viu|vimos|vi)|nao (?:e|eh|sao|estuda|trabalha) (?:da|do|na|no|aqui|dessa"
    r"|desse|nessa|nesse)(?: escola| colegio)?)"
)
# Weird is not unknown ("um cara estranho da minha sala"): only with a way in.
_ESQUISITO = (
    r"(?:caras?|mo[cç][oa]s?|rapaz|rapazes|pessoas?|tipos?) (?:estranh[oa]s?|suspeit[oa]s?"
    r"|esquisit[oa]s?)"
)
_DENTRO = (
    r"escola|colegio|salas?|aula|banheiros?|vestiarios?|alojamentos?|dormitorios?"
    r"|corredor(?:es)?|quadra|ginasio|predio|bloco|patio|refeitorio|cantina|biblioteca"
    r"|secretaria|escadas?|andar|creche|laboratorio|diretoria"
)
_ENTROU = (
    r"entrou|entraram|entrando|entra|entram|invadiu|invadiram|invadindo|se escondeu"
    r"|se esconderam|se escondendo|ta escondido|esta escondido|escondid[oa]|se trancou"
    r"|se trancaram|trancad[oa]"
)
_NO = (
    rf"(?:(?:na|no|nas|nos|numa|num|dentro d[aoe]s?|la dentro d[ao]s?)|(?:{_ENTROU})"
    r" (?:na|no|nas|nos|em|pela|pelo|a|o|pra|pro)|(?:andando|anda|rondando|circulando|passeando"
    r"|vagando|zanzando) (?:pela|pelo|pelas|pelos|na|no|nas|nos))"
    rf" (?:nossa |nosso |minha |meu |sua |seu |uma |um |esse |essa )?(?:(?!que |qual )\w+ )?"
    rf"(?:{_DENTRO})"
)
_NAO_INTRUSO = (
    r"simulado|simulacao|treinamento|exercicio de \w+|ensaio|de mentira|fingi\w*"
    r"|aula sobre|palestra|video sobre|assistimos (?:um )?video|ensinaram|aprendemos"
    r"|perigo (?:de|dos) estranhos"
    # Friends who fell out: "agora somos dois estranhos no corredor".
    r"|(?:somos|viramos|virou) (?:dois |duas |uns |umas |um |uma |como )?(?:desconhecid|estranh)\w*"
    r"|como (?:dois |duas |uns |umas |um |uma )?(?:desconhecid|estranh)\w*"
    r"|ontem|anteontem|semana passada|outro dia|(?:era|eram) (?:o |a |um |uma |so )?(?:pai|mae"
    r"|tio|tia|avo|irmao|irma|primo|prima|professor|professora|substitut[oa]|tecnico|zelador"
    r"|porteiro|visitante|visita)|(?:professor|professora|aluno|aluna|zelador) nov[oa]"
    r"|substitut[oa]|tecnico|encanador|eletricista|pedreiro|pintor"
    r"|(?<!cracha de )(?<!cracha )visitantes?|de visita|entregador"
    r"|(?:veio|vieram) (?:consertar|arrumar|instalar|dar|fazer)|consertar"
    r"|(?:a policia|o seguranca|os segurancas|a seguranca|o guarda)"
    r" (?:levou|prendeu|tirou|conversou|falou|pegou)|levaram ele|tiraram ele|prenderam"
    r"|(?:ja|e) foi embora|e se (?:um|uma|alguem|tiver|entrar)"
    r"|o que (?:fazer|a gente faz|fazemos|faco) se|se (?:um|uma|alguem) |caso (?:um|uma|alguem)"
    r"|imagin\w*|suponha\w*|tomara|quem dera"
    r"|(?:me|nos) (?:seguiu|seguindo|segue)|seguiu (?:a gente|ela|ele|eu)|persegu\w*"
    r"|(?:minha|sua|uma|na|a) conta|perfil|chat|instagram|insta|whatsapp|zap|facebook|tiktok"
    r"|discord|internet|online|me mandou|mandou mensage\w*|direct|dm|" + _PAST + "|" + _FICTION
)
_NAO_GAS = (
    r"posto|gasolina|combustivel|abastec\w*|etanol|alcool|diesel|carro|moto|gases|peid\w*"
    r"|pum|barriga|estomago|intestino|flatul\w*|arrot\w*|feijao|lacrimogeneo|pimenta"
    r"|gas do riso|dentista|agua com gas|refri\w*|ontem|anteontem|semana passada|outro dia"
    r"|consert\w*|arrumaram|arrumado|tecnico|a companhia|ja resolveram|resolvido|nao tem mais"
    r"|nao ta mais|alarme falso|simulado|simulacao|aula sobre|palestra|video sobre|noticia\w*"
    r"|jornal|e se (?:tiver|for|vazar)|se tiver|caso tenha|em caso de|o que fazer se|imagin\w*|"
    + _PAST
    + "|"
    + _FICTION
)
_NAO_E_SIMULADO = r"nao (?:e|eh) (?:um )?(?:simulado|treino|simulacao)|e serio|de verdade"

PATTERNS += (
    pattern(
        "pt.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_ESTRANHO}) ~~ {_NO}",
            rf"(?:{_ESQUISITO}) ~ (?:{_ENTROU}) (?:na|no|nas|nos|em|pela|pelo|a|o|pra|pro)"
            rf" (?:\w+ )?(?:{_DENTRO})",
            # "pulou o muro", "ta lá dentro": a way in says the school.
            rf"(?:{_ESTRANHO}) ~ (?:pulou o muro|pularam o muro|entrou escondido"
            r"|(?:ta|esta|tao|estao) (?:la )?dentro|se escondeu|se trancou)",
            # "tem um homem no corredor, ninguém conhece ele": who he is comes after.
            rf"(?:{_PESSOA}) ~~ {_NO} (?:\w+ ){{0,6}}(?:ninguem (?:conhece|reconhece) (?:ele|ela)"
            r"|ninguem (?:o|a) (?:conhece|reconhece)|(?:a gente|eu|nos) nao (?:conhece|conheco"
            r"|conhecemos) (?:ele|ela)|(?:ele|ela) nao (?:e|eh|trabalha|estuda) (?:daqui|da escola"
            r"|aqui))",
            r"(?:um|uma|o|a|tem um|tem uma|uns|os) (?:intrus[oa]s?|invasor(?:es)?)",
            rf"(?:intrus[oa]s?|invasor(?:es)?) ~ {_NO}",
        ),
        unless=_NAO_INTRUSO,
        despite=_NAO_E_SIMULADO,
        positives=(
            "tem um homem que ninguém conhece andando pelos corredores do segundo andar",
            "um cara estranho entrou no banheiro feminino e se trancou lá",
            "não é simulado, tem um intruso no prédio e a gente tá escondido na sala 8",
            "uma mulher desconhecida tá dentro da escola, entrou pelo estacionamento",
        ),
        negatives=(
            "amanhã tem simulado de intruso na quadra, é obrigatório?",
            "ontem um desconhecido entrou na escola mas a polícia levou ele",
            "tinha um homem desconhecido no corredor, era o pai de um aluno",
            "um homem entrou na sala pra consertar o ar e tem um professor novo na sala 3",
            "e se um estranho entrar na escola, as portas trancam?",
            "um cara estranho da minha sala fica me encarando",
        ),
    ),
    pattern(
        "pt.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            r"vazamento (?:de|do) gas|(?:vazando|vazou|vaza|escapando|saindo) (?:\w+ ){0,2}?gas"
            r"|gas (?:vazando|vazou|escapando|saindo)",
            r"botij(?:ao|oes) (?:\w+ ){0,2}?(?:vazando|vazou|vaza)",
            r"cheiro (?:\w+ ){0,2}?(?:de|a) gas",
            r"(?:cheirando|cheira|cheirava|fedendo|fede|fedia) (?:\w+ ){0,2}?(?:a )?gas",
        ),
        unless=_NAO_GAS,
        despite=_NAO_E_SIMULADO,
        positives=(
            "tá com um cheiro muito forte de gás na cozinha da merenda",
            "vazamento de gás no laboratório, a galera tá ficando tonta",
            "o botijão lá de casa tá vazando e tá cheirando gás na sala toda",
        ),
        negatives=(
            "o carro do meu pai tá cheirando a gás, tem que passar no posto",
            "alguém soltou um pum na sala e ficou um cheiro de gás kkkk",
            "ontem teve vazamento de gás no laboratório mas o técnico já consertou",
            "no jogo jogaram gás lacrimogêneo e ficou tudo com cheiro de gás",
        ),
    ),
)
