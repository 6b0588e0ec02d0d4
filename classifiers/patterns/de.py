"""German life-threat patterns (normalised: ä as a, ö as o, ü as u, ß as ss)."""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"spiel|spielen|videospiel|fortnite|minecraft|roblox|film|serie|buch|roman|figur|lied"
    r"|meme|witz|spass|lol|haha|geschichte|aufsatz|hausaufgabe\w*|referat"
)
_PAST = r"letztes jahr|vor (?:monaten|einem jahr)|verwiesen|suspendiert|geklart"
_WEAPONS = (
    r"waffen?|pistolen?|knarre|revolver|gewehr\w*|messer|klinge|machete|bomben?|sprengstoff"
    r"|granaten?"
)
_PLACES = (
    r"schule|klasse|klassenzimmer|unterricht|rucksack|tasche|spind|bus|mensa|turnhalle"
    r"|toilette|flur|schulhof|pausenhof|campus"
)
_FIRE_FICTION = (
    r"ubung|probealarm|alarm|vape|zigarette|lagerfeuer|grill|kerzen?|labor|chemie"
    r"|feuerwerk|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "de.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            # Reflexive only: "meine mutter bringt mich um" is hyperbole about the reporter.
            r"ich (?:will|werde|mochte|muss) mich (?:umbringen|toten)|ich bring\w* mich ~ um",
            r"(?:will|wird|mochte|wollte) sich (?:umbringen|toten|das leben nehmen)",
            r"bring\w* sich um|(?:mir|sich) das leben (?:nehmen|zu nehmen)",
            r"(?:will|mochte) (?:nicht mehr leben|sterben)",
            r"(?:selbstmord|suizid) (?:begehen|machen)|abschiedsbrief\w*",
            r"(?:von der|von einer) brucke springen|vom dach springen",
        ),
        unless=rf"vor scham|vor lachen|kein\w* plan|manchmal denke|{_FICTION}",
        positives=(
            "ich bringe mich heute nacht um, ich kann nicht mehr",
            "meine freundin will sich umbringen",
        ),
        negatives=(
            "meine mutter bringt mich um, wenn sie meine noten sieht",
            "ich will sterben vor scham, ich bin vor allen hingefallen",
        ),
    ),
    pattern(
        "de.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:ritzt sich|ritze mich|verletzt sich|schneidet sich|schneide mich)",
            r"pulsadern (?:aufschneiden|aufgeschnitten)",
        ),
        unless=(
            r"haare|nagel|finger|kuche|papier|seit (?:den |dem |der |einem |einigen )?"
            r"(?:sommerferien|ferien|monaten|jahren|wochen|langem|jahr|sommer)|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"wieder|narben?|armel|pulli|hoodie|versteck\w*",
        acute=r"gerade|jetzt|blut\w*|krankenhaus|tief",
        positives=(
            "sie ritzt sich gerade auf der toilette",
            "er ritzt sich wieder auf dem klo und es blutet voll",
        ),
        negatives=(
            "sie schneidet sich die haare selbst",
            "ich ritze mich seit den sommerferien, keiner weiß es",
            "meine sitznachbarin verletzt sich wieder, ich hab narben am ellbogen gesehen",
        ),
    ),
    pattern(
        "de.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:hat mir|gibt|verschenkt|verschenkte|schenkte mir|gab mir) (?:all |alle )?"
            r"(?:seine|ihre|seinen|ihren|sein|ihr) (?:katze|hund|sachen|klamotten|spiele"
            r"|konsole|gitarre)",
            r"abschiedsbrief\w*|abschiedsvideo|abschiedsnachricht|verabschiedet sich von allen",
        ),
        unless=(
            r"aufpassen|urlaub|ferien|reise|leih\w*|zuruck|umzug|allergi\w*|geburtstag"
            r"|weihnachten|" + _FICTION
        ),
        positives=("sie hat mir ihre katze gegeben und gesagt, dass sie fertig ist",),
        negatives=("sie hat mir ihre katze für die ferien zum aufpassen gegeben",),
    ),
    pattern(
        "de.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:{_WEAPONS}) ~ (?:mitgebracht|dabei|gezeigt|versteckt|gezogen)",
        ),
        unless=(
            r"wasser|spielzeug|nerf|fake|plastik|zeichnung|butter|kochen|jagd|jagen|jager"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"echt\w*|geladen\w*",
        positives=(
            "ein junge hat eine pistole im rucksack in der schule",
            "er hat heute ein messer in die klasse mitgebracht",
        ),
        negatives=(
            "im spiel hat er eine waffe in der schule gefunden",
            "letztes jahr hat jemand ein messer mitgebracht, das wurde geklärt",
            "mein opa hat sein gewehr dabei, wir gehen am wochenende zur jagd",
        ),
    ),
    pattern(
        "de.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:alle|jeden|die schule|die klasse|die lehrer|die schuler) ~ (?:erschiessen"
            r"|abknallen|umbringen|abstechen|angreifen|in die luft jagen)",
            r"amoklauf|amok (?:laufen|gehen)",
            r"todesliste|abschussliste|hitliste|schwarze liste",
            r"(?:komm|kommt|geh|geht) (?:morgen|heute|montag|dienstag|mittwoch|donnerstag"
            r"|freitag) nicht (?:in die|zur) schule",
        ),
        unless=r"fotos?|ball|fussball|basketball|test|prufung|" + _FICTION,
        positives=("er hat gesagt, er will am freitag alle in der schule erschießen",),
        negatives=("heute abend werden wir in fortnite alle abknallen",),
    ),
    pattern(
        "de.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            r"(?:schlagt|verprugelt|wurgt|vergewaltigt|haut) (?:gerade |jetzt )?(?:mich|sie"
            r"|ihn|uns|meine \w+|meinen \w+)",
            r"hat mich (?:eingesperrt|eingeschlossen)",
            r"(?:droht|gedroht) mich umzubringen|(?:sagt|gesagt) er bringt mich um",
        ),
        unless=(
            r"kitzel\w*|ringen|karate|boxen|training|noten|zeugnis|ball"
            # A habit, disclosed ("schlägt sie, wenn sie mit einem jungen redet"): urgent.
            r"|(?:schlagt|haut|verprugelt) (?:sie|ihn|mich|uns) (?:immer )?(?:wenn|sobald)"
            r"|" + _FICTION
        ),
        despite=r"gerade|jetzt|heute abend|heute nacht",
        # Recurring and disclosed ("on weekends", "all the time"): urgent, not happening now.
        ongoing=r"am wochenende|jedes wochenende|standig|immer wieder|oft|jedes mal",
        acute=r"gerade|jetzt|heute abend|heute nacht",
        positives=("mein stiefvater schlägt gerade meine mutter und mich",),
        negatives=(
            "im training haut er mich immer beim boxen",
            "ihr vater schlägt sie wenn sie mit nem jungen redet, heute ist sie bei mir",
            "ihr onkel haut sie oft am wochenende, hat sie mir in der pause erzählt",
        ),
    ),
    pattern(
        "de.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"uberdosis",
            r"(?:alle|eine ganze packung|die ganze packung|viele|zu viele|(?:[5-9]|\d\d+)) ~ "
            r"(?:tabletten|pillen|medikamente|schlaftabletten) ~ (?:genommen|geschluckt)",
            r"atmet nicht|wacht nicht (?:mehr )?auf",
        ),
        unless=(
            r"vitamin\w*|bonbons|rezept|projekt|statistik\w*"
            # Over: "vor 2 wochen zu viele tabletten genommen".
            r"|vor \w+ (?:tagen|wochen|monaten)|" + _FICTION
        ),
        positives=("sie hat alle tabletten ihrer mutter geschluckt und wacht nicht auf",),
        negatives=(
            "für das referat über überdosis brauchen wir statistiken",
            "ich hab vor 2 wochen zu viele tabletten genommen aber es ist nix passiert",
        ),
    ),
    pattern(
        "de.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?:feuer|brand|flammen) (?:in der|im|in dem) (?:schule|klasse|klassenzimmer"
            r"|toilette|flur|turnhalle|mensa|haus|kuche|gebaude)",
            r"(?:schule|gebaude|turnhalle|haus|toilette) (?:brennt|steht in flammen)",
            # Smoke is a fire until someone has looked (labelling.md): "da kommt Rauch raus".
            r"rauch (?:kommt|quillt|steigt|dringt|uberall)",
            r"(?:kommt|quillt|steigt|dringt) (?:\w+ )?rauch|(?:schwarzer|dicker|uberall) rauch",
        ),
        unless=_FIRE_FICTION,
        positives=(
            "es gibt ein feuer im klassenzimmer, überall rauch",
            "aus dem sicherungskasten im flur kommt schwarzer rauch",
        ),
        negatives=(
            "probealarm: feuer in der turnhalle, nur eine übung",
            "auf dem klo ist überall rauch von der zigarette",
        ),
    ),
    pattern(
        "de.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:schule|turnhalle|gebaude|klasse|mulleimer) (?:anzunden|abfackeln"
            r"|niederbrennen|in brand stecken)",
            r"(?:feuer|brand) (?:legen|gelegt)",
        ),
        unless=_FIRE_FICTION,
        positives=("er will die schule anzünden",),
        negatives=("in minecraft will er die schule anzünden",),
    ),
)
