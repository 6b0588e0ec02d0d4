"""French life-threat patterns (normalised: no accents; "l'école" is "l ecole")."""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"jeu|jeux video|fortnite|minecraft|roblox|free fire|film|serie|livre|roman|personnage"
    r"|chanson|meme|blague|rigole|plaisante|mdr|ptdr|lol|histoire|redaction|devoir"
)
_PAST = (
    r"l an dernier|l annee derniere|il y a (?:des mois|un an)|renvoye|exclu|a ete viree?"
    r"|c est regle|deja regle"
)
_WEAPONS = (
    r"armes?|pistolets?|flingues?|revolver|fusils?|couteaux?|lames?|machettes?|bombes?"
    r"|explosifs?|grenades?|calibre"
)
_PLACES = (
    r"ecole|college|lycee|classe|cours|bahut|casier|sac|cantine|gymnase|toilettes|couloir"
    r"|cour|bus|campus"
)
_FIRE_FICTION = (
    r"exercice|alarme|vapote\w*|cigarette|feu de camp|barbecue|bougies?|labo|feux d artifice"
    r"|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "fr.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            # Reflexive only: "il va me tuer" is a threat to the reporter, not suicide.
            r"(?:je vais|jvais|je veux|j veux|jveux) me (?:tuer|suicider|foutre en l air)",
            r"(?:va|veut|voulait|allait) se (?:tuer|suicider|foutre en l air)",
            r"me suicider|se suicider|en finir avec (?:la|ma|sa) vie",
            r"mettre fin a (?:mes|ses) jours|mettre fin a (?:ma|sa) vie",
            r"(?:je veux|jveux|il veut|elle veut) mourir",
            r"(?:veux|veut) plus vivre|(?:sauter|me jeter|se jeter) (?:du|d un) (?:pont|toit)",
            r"lettres? d adieu|(?:seraient|serait) mieux sans moi",
        ),
        unless=rf"de rire|de honte|de faim|pas de plan|parfois je pense|{_FICTION}",
        positives=(
            "je vais me tuer ce soir, j'en peux plus",
            "mon amie veut se suicider",
        ),
        negatives=(
            "ce contrôle me tue",
            "je veux mourir de honte, je suis tombée devant tout le monde",
            "mon père va me tuer quand il verra mes notes",
        ),
    ),
    pattern(
        "fr.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:je me|il se|elle se|se) (?:coupe|scarifie|mutile|taillade)",
            r"(?:ouvrir|ouvert|taillader|tailladee?) les (?:veines|poignets)",
        ),
        unless=(
            r"cheveux|ongles|frange|doigt|cuisine|legumes|papier|depuis (?:des mois"
            r"|des semaines|des annees|longtemps|un an|l ete|la rentree)"
            # Stopped: "ça fait 3 mois que je me coupe plus" (plus = no longer).
            r"|(?:jours|semaines|mois|ans) que je me coupe plus(?! (?:souvent|fort|profond\w*))"
            r"|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"encore|a nouveau|cicatrices?|marques|manches longues|sweat|cache\w*",
        acute=r"en ce moment|maintenant|sang|saign\w*|hopital|profond\w*",
        positives=(
            "elle se scarifie dans les toilettes en ce moment",
            "il se coupe encore dans les toilettes et ça saigne beaucoup",
        ),
        negatives=(
            "elle se coupe les cheveux toute seule",
            "ma soeur se scarifie depuis des mois, elle cache ses bras",
            "ça fait 3 mois que je me coupe plus mais j'y pense encore",
            "ma voisine de table se mutile à nouveau je crois, j'ai vu des cicatrices au coude",
        ),
    ),
    pattern(
        "fr.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:m a|lui a|nous a|a) donne (?:tous |toutes )?(?:son|sa|ses) (?:chat|chatte"
            r"|chien|chienne|affaires|vetements|jeux|console|guitare)",
            r"donne (?:toutes )?ses affaires",
            r"(?:lettre|lettres|message|video) d adieu|fait ses adieux a tout le monde",
        ),
        unless=(
            r"garder|vacances|voyage|prete|rendre|demenag\w*|allergi\w*|anniversaire|noel"
            r"|" + _FICTION
        ),
        positives=("elle m'a donné son chat et a dit qu'elle en avait fini",),
        negatives=("elle m'a donné son chat à garder pendant les vacances",),
    ),
    pattern(
        "fr.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:ramene|apporte|montre|cache|sorti) (?:un |une |son |sa |le |la )?(?:{_WEAPONS})",
        ),
        unless=(
            r"a eau|jouet|nerf|faux|fausse|plastique|dessin|beurre|cuisine|des photos d\w*"
            # Hunting is sport; a "couteau de chasse" in a bag is not.
            r"|a la chasse|chasseurs?|chasser"
            # Bought online or kept at home, not brought to school: "acheté sur vinted",
            # "il le garde chez lui pour l'instant".
            r"|(?:achete|commande) (?:\w+ ){0,6}"
            r"(?:sur (?:vinted|internet|amazon|leboncoin)|en ligne)"
            r"|(?:garde|laisse|cache) (?:\w+ ){0,3}(?:chez (?:lui|elle|eux)|a la maison"
            r"|dans sa chambre)"
            # Seen at a classmate's home: "je suis allé chez un gars de ma classe".
            r"|(?:alle|allee|passe|passee) chez (?:un|une) (?:gars|mec|fille|pote|copain|copine)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"vrai|vraie|charge|chargee|(?:va|veut) le ramener|l a ramene|le ramene",
        positives=(
            "il a un pistolet dans son sac au lycée",
            "il a ramené un couteau en cours",
        ),
        negatives=(
            "on a fait une bataille de pistolets à eau dans la cour",
            "un gars de ma classe montre des photos du fusil de son père",
            "le mec qui avait ramené un couteau en octobre a été viré, c'est réglé",
            "ce week-end je vais à la chasse avec mon oncle, il apporte son fusil",
            "un mec de ma classe a acheté un couteau, il le garde chez lui pour l'instant",
            "mon pote m'a montré le flingue que son frère cache dans sa chambre",
            "je suis allé chez un gars de ma classe et y avait une arme dans un tiroir",
        ),
    ),
    pattern(
        "fr.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:tirer sur|tuer|attaquer|poignarder|faire sauter) (?:tout le monde|les eleves"
            r"|les profs|l ecole|le lycee|le college|la classe)",
            r"(?:va|vont|veut|veulent) (?:tirer sur|faire un massacre|faire une fusillade"
            r"|faire sauter)",
            r"fusillade (?:a|au|dans) (?:l ecole|le lycee|le college)",
            r"liste noire|liste de (?:gens a tuer|cibles)",
            r"(?:viens|venez|va|allez|vas) pas (?:a l ecole|au lycee|au college|en cours) "
            r"(?:demain|aujourd hui|lundi|mardi|mercredi|jeudi|vendredi)",
        ),
        unless=r"photos?|ballon|basket|foot|controle|" + _FICTION,
        positives=("il a dit qu'il va tirer sur tout le monde au lycée vendredi",),
        negatives=("on va tuer tout le monde à fortnite ce soir",),
    ),
    pattern(
        "fr.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            r"(?:me|la|le|nous) (?:frappe|bat|etrangle|viole|touche) (?:en ce moment"
            r"|maintenant|encore)",
            r"en train de (?:me |la |le |nous )?(?:frapper|battre|etrangler|violer)",
            r"m a enfermee? (?:dans|a)",
            r"(?:a dit|dit|menace) (?:qu il |qu elle )?(?:va |allait )?(?:me|nous) tuer",
        ),
        unless=r"notes|bulletin|chatouill\w*|catch|karate|boxe|entrainement|" + _FICTION,
        positives=("mon beau-père frappe ma mère et il me frappe maintenant aussi",),
        negatives=("à l'entraînement de boxe il me frappe encore, trop fort",),
    ),
)

PATTERNS += (
    pattern(
        "fr.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"overdose|surdose",
            r"(?:pris|avale) (?:toute la boite|toutes les|tous les|une boite|plein de|trop de"
            r"|(?:[5-9]|\d\d+)) (?:de )?(?:\w+ )?(?:cachets|pilules|comprimes|medicaments"
            r"|medocs|doliprane|xanax)",
            r"(?:respire|reveille) (?:plus|pas)",
        ),
        unless=r"vitamines|bonbons|ordonnance|projet|expose|statistiques|" + _FICTION,
        positives=("elle a pris toute la boîte de cachets de sa mère et ne se réveille pas",),
        negatives=("j'ai pris toutes les vitamines que l'infirmière m'a données",),
    ),
    pattern(
        "fr.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?:feu|incendie|flammes) (?:dans|a) (?:l |le |la |les )?(?:ecole|lycee|college"
            r"|classe|toilettes|couloir|gymnase|cantine|maison|cuisine|batiment)",
            r"(?:ecole|lycee|college|batiment|gymnase|maison) (?:est en feu|brule"
            r"|est en flammes)",
            # Smoke is a fire until someone has looked (labelling.md): "de la fumée qui sort".
            r"fumee (?:qui sort|sort|sortait|partout|noire|epaisse)",
            r"(?:sort|sortir|sortait|plein\w* de) (?:de la )?fumee",
        ),
        unless=_FIRE_FICTION,
        positives=(
            "il y a le feu dans les toilettes du lycée",
            "y a de la fumée noire qui sort du local électrique là",
        ),
        negatives=(
            "l'exercice incendie dans le gymnase était long",
            "les toilettes sont pleines de fumée de cigarette, c'est dégueu",
        ),
    ),
    pattern(
        "fr.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:mettre|mis|met|foutre|fout) le feu (?:a|au|aux) (?:l |la )?(?:ecole|lycee"
            r"|college|gymnase|toilettes|poubelle|batiment|classe|maison)",
            r"(?:bruler|incendier|cramer) (?:l ecole|le lycee|le college|le gymnase"
            r"|le batiment)",
        ),
        unless=_FIRE_FICTION,
        positives=("il a dit qu'il va mettre le feu au lycée",),
        negatives=("dans minecraft il a mis le feu à l'école",),
    ),
)

# An adult nobody knows, strictly: "un homme" alone is a parent or a new teacher.
_WHO = r"homme|femme|adulte|mec|type|gars|keum|monsieur|dame|individu|personne|quelqu un"
# "Un mec (chelou) qu'on connaît pas": the person, at most one word, then who they are.
_WHO_ONE = rf"(?:{_WHO})s? (?:\w+ )?"
_STRANGER = (
    r"(?:un|une|des|cet|cette) (?:inconnue?s?|intruse?s?)"
    rf"|(?:{_WHO})s? (?:inconnue?s?|exterieure?s? (?:a|au) (?:l )?\w+|d exterieur)"
    rf"|{_WHO_ONE}(?:que|qu) (?:on|je|j|nous) (?:ne |n )?(?:connait|connais|connaissons"
    r"|connaissait|connaissais) pas"
    rf"|{_WHO_ONE}que personne (?:ne )?(?:connait|connaissait)"
    rf"|{_WHO_ONE}(?:que|qu) (?:on|je|j|nous) (?:n )?(?:a|ai|avait|avais|avons) jamais vue?"
    rf"|{_WHO_ONE}qui (?:n est|est|ne sont|sont|fait|fait partie) (?:pas|meme pas) "
    r"(?:de|du|d|partie de) (?:l |le |la )?(?:ecole|college|lycee|bahut|etablissement)"
)
# Slang for "some random guy", only with a verb of getting in or hiding.
_RANDOM = r"(?:un|une) (?:random|etrangere?)"
_SCHOOL = (
    r"ecole|college|lycee|bahut|etablissement|classe|salles?|toilettes|wc|vestiaires?"
    r"|internat|dortoirs?|couloirs?|gymnase|batiments?|cantine|self|cdi|escaliers?|cour"
    r"|preau|labo|permanence|perm"
)
_IN = (
    r"(?:dans|a l interieur d\w*|au|aux|a|en|par) (?:(?:tout|toute|tous|toutes) )?"
    r"(?:le |la |les |l |notre |nos |mon |ma )?"
)
_GET_IN = (
    r"est (?:entree?|rentree?)|s est (?:introduite?|infiltree?|cachee?|enfermee?)"
    r"|s introduit|s infiltre|se cache|est cachee?|s enferme|est enfermee?"
)

PATTERNS += (
    pattern(
        "fr.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_STRANGER}) ~ {_IN}(?:{_SCHOOL})",
            rf"(?:{_STRANGER}|{_RANDOM}) ~ (?:{_GET_IN})",
            rf"(?:dans|a l interieur d\w*) (?:le |la |les |l |notre |nos )?(?:{_SCHOOL}) ~~ "
            rf"(?:{_STRANGER})",
            rf"intrusion {_IN}(?:{_SCHOOL})",
        ),
        unless=(
            # A drill, a lesson about strangers, a stranger met online.
            r"exercices?|simulation|ppms|fausse alerte|prevention|reve|cauchemar"
            r"|sensibilisation|(?:video|film|cours|atelier|intervention) sur|trouve\w* l intrus"
            r"|cherche\w* l intrus|insta|instagram|snap|snapchat|discord|tiktok|en ligne"
            r"|serveur|(?:entree?|ajoutee?|rejoint|invitee?) (?:\w+ ){0,3}(?:dans |sur )?(?:le |la "
            r"|notre )?(?:groupe|conv|chat|live)"
            # Over: yesterday, gone, taken away, or it was someone known after all.
            r"|hier|avant hier|la semaine derniere|le mois dernier|l autre jour"
            r"|(?:il|elle) est (?:re)?partie?(?! (?:vers|dans|en|au|aux|a|chercher|prevenir"
            r"|appeler|voir|par))"
            r"|s en est allee?|(?:la police|les flics|les gendarmes) (?:\w+ ){0,2}(?:emmene"
            r"|embarque|arrete|interpelle|sorti)"
            r"|(?:en fait |finalement )?(?:c etait|c est (?:juste|que|seulement)) (?:juste |que )?"
            r"(?:un |une |le |la |l |son |sa |notre )?(?:nouveau |nouvelle )?(?:pere|mere|parent"
            r"|papa|maman|prof|professeur|remplacant\w*|technicien|livreur|plombier|electricien"
            r"|ouvrier|visiteur|agent|surveillant|intervenant|stagiaire)(?! qui)"
            # Followed on the way to school: stalking (urgent), not an intruder.
            r"|(?:suivie?|suit|suivait) (?:\w+ ){0,3}jusqu"
            # "Rentré" is also "gone home", "rentré dans" also "crashed into".
            r"|rentree? (?:chez|dedans)|rentree? dans (?:ma|sa|notre|leur|la) (?:voiture|scooter)"
            # Not a person: "je me sens comme un inconnu", "une équation à une inconnue";
            # a theft or a tag already done.
            r"|comme (?:un|une) (?:inconnue?|intruse?)|(?:me|se|te) sen[st]\w* (?:\w+ )?(?:comme"
            r"|etrangere?|inconnue?)|equations?|a (?:une|deux) inconnues?"
            r"|(?:a|ont) (?:vole|pique|tague) (?:mon|ma|mes|le velo|la trottinette)"
            # A wish or a what-if: "et si un inconnu entrait", "n'importe qui peut entrer".
            r"|et si|si jamais|au cas ou|imagin\w*|(?:que|quoi) faire si|on fait quoi si"
            r"|(?:peut|pourrait|pourraient) (?:entrer|rentrer)|entrerait"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=(
            r"(?:c est |c etait )?pas (?:un |une )?(?:exercice|simulation|blague)|pour de vrai"
            r"|je (?:rigole|plaisante) pas|sans rire"
        ),
        positives=(
            "y a un homme qu'on connaît pas dans les toilettes des filles, il est encore dedans",
            "un inconnu s'est introduit dans le lycée et il se balade dans les couloirs",
            "un mec qui est pas du lycée est entré dans les vestiaires du gymnase",
        ),
        negatives=(
            "demain on fait l'exercice PPMS, un faux intrus va entrer dans le collège",
            "hier un inconnu est entré dans la cour mais la police l'a emmené",
            "un homme qu'on connaissait pas est entré en classe, en fait c'était le nouveau prof",
            "et si un inconnu entrait dans l'école, on ferait quoi ?",
            "un homme est venu réparer le chauffage dans notre classe",
            "en cours on a regardé une vidéo sur les dangers des inconnus",
        ),
    ),
    pattern(
        "fr.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            r"(?:odeurs?|relents?) (?:\w+ ){0,2}(?:de|du) gaz",
            r"fuites? (?:\w+ ){0,2}(?:de|du) gaz|(?:le )?gaz (?:qui )?(?:fuit|s echappe)",
            # "ça sent le gaz" is also "things look bad": only with a place or a symptom.
            rf"(?:sent|sentait|pue|puait|sens|sentons) (?:\w+ ){{0,2}}le gaz (?:\w+ ){{0,2}}"
            rf"(?:{_IN}(?:{_SCHOOL}|maison|cuisine|appart\w*|immeuble)|partout|chez (?:moi|nous))",
            rf"{_IN}(?:{_SCHOOL}|maison|cuisine|appart\w*|immeuble) (?:\w+ ){{0,4}}"
            r"(?:sent|sentait|pue|puait) (?:\w+ ){0,2}le gaz",
            r"(?:sent|pue) (?:\w+ ){0,2}le gaz ~~ (?:la tete (?:qui )?tourne|vertiges?"
            r"|etourdi\w*|mal a la tete|envie de vomir|malaise|nausee)",
        ),
        unless=(
            # Tear gas, laughing gas, greenhouse gas; fuel for a car; farts.
            r"lacrymo\w*|hilarant|proto\w*|effet de serre|moutarde|station|essence|carburant"
            r"|echappement|pot d echappement"
            r"|voiture|scooter|pets?|prouts?|flatul\w*|qui a pete|(?:t|tu) as pete"
            r"|(?:lache|lacher) (?:un|une|des) (?:gaz|pets?|caisses?|louises?)"
            r"|(?:j ai|il a|elle a) des gaz|ballonn\w*"
            # A drill; over and handled.
            r"|exercices?|simulation|fausse alerte|hier|avant hier|la semaine derniere"
            # A lesson about gas leaks, a dream.
            r"|(?:nous a|on a) parle|(?:cours|lecon|video|expose) sur|prevention"
            r"|sensibilisation|on a (?:appris|etudie)|reve|cauchemar"
            r"|repare\w*|c etait rien|(?:technicien|grdf|plombier|pompiers|reparateur) "
            r"(?:\w+ ){0,2}(?:venue?s?|passee?s?|repartis?)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"pas (?:une |un )?(?:blague|exercice)|pour de vrai|je (?:rigole|plaisante) pas",
        positives=(
            "ça sent trop le gaz dans le labo de chimie et on a la tête qui tourne",
            "grosse odeur de gaz à la cantine, personne fait rien",
            "je crois qu'il y a une fuite de gaz dans la cuisine chez moi",
        ),
        negatives=(
            "ça sent le gaz pour le brevet, j'ai rien révisé",
            "ça sent le gaz en classe, qui a pété mdr",
            "hier il y avait une odeur de gaz au gymnase mais le technicien est venu",
            "dans le jeu ils balancent du gaz lacrymo partout dans l'école",
            "la voiture pue l'essence, faut passer à la station",
        ),
    ),
)
