"""Spanish life-threat patterns (normalised text: lowercase, no accents, ñ as n)."""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"juego|jugando|videojuego|fortnite|minecraft|roblox|free fire|pelicula|serie|libro"
    r"|novela|personaje|cancion|meme|broma|bromea\w*|chiste|es un decir|historia|cuento"
    r"|escribiendo|tarea|jaja\w*|jeje\w*"
)
_NO_PLAN = r"no tengo (?:ningun )?plan|a veces pienso|no voy a hacer nada|ojala"
_PAST = r"el ano pasado|hace (?:meses|anos|un ano)|expulsaron|ya se (?:encargo|resolvio)"
_WEAPONS = (
    r"pistolas?|armas?|rifles?|escopetas?|revolver|cuchillos?|navajas?|machetes?|bombas?"
    r"|explosivos?|granadas?|fusca|cuete"
)
_PLACES = (
    r"escuela|colegio|instituto|prepa|secundaria|liceo|clase|salon|aula|campus|autobus"
    r"|camion|casillero|taquilla|mochila|cafeteria|comedor|gimnasio|bano|banos|pasillo|patio"
)
_FIRE_FICTION = (
    r"simulacro|alarma|vape|vapeador|cigarr\w*|fogata|parrilla|asado|laboratorio|mechero"
    r"|velas?|fuegos artificiales|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "es.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            r"(?:matarme|suicidarme|suicidarse|quitarme la vida|quitarse la vida)",
            # Reflexive only: "me voy a matar" is suicide, "me va a matar" is a threat to me.
            r"me (?:voy a|quiero) (?:matar|suicidar)",
            r"se (?:va a|quiere|piensa|iba a) (?:matar|suicidar)",
            r"quiero morir(?:me)?|quiere morir(?:se)?",
            r"acabar con (?:mi|su) (?:propia )?vida",
            r"no (?:quiero|quiere) (?:vivir|seguir viviendo|estar viv[oa]|despertar)",
            r"(?:me|se) (?:voy|va) a (?:tirar|lanzar|aventar) (?:del|de un|de una|desde el) "
            r"(?:puente|techo|edificio|azotea)",
            r"nota (?:de )?suicid\w*|carta suicida",
            r"(?:estarian|estaria) mejor sin mi",
        ),
        # Denied intent or a habit for months: "llevo meses…, no quiero matarme".
        unless=(
            r"risa|verguenza|hambre|sueno|calor|frio|aburrimiento|llevo meses"
            r"|no (?:quiero|quiere) (?:matarme|matarse|suicidarme|suicidarse)"
            rf"|{_NO_PLAN}|{_FICTION}"
        ),
        despite=r"esta noche|ahora mismo",
        positives=(
            "ya no aguanto más, me voy a matar esta noche",
            "mi amiga dijo que quiere quitarse la vida",
            "Me quiero morir, nadie me quiere",
        ),
        negatives=(
            "me quiero morir de la vergüenza, me caí en clase",
            "mi mamá me va a matar cuando vea mis calificaciones",
            "este examen me está matando",
            "a veces pienso que todos estarían mejor sin mí pero no tengo ningún plan",
            "llevo meses pegándome cuando tengo ansiedad, no quiero matarme pero no puedo parar",
        ),
    ),
    pattern(
        "es.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:me estoy|se esta|se estan) (?:cortando|lastimando|haciendo dano|quemando)",
            r"(?:cortarme|cortarse|me corte|se corto|cortar) (?:las |los )?"
            r"(?:venas|munecas?|brazos)",
        ),
        unless=(
            r"pelo|cabello|unas|cebolla|cocina|papel|dedo|flequillo|desde hace (?:meses|anos"
            r"|tiempo)|hace (?:meses|anos) que|desde el verano|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"otra vez|de nuevo|cicatri\w*|marcas|mangas largas|sudadera|taparse|esconder\w*",
        acute=r"ahora mismo|ahorita|sangr\w*|sangre|hospital|profund\w*",
        positives=(
            "mi amiga se está cortando en el baño ahora mismo",
            "se está cortando otra vez en el baño y está sangrando mucho",
        ),
        negatives=(
            "me estoy cortando el pelo yo solo",
            "mi hermana se está cortando desde hace meses, lo esconde con mangas largas",
            "creo que mi compañera se está lastimando de nuevo, le vi cicatrices en el brazo",
        ),
    ),
    pattern(
        "es.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:me dio|me regalo|nos regalo|regalo|esta regalando|regala|me dejo) "
            r"(?:a )?(?:su|sus|todas sus|todos sus) (?:gat[oa]|perr[oa]|mascota|cosas"
            r"|pertenencias|ropa|juegos|guitarra)",
            r"(?:nota|carta|mensaje|video) de despedida",
            r"se (?:despidio|esta despidiendo|despide) de (?:todos|todo el mundo|nosotros)",
        ),
        unless=(
            r"cuid\w+|vacaciones|viaje|prest\w+|devolver|mudanza|mudo|alergi\w+|cumpleanos"
            r"|navidad|" + _FICTION
        ),
        positives=("me dio su gato y dijo que ya no importa nada, se despidió de todos",),
        negatives=("me dio su gato para cuidarlo durante sus vacaciones",),
    ),
    pattern(
        "es.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:trajo|trae|traer|traia|llevo|lleva|llevaba|mostro|enseno|escondio|esconde"
            rf"|saco) (?:una |un |el |la |su )?(?:{_WEAPONS})",
        ),
        unless=(
            r"de agua|juguete|nerf|de silicona|de pintura|de mentira|falsa|de plastico"
            r"|mantequilla|cocina|dibujo|bomba de (?:humo|agua|chicle|bano)|estuvo bomba"
            # Hunting is sport; a "cuchillo de caza" in a backpack is not.
            r"|caceria|cazar|(?:ir|voy|vamos|va|van|fui|fuimos|fue|fueron) de caza"
            r"|temporada de caza"
            # Shown on a video call, not brought: "enseñó en videollamada una navaja".
            r"|videollamada"
            # Shown off at someone's home, no threat: "no amenazó a nadie".
            r"|no amenazo a nadie"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"real|de verdad|cargada",
        positives=(
            "un chico tiene una pistola en la mochila en la escuela",
            "trajo un cuchillo a clase hoy",
        ),
        negatives=(
            "jugamos con pistolas de agua en el patio",
            "el año pasado un chavo trajo una navaja pero la policía ya se encargó",
            "mañana me voy de cacería con mi abuelo, trae su escopeta como cada año",
            "un chico de mi clase enseñó en videollamada una navaja que compró online",
            "en una fiesta en casa de un amigo su primo sacó una pistola, no amenazó a nadie",
        ),
    ),
)

PATTERNS += (
    pattern(
        "es.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:disparar|balear|matar|atacar|apunalar|volar|hacer explotar|disparen|maten) "
            r"(?:a )?(?:todos|todo el mundo|la escuela|el colegio|la clase|los maestros"
            r"|los profesores|los alumnos|los estudiantes)",
            r"(?:va a|van a|voy a|vamos a|planea|planean|quiere|quieren) (?:disparar|balear"
            r"|apunalar|hacer un tiroteo|hacer una masacre|volar la escuela)",
            r"tiroteo (?:en|a) (?:la escuela|el colegio|la prepa|el instituto)",
            r"lista negra|lista de (?:muerte|gente para matar)",
            r"no (?:vengas|vayas|vengan|vayan) a (?:la escuela|el colegio|clase|la prepa) "
            r"(?:manana|hoy|el \w+|la proxima semana)",
        ),
        # A hoax already debunked: "era falso" (rules.py frames "la policía ya lo encontró").
        unless=(
            r"fotos?|balon|baloncesto|futbol|tarea|examen|paintball|era (?:fals[oa]|fake|mentira)"
            r"|" + _FICTION
        ),
        positives=(
            "dijo que va a disparar a todos en la escuela el viernes",
            "tiene una lista negra con nombres de la clase",
        ),
        despite=r"no (?:es|era) (?:fals[oa]|fake|mentira|broma)",
        negatives=(
            "vamos a matar a todos en el juego esta noche",
            "la amenaza de tiroteo en la escuela era falsa",
        ),
    ),
    pattern(
        "es.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            r"(?:me|la|lo|nos|les) (?:esta|estan|sigue|siguen) (?:pegando|golpeando|ahorcando"
            r"|asfixiando|violando|tocando|lastimando)",
            r"(?:esta|estan) (?:pegando|golpeando|violando|ahorcando) a (?:mi|mis|la|el) \w+",
            r"me (?:encerro|encerraron|tiene encerrad[oa]|tienen encerrad[oa])",
            r"(?:dijo|amenazo|dice) (?:que )?(?:me|nos) (?:va|van) a (?:matar|pegar)",
        ),
        unless=r"turno|guitarra|piano|musica|cosquillas|lucha libre|karate|boxeo|" + _FICTION,
        positives=("mi padrastro le está pegando a mi mamá, me está pegando ahora",),
        negatives=("ahora me está tocando la guitarra mi hermano",),
    ),
    pattern(
        "es.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"sobredosis",
            r"(?:se tomo|me tome|tomo|se trago|me trague|trago) (?:todas las|todas sus"
            r"|un frasco de|un monton de|muchas|demasiadas|un punado de|(?:[5-9]|\d\d+)) "
            r"(?:\w+ )?(?:pastillas|pildoras|tabletas|medicinas|medicamentos|xanax"
            r"|clonazepam|tylenol|paracetamol)",
            r"no (?:respira|despierta|reacciona)",
        ),
        unless=r"vitaminas|dulces|caramelos|mentas|gomitas|recet\w+|" + _FICTION,
        positives=("se tomó todas las pastillas de su mamá y no despierta",),
        negatives=("me tomé todas las vitaminas que me dio la enfermera",),
    ),
    pattern(
        "es.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?:incendio|fuego|llamas) (?:en|dentro de) (?:la |el |mi |nuestra |nuestro )?"
            r"(?:escuela|colegio|edificio|clase|salon|aula|bano|pasillo|gimnasio|cafeteria"
            r"|casa|cocina)",
            r"(?:escuela|colegio|edificio|salon|bano|casa|gimnasio) (?:se esta quemando"
            r"|esta en llamas|esta ardiendo)",
            # Smoke is a fire until someone has looked (labelling.md): "sale humo".
            r"(?:sale|saliendo|salia|salio|sube|subiendo|lleno de|llena de) humo",
            r"humo (?:saliendo|sale|negro|por todas partes|por todos lados)",
        ),
        unless=_FIRE_FICTION,
        positives=(
            "hay un incendio en el baño de la escuela",
            "está saliendo humo negro del enchufe de la clase 3",
        ),
        negatives=(
            "hubo un simulacro de incendio en el gimnasio",
            "el baño está lleno de humo de vape otra vez",
        ),
    ),
    pattern(
        "es.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:quemar|incendiar|prenderle fuego a|prender fuego a|prendio fuego a"
            r"|prendieron fuego a|le prendio fuego a|le prendieron fuego a) (?:la |el |mi )?"
            r"(?:escuela|colegio|edificio|salon|gimnasio|bano|casa|basura|bote)",
            r"(?:provoco|provocar|iniciar|inicio|empezo|empezar) un (?:incendio|fuego)",
        ),
        unless=_FIRE_FICTION,
        positives=("dijo que va a quemar la escuela",),
        negatives=("vamos a quemar calorías en el gimnasio",),
    ),
)

_PERSONA = (
    r"hombres?|senor|senores|senora|senoras|mujer|mujeres|adult[oa]s?|sujet[oa]s?|tip[oa]s?"
    r"|personas?|chav[oa]s?|vatos?|weys?|güeys?|man|muchach[oa]s?|jovenes|joven|individuos?"
)
# Someone nobody knows, strictly: "un señor" or "un profe nuevo" alone is no intruder.
_EXTRANO = (
    r"(?:un|una|unos|unas|el|la|los|las) (?:desconocid[oa]s?|extran[oa]s?|intrus[oa]s?)"
    rf"|(?:{_PERSONA}) (?:\w+ )?desconocid[oa]s?"
    r"|(?:hombres?|senor|senores|senora|senoras|mujer|mujeres|adult[oa]s?|sujet[oa]s?)"
    r" (?:extran[oa]s?|rar[oa]s?|sospechos[oa]s?)"
    rf"|(?:{_PERSONA}|alguien) que (?:(?:nadie|ninguno|ninguna|ningun maestro) (?:conoce"
    r"|reconoce|habia visto)|no (?:conocemos|conozco|conoce nadie|reconocemos|reconozco)"
    r"|nunca (?:habiamos|hemos|habia|he) visto|no (?:es|son|era|eran|estudia|trabaja)"
    r" (?:de |en )?(?:la |el )?(?:escuela|colegio|cole|prepa|secundaria|instituto|aqui))"
)
# Weird is not unknown ("un tipo raro de mi salón"): only with a way in.
_RARO = (
    r"(?:tip[oa]s?|chav[oa]s?|vatos?|weys?|man|muchach[oa]s?|personas?)"
    r" (?:extran[oa]s?|rar[oa]s?|sospechos[oa]s?)"
)
_ADENTRO = (
    r"escuela|colegio|cole|instituto|insti|prepa|secundaria|primaria|preescolar|kinder|liceo"
    r"|plantel|salon|salones|aulas?|clase|banos?|sanitarios|vestidor(?:es)?|vestuarios?"
    r"|dormitorios?|internado|pasillos?|gimnasio|gym|edificio|patio|cafeteria|comedor"
    r"|biblioteca|escaleras|piso|planta|laboratorio|direccion"
)
_ART = (
    r"(?:el |la |los |las |un |una |mi |mis |nuestro |nuestra |nuestros |nuestras |este"
    r" |esta )?"
)
_METIO = (
    r"entro|entraron|entrando|entra|entran|se metio|se metieron|se mete|se esta metiendo|metid[oa]"
    r"|se colo|se colaron|colad[oa]|se escondio|se esconde|se esta escondiendo|escondid[oa]"
    r"|se encerro|se encerraron|encerrad[oa]"
)
_EN = (
    rf"(?:(?:en|(?:a|)dentro del?)|(?:{_METIO}) (?:a|al|en|por)"
    r"|(?:anda|andan|andando|andaba|camina|caminando|dando vueltas|rondando|paseando|vagando)"
    rf" (?:por|en)) {_ART}(?:(?!que |cual )\w+ )?(?:{_ADENTRO})"
)
_NO_INTRUSO = (
    # The Italian and Portuguese drills too: "un intruso" is also Italian, every pattern
    # runs on every text.
    r"simulacros?|simulacion|simulazione|esercitazione|simulado|ejercicio de \w+|de practica"
    r"|es (?:una )?practica|ensayo"
    r"|de mentiras|finj\w*|fingi\w*|clase sobre|platica|charla|taller|video sobre|vimos un video"
    r"|nos ensenaron|aprendimos|peligro de (?:los )?extranos"
    # Friends who fell out: "ahora somos unos desconocidos en el pasillo".
    r"|somos (?:unos |como )?(?:desconocid|extran)\w*|como (?:unos? |una )?(?:desconocid|extran)\w*"
    r"|ayer|antier|anoche|la semana pasada|el otro dia|hace (?:unos )?dias|resulto|resulta que"
    r"|era (?:el |la |un |una |su )?(?:papa|mama|padre|madre|tio|tia|abuel[oa]|herman[oa]"
    r"|prim[oa]|maestr[oa]|profe|profesor|profesora|suplente|tecnico|conserje|intendente"
    r"|visitante|repartidor)"
    r"|(?:maestr[oa]|profe|profesor|profesora|alumn[oa]|conserje) nuev[oa]|nuev[oa] (?:maestr[oa]"
    r"|profe|profesor|profesora)|suplente|sustitut[oa]|tecnico|plomero|fontanero|electricista"
    r"|albanil|obreros|(?<!gafete de )(?<!pase de )(?<!credencial de )visitantes?|de visita"
    r"|a (?:arreglar|reparar|instalar|revisar)|(?:la policia|el guardia|seguridad"
    r"|los guardias|el prefecto) (?:se lo llevo|lo saco|lo sacaron|hablo|lo detuvo|lo arresto)"
    r"|se lo llevaron|lo sacaron|lo detuvieron|lo arrestaron|ya se fue"
    r"|que pasa si|que hacemos si|que hariamos si|que harias si|que hago si"
    r"|y si (?:un|una|alguien|entra|entrara)|que tal si|en caso de|por si|imagin\w*|supongamos"
    r"|ojala|(?:me|nos|la|lo|las|los) (?:sigui\w*|sigue|seguia|persigu\w*)"
    r"|(?:mi|su|una|la) cuenta|perfil|chat|instagram|insta|whatsapp|facebook|face|tiktok"
    r"|discord|snap|internet|en linea|online|me (?:escribio|escribe|mando mensaje\w*)"
    r"|" + _PAST + "|" + _FICTION
)
_NO_GAS = (
    r"gasolinera|gasolina|estacion|combustible|nafta|diesel|carro|coche|auto|moto|gases|pedos?"
    r"|peos?|se tiro|se echo|flatul\w*|panza|estomago|barriga|frijoles|lacrimogeno|pimienta"
    r"|hilarante|dentista|agua con gas|ayer|antier|anoche|la semana pasada|el otro dia"
    r"|(?:ya )?(?:lo |la )?(?:arreglaron|arreglo|repararon|reparo|revisaron|reviso)"
    r"|arreglad[oa]|reparad[oa]|tecnico|gasero|ya no huele|ya no hay|falsa alarma|simulacro"
    r"|clase sobre|video sobre|noticias|noticiero|que pasa si|que hacemos si|y si (?:hay|se)"
    r"|en caso de|por si"
    r"|imagin\w*|supongamos|" + _PAST + "|" + _FICTION
)
_NO_ES_SIMULACRO = r"no es (?:un )?(?:simulacro|ensayo|practica)|es de verdad|es en serio"

PATTERNS += (
    pattern(
        "es.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_EXTRANO}) ~~ {_EN}",
            rf"(?:{_RARO}) ~ (?:{_METIO}) (?:a|al|en|por) {_ART}(?:\w+ )?(?:{_ADENTRO})",
            # "se metió por la reja de atrás": a way in says the school.
            rf"(?:{_EXTRANO}) ~ (?:se metio|se metieron|se colo|se colaron|se encerro"
            r"|esta (?:adentro|dentro)|estan (?:adentro|dentro))",
            # "hay un señor en el pasillo y nadie lo conoce": who he is comes after.
            rf"(?:{_PERSONA}) ~~ {_EN} (?:\w+ ){{0,6}}(?:(?:nadie|ninguno|ninguna) (?:lo|la|los)"
            r" (?:conoce|reconoce)|no (?:lo|la|los) (?:conocemos|conozco|reconocemos|reconozco)"
            r"|no (?:es|son) de (?:la escuela|el colegio|la prepa|aqui))",
            r"(?:un|una|el|la|hay un|hay una|unos|hay) intrus[oa]s?",
            rf"intrus[oa]s? ~ {_EN}",
        ),
        unless=_NO_INTRUSO,
        despite=_NO_ES_SIMULACRO,
        positives=(
            "hay un señor que nadie conoce caminando por los pasillos del segundo piso",
            "un tipo raro se metió al baño de las niñas y no sale",
            "no es simulacro, hay un intruso en el edificio y estamos escondidos en el salón",
            "una mujer desconocida está adentro del cole, entró por el estacionamiento",
        ),
        negatives=(
            "mañana tenemos simulacro de intruso en el gimnasio",
            "ayer un desconocido se metió a la escuela pero la policía se lo llevó",
            "había un señor desconocido en el pasillo, resultó que era el papá de un alumno",
            "un señor entró al salón a arreglar la calefacción y hay un profe nuevo en el aula 3",
            "qué pasa si un extraño entra a la escuela, se cierran las puertas?",
            "un tipo raro de mi salón me queda viendo todo el día",
        ),
    ),
    pattern(
        "es.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            r"(?:fugas?|escape|salida) de gas",
            r"(?:huele|olia|oliendo|huela|apesta|apestaba|hiede) (?:\w+ ){0,3}?a gas",
            r"olor (?:\w+ ){0,2}?(?:a|de) gas",
            r"gas (?:saliendo|escapando|escapandose)|(?:se esta saliendo|esta saliendo|se sale"
            r"|sale|saliendo|se escapa|se esta escapando|esta escapando) (?:el )?gas",
            r"(?:cilindro|tanque|tambo|garrafa|bombona) de gas (?:\w+ ){0,2}?(?:tiene (?:una )?fuga"
            r"|esta fugando|se esta fugando)",
        ),
        unless=_NO_GAS,
        despite=_NO_ES_SIMULACRO,
        positives=(
            "huele muy fuerte a gas en la cocina de la cafetería y la señora no está",
            "hay una fuga de gas en el laboratorio, a varios nos duele la cabeza",
            "olor a gas bien fuerte en el edificio C, unos ya se marearon",
        ),
        negatives=(
            "el carro de mi papá huele a gas, hay que llevarlo a la gasolinera",
            "alguien se tiró un pedo en clase y huele a gas",
            "ayer hubo una fuga de gas en el laboratorio pero ya la arreglaron",
            "en el juego tiran gas lacrimógeno y todo huele a gas",
        ),
    ),
)
