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

# An adult nobody knows, strictly: "ein mann" alone is a parent or a new teacher.
_WHO = (
    r"mann|manner|typ|typen|kerl|kerle|erwachsene[rn]?|frau|frauen|person|personen|mensch"
    r"|menschen|herr|leute|jemand|einer|eine|dude"
)
# The person, at most one word ("ein erwachsener Typ"), then who they are; "eine Neue,
# die keiner kennt" is a new classmate, so "einer", "eine", "jemand" take no word.
_WHO_ONE = (
    r"(?:(?:mann|manner|typ|typen|kerl|kerle|erwachsene[rn]?|frau|frauen|person|personen"
    r"|mensch|menschen|herr|leute|dude) (?:\w+ )?|(?:jemand|einer|eine) )"
)
_STRANGER = (
    rf"(?:fremde[rnms]?|unbekannte[rnms]?) (?:{_WHO})"
    r"|(?:ein|eine|n|ne|so ein|son) (?:fremder|fremde|unbekannter|unbekannte) (?=(?:ist|war"
    r"|lauft|lief|rennt|schleicht|lungert|steht|sitzt|versteckt|hat|kam|kommt|geht|treibt"
    r"|probiert|ruttelt|im|in|auf|aufm|durch)\b)"
    r"|(?:jemand|einer|irgendwer) fremdes|(?:ein|einen|n|nen) eindringling|eindringlinge"
    rf"|{_WHO_ONE}(?:den|die|der) (?:keiner|niemand|keine sau) (?:kennt|kannte)"
    rf"|{_WHO_ONE}(?:den|die) (?:wir|ich) (?:noch )?nie (?:gesehen|gesehn)"
    rf"|{_WHO_ONE}(?:den|die) (?:wir|ich) nicht kennen|{_WHO_ONE}(?:den|die)"
    r" ich nicht kenne"
    rf"|{_WHO_ONE}(?:der|die) (?:nicht|net|nich|gar nicht) (?:zu unserer|zur|an unsere"
    r"|an die|in unsere|auf unsere|auf die|an unserer|an der) schule (?:gehort|gehoren|geht"
    r"|gehn|gehen|ist)"
)
# "Irgendein Typ" is also any boy of the school: only with a verb of getting in.
_SOMEONE = r"(?:irgendein(?:e|er|en)?|random) (?:erwachsene[rn]?|mann|typ|kerl|frau|person|dude)"
_SCHOOL = (
    r"schule|schulgebaude|gebaude|hauptgebaude|altbau|neubau|klasse|klassenzimmer|klassenraum"
    r"|raum|(?:madchen|jungen|jungs|lehrer)?(?:toiletten?|klos?|umkleiden?|umkleidekabinen?)"
    r"|flur|gang|gangen|turnhalle|sporthalle|halle|mensa|internat|schlafsaal|treppenhaus"
    r"|aula|bibliothek|bucherei|sekretariat|lehrerzimmer|schulhof|pausenhof|keller|labor"
    r"|chemieraum|fachraum|trakt"
)
_IN = (
    r"(?:im|ins|in der|in die|in den|in dem|in unserer|in unsere|in unserem|auf der|auf dem"
    r"|aufm|aufs|auf die|durch die|durch den|durchs|innerhalb der|innerhalb des) "
)
_ENTERED = (
    r"reingekommen|reingegangen|reingelaufen|reingeschlichen|eingedrungen|eingestiegen"
    r"|hereingekommen|eingeschlichen|reingeklettert|eingebrochen"
)
_GET_IN = (
    rf"(?:ist|sind|war|kam|kamen|kommt) (?:\w+ ){{0,4}}(?:rein|herein)\b|{_ENTERED}"
    r"|(?:hat|haben) sich (?:\w+ ){0,4}(?:versteckt|eingeschlossen|eingesperrt"
    r"|reingeschlichen|eingeschlichen)|versteckt sich"
)

# Someone known after all: "war nur der neue Vertretungslehrer".
_KNOWN = (
    r"vater|mutter|papa|mama|elternteil|eltern|lehrer\w*|vertretung\w*|referendar\w*"
    r"|praktikant\w*|techniker\w*|handwerker|hausmeister|besucher\w*|elektriker|klempner"
    r"|installateur|heizungs\w*"
)

PATTERNS += (
    pattern(
        "de.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_STRANGER}) ~ {_IN}(?:\w+ )?(?:{_SCHOOL})",
            rf"(?:{_STRANGER}|{_SOMEONE}) ~ (?:{_GET_IN})",
            rf"(?:versteckt sich|verstecken sich) (?:\w+ ){{0,3}}(?:{_STRANGER})",
            rf"(?:kam|kommt|kamen|ist|sind) (?:\w+ ){{0,3}}(?:{_STRANGER}) (?:\w+ ){{0,4}}"
            rf"(?:rein|herein|{_ENTERED})",
            rf"{_IN}(?:\w+ )?(?:{_SCHOOL}) ~~ (?:{_STRANGER})",
            r"eindringling\w* ~ (?:schule|gebaude|klasse|\w*toilette|\w*klo|\w*umkleide|flur"
            r"|\w*halle)",
        ),
        unless=(
            # A drill, a lesson about strangers, a stranger met online.
            r"\w*ubung\w*|probealarm|testalarm|simulation|simuliert|nur ein test|traum|traumen"
            r"|getraumt|albtraum|alptraum"
            r"|pravention|aufklarung|vortrag|workshop|projekttag|(?:video|film|unterricht"
            r"|referat) (?:uber|zu)|insta\w*|snap\w*|tiktok|discord|telegram|online|internet"
            r"|server|profil|account|beigetreten|hinzugefugt|(?:in den|in die|im) \w*(?:chat"
            r"|gruppe)\w* (?:\w+ ){0,2}(?:gekommen|eingeladen|reingekommen)"
            # Followed on the way to school: stalking (urgent), not an intruder.
            r"|bis (?:zur schule|vor die schule|nach hause|vor die tur|zum schultor"
            r"|zur bushaltestelle)|(?:mein|meine|meinen) (?:\w+ ){0,4}(?:geklaut|gestohlen)"
            r"|fahrrad|beschmiert|besprayt"
            # Feeling a stranger in one's own class: "ich fühl mich wie ein fremder".
            r"|(?:fuhl|fuhle|fuhlt|fuhlte) (?:mich|sich|dich) (?:\w+ ){0,3}(?:fremd\w*|wie)"
            # Over: yesterday, gone, taken away, or it was someone known after all.
            r"|gestern|vorgestern|letzte woche|neulich|(?:er|sie|der|die) (?:ist|war) (?:dann "
            r"|wieder |danach )?(?:gegangen|weggegangen)|(?:polizei|polizisten|hausmeister) "
            r"(?:\w+ ){0,3}(?:mitgenommen|festgenommen|abgeholt|rausgeworfen|rausgeschmissen"
            r"|geredet|gesprochen)"
            r"|(?:es|das|er|sie) (?:war|ist) (?:aber |nur |doch |bloss |halt |einfach "
            r"|eigentlich ){0,2}(?:ein |eine |der |die |ihr |sein |unser |unsere )?(?:neue[rn]? )?"
            rf"(?:{_KNOWN})|(?:war|ist) (?:aber )?(?:nur|doch|bloss|halt|eigentlich) (?:ein |eine "
            rf"|der |die |ihr |sein |unser |unsere )?(?:neue[rn]? )?(?:{_KNOWN})"
            r"|herausgestellt|rausgestellt|stellte sich (?:\w+ ){0,3}(?:raus|heraus)"
            # A wish or a what-if: "was wenn ein fremder reinkommt", "da kann jeder rein".
            r"|was (?:ist|ware|passiert|machen wir|tun wir|sollen wir machen) (?:\w+ )?wenn"
            r"|was wenn|stell dir vor|angenommen|ware wenn|wenn (?:\w+ ){0,6}ware"
            r"|(?:was|wie) (?:\w+ )?(?:wurde|wurden|wurdet)|(?:wurde|wurden) (?:man|wir|ihr) "
            r"(?:\w+ ){0,3}(?:reinkommen|eindringen|machen|tun)"
            r"|(?:jeder|jede|jemand|man|irgendwer) (?:kann|konnte|konnten) (?:\w+ ){0,3}rein"
            r"|wenn (?:mal )?(?:ein|eine|n|jemand)"
            r" (?:fremde\w*|unbekannte\w*)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=(
            r"keine ubung|kein probealarm|kein test|keine simulation|(?:ist|war) ernst"
            r"|kein (?:witz|spass)|ohne (?:witz|spass)"
        ),
        positives=(
            "in der mädchentoilette im 2. stock versteckt sich ein fremder mann, hilfe",
            "ein typ den keiner kennt läuft grad im schulgebäude rum",
            "jemand fremdes hat sich in der umkleide eingeschlossen",
        ),
        negatives=(
            "morgen ist amokübung, ein lehrer spielt den fremden mann im schulgebäude",
            "gestern war ein fremder mann im flur, aber die polizei hat ihn mitgenommen",
            "ein unbekannter mann war in der klasse, war aber nur der neue vertretungslehrer",
            "was wäre wenn ein fremder in die schule reinkommt?",
            "heute kam ein mann und hat die heizung in unserem klassenzimmer repariert",
            "in der schule haben wir einen film über fremde leute im internet geschaut",
        ),
    ),
    pattern(
        "de.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            r"gasgeruch|gasgestank|gasleck\w*|gasaustritt|gasalarm|gasleitung\w* ~ (?:undicht"
            r"|kaputt|leck|zischt)",
            r"(?:riecht|riechts|rieche|riechen|roch|stinkt|stinkts|stank) (?:\w+ ){0,3}"
            r"(?:nach|wie) (?:erdgas|kochgas|gas)",
            r"(?:geruch|gestank) (?:\w+ ){0,2}(?:nach|von) (?:erdgas|kochgas|gas)",
            r"gas (?:tritt|stromt|stromte|trat|zischt) (?:\w+ ){0,2}(?:aus|raus)"
            r"|gas (?:ausgetreten|austritt)",
            r"gashahn\w* ~ (?:offen|aufgedreht|(?:ist|war|steht|stand|noch) auf\b)",
        ),
        unless=(
            # Tear gas, laughing gas, exhaust; fuel for a car or a moped; farts.
            r"tranengas|reizgas|pfefferspray|lachgas|abgas\w*|auspuff|tankstelle|benzin\w*"
            r"|diesel|sprit|tanken|\w*auto|moped|roller|mofa|furz\w*|gefurzt|pups\w*|gepupst"
            r"|blahung\w*|flatul\w*|darm\w*|gas geben|vollgas|gaspistole"
            # A drill; over and handled.
            r"|\w*ubung\w*|probealarm|fehlalarm|gestern|vorgestern|letzte woche|repariert"
            # A lesson about gas leaks, a dream.
            r"|(?:video|film|vortrag|unterricht|referat) (?:uber|zu)|gelernt|besprochen"
            r"|pravention|aufklarung|traum|traumen|getraumt|albtraum|alptraum"
            r"|behoben|(?:war|kam|waren|kamen) (?:der |die |ein )?(?:techniker|feuerwehr"
            r"|stadtwerke|handwerker|installateur)|(?:techniker|feuerwehr|stadtwerke|handwerker"
            r"|installateur|hausmeister) (?:war|kam|waren|kamen|hat|haben) (?:\w+ ){0,3}(?:da"
            r"|repariert|zugedreht|abgedreht|behoben|gecheckt|gepruft)"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"keine ubung|kein (?:witz|spass|test)|ohne (?:witz|spass)",
        positives=(
            "im chemieraum riecht es total nach gas und mir ist schwindelig",
            "ich glaub wir haben ein gasleck in der küche zuhause, es zischt",
            "starker gasgeruch in der mensa, keiner macht was",
        ),
        negatives=(
            "an der tankstelle riecht es immer nach benzin und gas",
            "gestern gab es gasgeruch in der turnhalle, der techniker war da und hat es repariert",
            "auf dem klo stinkt es nach gas, hat wieder einer gefurzt lol",
            "im spiel werfen wir tränengas in die schule",
            "er hat eine gaspistole im park gekauft",
        ),
    ),
)
