"""Italian life-threat patterns (normalised: no accents; "un'arma" is "un arma")."""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"gioco|giocando|videogioco|fortnite|minecraft|roblox|free fire|play|fifa|film|serie"
    r"|libro|romanzo|personaggio|canzone|meme|scherz\w*|ahah\w*|storia|tema|compito"
)
_PAST = r"anno scorso|mesi fa|un anno fa|espulso|sospeso"
_WEAPONS = (
    r"armi|arma|pistol[ae]|fucil[ei]|revolver|coltell[oi]|lam[ae]|machete|bomb[ae]"
    r"|esplosivi?|granat[ae]"
)
_PLACES = (
    r"scuola|classe|aula|zaino|armadietto|autobus|pullman|mensa|palestra|bagno|bagni"
    r"|corridoio|cortile"
)
_FIRE_FICTION = (
    r"prova|esercitazione|allarme|svapo|sigarett\w*|falo|barbecue|grigliata|candel\w*"
    r"|laboratorio|fuochi d artificio|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "it.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            # First person or reflexive only: "mia madre mi ammazza" is hyperbole.
            r"uccidermi|ammazzarmi|suicidarmi|uccidersi|ammazzarsi|suicidarsi",
            r"mi ammazzo|mi uccido|si ammazza|si uccide|(?:togliermi|togliersi) la vita",
            r"(?:voglio|vuole) (?:solo )?morire|non (?:voglio|vuole) piu vivere",
            r"(?:buttarmi|buttarsi|gettarmi|gettarsi) (?:dal|da un) (?:ponte|tetto|palazzo)",
            r"lettere? d addio|(?:starebbero|stareste|starebbe) meglio senza di me",
        ),
        unless=rf"vergogna|ridere|fame|sonno|nessun piano|a volte penso|{_FICTION}",
        positives=(
            "stasera mi ammazzo, non ce la faccio più",
            "la mia amica vuole suicidarsi",
        ),
        negatives=(
            "mia madre mi ammazza quando vede i voti",
            "voglio morire di vergogna, sono caduta davanti a tutti",
        ),
    ),
    pattern(
        "it.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:si sta|mi sto|si) (?:tagliando|ferendo|facendo del male)",
            r"(?:tagliarsi|tagliarmi|si e tagliata|si e tagliato) (?:le vene|i polsi)",
        ),
        unless=(
            r"capelli|unghie|cipolla|cucina|carta|dito|frangia|da (?:mesi|anni|settimane)"
            r"|dall estate|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"di nuovo|ancora|cicatrici|segni|maniche lunghe|felpa|nascond\w*",
        acute=r"adesso|in questo momento|sangue|sanguin\w*|ospedale|profond\w*",
        positives=(
            "si sta tagliando in bagno adesso",
            "si sta tagliando di nuovo in bagno e perde tanto sangue",
        ),
        negatives=(
            "mi sto tagliando i capelli da sola",
            "mia sorella si taglia da mesi, nasconde le braccia",
            "la mia compagna si sta facendo del male di nuovo, ho visto cicatrici sul gomito",
        ),
    ),
    pattern(
        "it.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:mi ha dato|ha regalato|sta regalando|regala|mi ha lasciato) (?:il suo"
            r"|la sua|i suoi|le sue|tutte le sue|tutti i suoi) (?:gatto|gatta|cane|cagnolino"
            r"|cose|vestiti|giochi|chitarra)",
            r"(?:lettere?|video|messaggio) d addio|(?:ha salutato|sta salutando) tutti",
        ),
        unless=(
            r"badare|tenere|vacanz\w*|viaggio|prest\w*|restituire|trasloc\w*|allergi\w*"
            r"|compleanno|natale|" + _FICTION
        ),
        positives=("mi ha dato il suo gatto e ha detto che ha chiuso",),
        negatives=("mi ha dato il suo gatto da tenere durante le vacanze",),
    ),
    pattern(
        "it.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:ha portato|porta|portato|portera|ha mostrato|mostrato|nasconde|ha nascosto"
            rf"|tirato fuori) (?:un |una |il |la |suo |sua |l )?(?:{_WEAPONS})",
        ),
        unless=(
            r"ad acqua|giocattolo|nerf|finta|finto|di plastica|disegno|burro|cucina|a caccia"
            r"|cacciatori?|cacciare"
            # Bought online, not brought anywhere: "ha ordinato un coltello su internet".
            r"|(?:ordinato|comprato) (?:\w+ ){0,6}(?:su internet|online|su amazon)"
            # Shown at home: "me l'ha mostrata a casa sua".
            r"|(?:mostrat[ao]|fatt[ao] vedere) a casa (?:sua|mia)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"vera|vero|carica|(?:lo|la) porta\w*|portarl[oa]",
        positives=(
            "un ragazzo ha una pistola nello zaino a scuola",
            "ha portato un coltello in classe oggi",
        ),
        negatives=(
            "abbiamo giocato con le pistole ad acqua in cortile",
            "domani vado a caccia con il nonno, porta il suo fucile",
            "uno della mia classe ha ordinato un coltello a serramanico su internet",
            "il mio compagno sa dove il padre nasconde la pistola e me l'ha mostrata a casa sua",
        ),
    ),
    pattern(
        "it.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:sparare a|uccidere|ammazzare|accoltellare|attaccare|far saltare) (?:tutti"
            r"|tutta la scuola|la scuola|la classe|i prof|i professori|gli studenti)",
            r"(?:vuole|vogliono|va a|vanno a|sta per|stanno per) (?:sparare|fare una strage"
            r"|fare un attacco|far saltare)",
            r"strage (?:a|alla|nella) scuola|lista nera|lista di (?:morte|persone da uccidere)",
            r"non (?:venire|andare|venite|andate) a scuola (?:domani|oggi|lunedi|martedi"
            r"|mercoledi|giovedi|venerdi)",
        ),
        unless=r"foto|pallone|calcio|basket|verifica|" + _FICTION,
        positives=("ha detto che vuole sparare a tutti a scuola venerdì",),
        negatives=("stasera su fortnite uccidiamo tutti, ammazzare tutti è facile",),
    ),
    pattern(
        "it.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            r"(?:mi|la|lo|ci) (?:sta|stanno) (?:picchiando|menando|strangolando|violentando"
            r"|toccando|facendo del male)",
            r"(?:sta|stanno) (?:picchiando|menando) (?:mia|mio|la|il) \w+",
            r"mi (?:ha|hanno) (?:chiuso|chiusa|rinchiuso|rinchiusa)",
            r"(?:ha detto|minaccia|dice) che mi (?:ammazza|uccide|picchia)",
        ),
        unless=(r"solletico|lotta|karate|boxe|allenamento|voti|pagella|chitarra|turno|" + _FICTION),
        positives=("il mio patrigno sta picchiando mia madre adesso",),
        negatives=("mio fratello mi sta picchiando alla play, è fortissimo a fifa",),
    ),
    pattern(
        "it.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"overdose",
            r"(?:preso|ingoiato|presa) (?:tutte le|tutta la scatola di|un flacone di"
            r"|un sacco di|troppe|(?:[5-9]|\d\d+)) (?:\w+ )?(?:pillole|pastiglie|compresse"
            r"|medicine|farmaci|tachipirina|xanax)",
            r"non (?:respira|si sveglia)",
        ),
        unless=r"vitamin\w*|caramelle|mentine|ricetta|ricerca|progetto|" + _FICTION,
        positives=("ha preso tutte le pillole di sua madre e non si sveglia",),
        negatives=("ho preso tutte le pastiglie di vitamine che mi ha dato l'infermiera",),
    ),
    pattern(
        "it.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?:fuoco|incendio|fiamme) (?:a|in|nella|nel|dentro la|dentro il) (?:scuola"
            r"|classe|aula|bagno|corridoio|palestra|mensa|casa|cucina|edificio)",
            r"(?:scuola|edificio|palestra|casa|bagno) (?:sta bruciando|va a fuoco"
            r"|e in fiamme|in fiamme)",
            # Smoke is a fire until someone has looked (labelling.md): "esce fumo". Not
            # "fumo" alone: it is also hashish ("compro fumo").
            r"(?:esce|uscendo|usciva|sale) (?:del |tanto )?fumo",
            r"fumo (?:che esce|che usciva|esce|nero|denso|dappertutto|ovunque)",
        ),
        unless=_FIRE_FICTION,
        positives=(
            "c'è un incendio nel bagno della scuola",
            "esce fumo nero dalla presa in aula 4, adesso",
        ),
        negatives=(
            "esercitazione antincendio: incendio in palestra, solo una prova",
            "in bagno c'è fumo dappertutto per le sigarette",
            "quello in terza compra fumo fuori da scuola",
        ),
    ),
    pattern(
        "it.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:dare|dar|dara|daro|dato|da|danno) fuoco (?:a|al|alla|alle|ai|all) "
            r"(?:scuola|classe|aula|bagno|palestra|cestino|edificio|casa)",
            r"(?:bruciare|incendiare) (?:la scuola|la palestra|la classe|l edificio)",
        ),
        unless=_FIRE_FICTION,
        positives=("ha detto che darà fuoco alla scuola",),
        negatives=("su minecraft ha dato fuoco alla scuola",),
    ),
)

# An adult nobody knows, strictly: "un uomo" alone is a parent or a new teacher.
_WHO = (
    r"uomo|uomini|signore|signora|tizio|tizia|tipo|tipa|adulto|adulta|adulti|donna|persona"
    r"|uno|una"
)
# The person, at most one word ("un tizio strano"), then who they are; "uno studente che
# non conosco" is a new classmate, so "uno", "una" take no word.
_WHO_ONE = (
    r"(?:(?:uomo|uomini|signore|signora|tizio|tizia|tipo|tipa|adulto|adulta|adulti|donna"
    r"|persona) (?:\w+ )?|(?:uno|una) )"
)
_STRANGER = (
    r"(?:uno|una|degli|delle|un|dei) (?:sconosciut[oaie]|estrane[oaie]|intrus[oaie])"
    rf"|(?:{_WHO}) (?:sconosciut[oaie]|estrane[oaie]|mai vist[oaie]|estern[oaie])"
    rf"|{_WHO_ONE}che (?:non (?:conosciamo|conosco|conosce nessuno|conosceva nessuno"
    r"|abbiamo mai visto|ho mai visto|ha mai visto nessuno)|nessuno (?:conosce|conosceva"
    r"|ha mai visto))"
    rf"|{_WHO_ONE}che non (?:e|sono|c entra|c entrano|fa parte) (?:niente )?"
    r"(?:della|dell|con la|alla|di questa) (?:scuola|istituto)"
)
_SCHOOL = (
    r"scuola|istituto|edificio|classe|classi|aula|aule|bagno|bagni|spogliatoio|spogliatoi"
    r"|corridoio|corridoi|palestra|mensa|dormitorio|convitto|cortile|laboratorio|lab"
    r"|biblioteca|segreteria|ala|scale|atrio"
)
_IN = (
    r"(?:in|nel|nella|nei|negli|nelle|nell|dentro|dentro (?:la|il|l|i|le|al|alla|all)"
    r"|all interno (?:della|del|dell)|per|per (?:la|il|i|le|l)|a) (?:mia |nostra |nostro )?"
)
_GET_IN = (
    r"(?:e|sono) (?:entrat[oaie]|intrufolat[oaie]|introdott[oaie]|nascost[oaie]|chius[oaie]"
    r"|rinchius[oaie])|si (?:e|sono) (?:intrufolat[oaie]|introdott[oaie]|nascost[oaie]"
    r"|chius[oaie]|rinchius[oaie])|si nasconde|si nascondono"
)

PATTERNS += (
    pattern(
        "it.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_STRANGER}) ~ {_IN}(?:{_SCHOOL})",
            rf"(?:{_STRANGER}) ~ (?:{_GET_IN})",
            rf"(?:{_GET_IN}) (?:\w+ ){{0,3}}(?:{_STRANGER})",
            rf"{_IN}(?:{_SCHOOL}) ~~ (?:{_STRANGER})",
            rf"intrusione {_IN}(?:{_SCHOOL})",
        ),
        unless=(
            # A drill, a lesson about strangers, a stranger met online.
            r"esercitazione|simulazione|una prova|e una prova|prova di evacuazione|finto intruso"
            r"|sogno|sognato|incubo"
            r"|lezione su\w*|video su\w*|incontro su\w*|progetto su\w*|pericoli|trova l intruso"
            r"|instagram|insta|tiktok|discord|telegram|snap|online|in chat|profilo|account"
            r"|(?:entrat[oa]|aggiunt[oa]|invitat[oa]) (?:\w+ ){0,3}(?:nel|nella|in) (?:gruppo|chat"
            r"|canale|server|live|diretta)"
            # Followed on the way to school: stalking (urgent), not an intruder.
            r"|(?:seguit[oa]|segue|seguiva|pedinat[oa]) (?:\w+ ){0,3}fino"
            # Feeling a stranger in one's class; a theft or a scrawl already done.
            r"|(?:mi|ti|si|ci) (?:sento|senti|sente|sentiamo|sentivo) (?:\w+ )?(?:un|uno|una)"
            r" (?:estrane|sconosciut)\w*|come (?:un|uno|una) (?:estrane|sconosciut)\w*"
            r"|(?:ha|hanno) (?:rubato|fregato) (?:il mio|la mia|i miei|le mie|la bici"
            r"|il motorino)|(?:ha|hanno) imbrattato"
            # Over: yesterday, gone, taken away, or it was someone known after all.
            r"|ieri|l altro giorno|la settimana scorsa|se n e andat[oa]|se ne e andat[oa]"
            r"|e andat[oa] via|se ne sono andati|(?:la polizia|i carabinieri|i vigili) "
            r"(?:\w+ ){0,2}(?:portato via|arrestato|fermato|preso)|l hanno portato via"
            r"|(?:era|erano|in realta era|alla fine era) (?:solo |solamente )?(?:un |una |il "
            r"|la |l |lo |il nuovo |la nuova |un nuovo |una nuova )?(?:genitore|papa|padre|madre"
            r"|mamma"
            r"|prof|professore|professoressa|supplente|tecnico|idraulico|elettricista|operai\w*"
            r"|visitatore|corriere|bidello|collaboratore)(?! che)"
            # A wish or a what-if: "e se uno sconosciuto entrasse", "chiunque puo entrare".
            r"|e se (?:un|uno|una|degli|qualcuno)|se mai|immagin\w*"
            r"|(?:nel caso|caso mai) (?:in cui )?(?:un|uno|una|qualcuno|entr\w*)"
            r"|cosa (?:facciamo|si fa|dobbiamo fare) se|che succede se|(?:puo|potrebbe"
            r"|potrebbero) entrare|entrasse|entrassero"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=(
            r"non e (?:una |un |uno )?(?:prova|esercitazione|simulazione|scherzo)|sul serio"
            r"|non (?:sto )?scherz\w*"
        ),
        positives=(
            "c'è uno sconosciuto nel bagno delle ragazze e non vuole uscire",
            "un tizio che non è della scuola si è nascosto negli spogliatoi della palestra",
            "nel corridoio del primo piano c'è un uomo che nessuno conosce",
        ),
        negatives=(
            "domani esercitazione: un finto intruso entra a scuola alle 10",
            "ieri c'era un uomo sconosciuto in cortile ma la polizia l'ha portato via",
            "è entrato un signore che non conoscevamo in classe, alla fine era il nuovo supplente",
            "e se uno sconosciuto entrasse a scuola cosa dovremmo fare?",
            "oggi un signore è venuto a sistemare il riscaldamento in aula",
            "a educazione civica abbiamo visto un video sui pericoli degli sconosciuti",
        ),
    ),
    pattern(
        "it.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            r"(?:odore|odori|puzza|puzzo|tanfo) (?:\w+ ){0,2}di gas",
            r"(?:fuga|fughe|perdita|perdite) (?:\w+ ){0,2}di gas|gas che (?:esce|usciva|perde)",
            r"(?:esce|uscendo|usciva|perde|perdendo|perdeva) (?:\w+ ){0,2}gas",
            r"(?:sa|sapeva|puzza) di gas",
        ),
        unless=(
            # Tear gas, laughing gas, exhaust; fuel for a car or a scooter; farts.
            r"lacrimogen\w*|esilarante|effetto serra|serra|peperoncino|scarico|marmitta"
            r"|motorino|scooter|motorin\w*|macchina|auto|benzin\w*|distributore|carburante"
            r"|scoregg\w*|puzzett\w*|pet[oi]|flatul\w*|intestinal\w*|aria nella pancia"
            r"|a tutto gas|dare gas|gasat\w*"
            # A drill; over and handled.
            r"|esercitazione|simulazione|prova di evacuazione|falso allarme|ieri"
            # A lesson about gas leaks, a dream.
            r"|(?:abbiamo|hanno|ha) (?:studiato|spiegato)|(?:ci ha|ha) parlato (?:di|delle|della"
            r"|dei)|lezione su\w*|video su\w*"
            r"|ricerca su\w*|prevenzione|sogno|sognato|incubo"
            r"|la settimana scorsa|riparat[oaie]|sistemat[oaie]|risolt[oaie]"
            r"|(?:e venuto|e passato|sono venuti|sono passati|hanno controllato) (?:\w+ ){0,2}"
            r"(?:tecnico|tecnici|idraulico|italgas|pompieri|vigili)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"non e (?:una |un |uno )?(?:prova|esercitazione|scherzo)|non (?:sto )?scherz\w*",
        positives=(
            "in laboratorio c'è una puzza di gas fortissima e mi gira la testa",
            "secondo me c'è una fuga di gas in mensa, si sente dappertutto",
            "a casa mia il fornello perde gas e mia mamma non c'è",
        ),
        negatives=(
            "che puzza di gas di scarico, ci sono i motorini accesi davanti a scuola",
            "ieri c'era odore di gas in palestra ma è venuto il tecnico e l'ha riparato",
            "in bagno c'è puzza di gas, qualcuno ha scoreggiato ahahah",
            "su fortnite hanno tirato i lacrimogeni, c'era gas dappertutto",
            "sono gasatissimo per la gita, a tutto gas!",
        ),
    ),
)
