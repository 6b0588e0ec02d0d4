"""English life-threat patterns (normalised text: lowercase, no apostrophes)."""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_SELVES = r"(?:my|him|her|them|your|our)sel(?:f+|ves)"
_FICTION = (
    r"game|gaming|fortnite|minecraft|roblox|call of duty|free fire|valorant|gta|movie|film"
    r"|show|episode|series|book|novel|character|song|lyrics|meme|joke|joking|kidding|jk"
    r"|writing|creative|assignment|lol|lmao|haha"
)
# Thoughts without a plan, or the past: urgent at most, for the model to weigh, not the net.
_NO_PLAN = (
    r"no plan|dont have a plan|not going to do anything|wont do anything|too scared to"
    r"|dont want to die|do not want to die|wish\w*|sometimes i think|used to|last year"
    # Hearsay the reporter doubts, and deadline hyperbole: "i wanna die this essay is due".
    r"|never know if|not serious|not being serious|essay|homework|due (?:at|tomorrow|tonight)"
)
# Past and handled: "last year someone brought a knife, police dealt with it".
_PAST = r"last year|years ago|months ago|last month|expelled|suspended|dealt with|handled"
_WEAPONS = (
    r"guns?|pistols?|handguns?|rifles?|shotguns?|ar 15|ar15|glock|firearms?|revolver"
    r"|knife|knives|machete|switchblade|box cutter|bombs?|pipe bomb|explosives?|grenades?"
    r"|weapons?"
)
_PLACES = (
    r"school|class|classroom|campus|bus|locker|backpack|bag|cafeteria|lunchroom|gym"
    r"|hallway|hall|bathroom|restroom|parking lot|playground|assembly"
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "en.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            rf"(?:kill|killing|kills|hang|hanging|hangs|shoot|shooting|off|offing) {_SELVES}",
            r"kms",
            r"(?:end|ending|ends|take|taking|takes|took) (?:my|his|her|their) (?:own )?life",
            r"(?:want|wants|wanted|wanna|plan|plans|planning|ready) (?:to )?"
            r"(?:die|commit suicide|end it all|end it)",
            r"(?:going to|gonna) (?:commit suicide|end it all|end my life)",
            r"(?:commit|commits|commiting|committing) suicide",
            r"suicid(?:e|al) (?:note|letter|plan|pact)",
            r"(?:dont|doesnt|do not|does not) want to (?:live|be alive|be here|wake up)",
            r"better off (?:dead|without me|without (?:him|her|them))",
            r"(?:jump|jumping|jumps) (?:off|from) (?:the |a )?(?:bridge|roof|building|overpass)",
        ),
        unless=rf"die of|embarrass\w*|{_NO_PLAN}|{_FICTION}",
        positives=(
            "I can't do this anymore, I'm going to kill myself tonight",
            "my friend said she wants to end her life",
            "he posted a suicide note on his story... no wait, a suicide letter",
            "everyone would be better off without me",
        ),
        negatives=(
            "this test is killing me",
            "my character wants to kill himself in the game lol",
            "im gonna die if she sees this",
            "i want to die of embarrassment, i tripped in class",
            "sometimes i think everyone would be better off without me but i have no plan",
            "he says he wants to die like every week, i never know if hes serious",
            "bro i wanna die this essay is due at midnight, not serious",
        ),
    ),
    pattern(
        "en.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            rf"(?:im|i am|hes|he is|shes|she is|theyre|they are|is) "
            rf"(?:cutting|burning|hurting|stabbing) {_SELVES}",
            rf"(?:cutting|burning|hurting) {_SELVES} (?:right )?now",
            r"(?:slit|slitting|slits|cut|cutting) (?:my|his|her|their) (?:wrists?|throat)",
        ),
        unless=(
            r"used to|years ago|last year|in the past|stopped|since (?:the )?(?:summer|winter"
            r"|spring|fall|\w+ grade|last \w+)|for (?:months|years|a while)|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=(
            r"again|scars?|long sleeves|hoodies?|to hide"
            r"|when (?:im|shes|hes|theyre) (?:stressed|sad|upset)"
        ),
        acute=r"right now|blood|bleeding|hospital|deep|wont stop",
        positives=(
            "she is cutting herself in the bathroom right now",
            "hes cutting himself again, theres blood everywhere",
            "i want to slit my wrists",
        ),
        negatives=(
            "she used to be cutting herself years ago but stopped, she's fine now",
            "she has been cutting herself for months, she hides her arms",
            "i think my lab partner is hurting herself again, i noticed scars near her elbow",
        ),
    ),
    pattern(
        "en.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:gave|giving|gives|give|given) (?:me |us |away )?(?:all )?(?:of )?"
            r"(?:his|her|their|my) (?:cat|dog|pet|hamster|bunny|rabbit|bird|stuff|things"
            r"|belongings|guitar|jewelry|clothes|games|xbox|playstation)",
            r"(?:goodbye|good bye|farewell) (?:note|letter|message|video|post|text)",
            r"(?:said|says|saying|told (?:me|us|everyone)) (?:goodbye|bye) "
            r"(?:to everyone|forever|for good|for the last time)",
            r"(?:said|says|saying|told me) (?:that )?"
            r"(?:shes|hes|theyre|she is|he is|they are) done",
        ),
        unless=(
            r"borrow|lend|lent|back|watch|look after|take care|while|vacation|holiday|trip"
            r"|moving|moved|allergic|birthday|christmas|homework|project|essay|chores|lunch"
            r"|" + _FICTION
        ),
        positives=(
            "she gave me her cat and said she's done",
            "he is giving away all his stuff and wrote a goodbye note",
        ),
        negatives=(
            "she gave me her cat to look after while she is on vacation",
            "he said hes done with his homework",
        ),
    ),
    pattern(
        "en.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:bring|brings|bringing|brought|carry|carrying|carries|showed|shows|showing"
            rf"|hiding|hid|hides|pulled out|pulls out) (?:a |an |the |his |her |their |my )?"
            rf"(?:\w+ )?(?:{_WEAPONS})",
            # A weapon on a person is near whoever writes, wherever they are: "he has the gun
            # with him NOW" (a reporter back on a closed case, in a trial) said no place.
            rf"(?:has|have|had|got|gots|carrying|holding) (?:a |an |the |his |her |their )?"
            rf"(?:\w+ )?(?:{_WEAPONS}) (?:with|on) (?:him|her|them|himself|herself|themselves)",
        ),
        unless=(
            r"nerf|water guns?|squirt|toy|glue guns?|fake|plastic|butter knife|cooking|culinary"
            r"|drawing|drew|picture|lego|prop|costume|debate|gun control|history|flex|flexing"
            r"|muscles|biceps|bath bombs?|videos?|how to make|deer"
            # "went hunting" is sport; a "hunting knife" in a locker is not.
            r"|(?:go|goes|going|went|gone) hunting|hunting (?:trip|season|with)"
            r"|at (?:his|her|their|my) (?:house|place|home)|" + _PAST + "|" + _FICTION
        ),
        despite=r"real|actual|loaded|for real",
        positives=(
            "a kid has a gun in his backpack at school",
            "he brought a knife to class today",
            "He brought a real gun to school, not a nerf gun",
            "he has the gun with him NOW",
            "she's got a knife on her, she's waiting outside",
        ),
        negatives=(
            "we had a water gun fight after school",
            "he was flexing his guns in the gym",
            "last year someone brought a knife, police dealt with it",
            "a kid in my class showed me a switchblade at his house",
            "my uncle brings his rifle when we go hunting",
            "my dad has a gun at his house for hunting",
        ),
    ),
    pattern(
        "en.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:shoot|shooting|shoots|bomb|bombing|blow up|blowing up|stab|stabbing|attack"
            r"|attacking|shoot up|shooting up) (?:up )?(?:the |our |this )?(?:school|class"
            r"|campus|everyone|everybody|people|students|teachers|cafeteria|assembly"
            r"|all of (?:you|them|us))",
            r"(?:kill|killing|murder|murdering|hurt) (?:everyone|everybody|all of (?:them|you|us)"
            r"|them all|the whole class|people at school|the students|the teachers)",
            r"hit ?list|kill ?list|death ?list",
            r"(?:dont|do not|better not|shouldnt|should not) (?:come|go) to school "
            r"(?:tomorrow|today|on \w+day|next week|this week)",
            r"(?:going to|gonna|will|plans? to|planning to|wants? to) "
            r"(?:shoot|stab|bomb|murder) (?:him|her|them|you|us|\w+)",
        ),
        unless=(
            r"hoops|basketball|soccer|football|photos?|pictures?|selfie|film|paintball"
            r"|laser tag|water balloons?|snowballs?|nerf|zombies?|homework|assignment|test"
            r"|quiz|exam|practice|coach|laps|scrimmage|" + _FICTION
        ),
        positives=(
            "he said he is going to shoot up the school on friday",
            "she has a hit list with names of people in our class",
            "my friend told me not to come... dont come to school tomorrow he said",
        ),
        negatives=(
            "we are going to shoot some hoops after school",
            "lets shoot everyone in fortnite tonight",
            "if we lose the scrimmage the coach will murder us all with suicides",
        ),
    ),
)

_ABUSE_VERBS = r"hitting|beating|choking|strangling|raping|punching|kicking|slapping|hurting"
_FIRE_FICTION = (
    r"drill|alarm|fired|camp ?fire|bonfire|fireworks?|fireplace|bunsen|lab|science"
    r"|marshmallows?|grill|bbq|barbecue|candles?|" + _FICTION
)

PATTERNS += (
    pattern(
        "en.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            rf"(?:is|s|are|keeps|keep) (?:{_ABUSE_VERBS}) (?:me|her|him|us|my \w+)",
            rf"(?:{_ABUSE_VERBS}|touching) (?:me|her|him|us) (?:right now|now|tonight|again)",
            r"(?:locked|locks|locking) (?:me|her|him|us) (?:up )?in (?:the |my |his |her |a )?"
            r"(?:room|closet|basement|car|garage|shed|bathroom)",
            r"(?:said|says|threatened|threatens) (?:that )?(?:hell|he will|shell|she will"
            r"|theyll|they will|hes going to|shes going to|hes gonna|shes gonna) "
            r"(?:kill|hurt|beat) (?:me|us|my \w+)",
        ),
        unless=(
            r"wrestl\w*|pillow|tickl\w*|playing|play fight|boxing|karate|practice|snowballs?"
            r"|grades?|report card|" + _FICTION
        ),
        positives=(
            "my stepdad is hitting my mom right now and I'm scared",
            "he locked me in the basement again",
        ),
        negatives=(
            "my mom is going to kill me when she sees my grades",
            "my brother keeps punching me when we play fight, so annoying",
        ),
    ),
    pattern(
        "en.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"overdos(?:e|ed|es|ing)|oding|oded",
            r"(?:took|taken|taking|takes|swallowed|swallowing|ate|downed) (?:a (?:whole )?"
            r"(?:bottle|bunch|handful|lot|box) of|all (?:of )?(?:my|his|her|their|the)|too many"
            r"|like (?:[5-9]|\d\d+)|(?:[5-9]|\d\d+)|a ton of) (?:\w+ )?(?:pills|tablets|xanax"
            r"|tylenol|advil|oxys?|percs?|sleeping pills|meds|medication|painkillers|fentanyl)",
            r"(?:not|isnt|wont|cant|wasnt|stopped) (?:breathing|waking up|wake up)",
            # "took the whole bottle": the pills go without saying.
            r"(?:took|taken|swallowed|downed) (?:a|the|my|his|her|their) (?:whole|entire) "
            r"(?:bottle|box|pack|packet|strip)",
        ),
        unless=(
            r"vitamins?|candy|mints|gummy|gummies|prescribed|homework|project|statistics|stats"
            r"|research|essay|wish\w*|water|soda|juice|gatorade|coke|chips|" + _FICTION
        ),
        positives=(
            "my friend took a whole bottle of pills and now she won't wake up",
            "i think he overdosed in the bathroom",
            "i took the whole bottle, goodbye",
        ),
        negatives=(
            "I took 2 advil for my headache before the test",
            "he took the whole bottle of water on the field trip",
            "we took all the vitamins the nurse gave us",
            "our health project is on fentanyl overdoses, where can i find stats",
        ),
    ),
    pattern(
        "en.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?:fire|flames) (?:is |in |at |inside |on )?(?:the |our |my |a )?(?:school"
            r"|building|classroom|class|bathroom|restroom|hallway|gym|cafeteria|kitchen|house"
            r"|locker room|bus)",
            r"(?:school|building|classroom|gym|bathroom|house|trash can|locker|car|bus) "
            r"(?:is |was )?(?:on fire|burning|in flames)",
            r"smoke (?:everywhere|pouring|coming out)",
        ),
        unless=_FIRE_FICTION,
        positives=("there is a fire in the bathroom and smoke everywhere",),
        negatives=("the fire drill in the gym was so loud",),
    ),
    pattern(
        "en.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:set|setting|sets|burn|burning|burned|burnt) (?:down )?(?:the |our )?"
            r"(?:school|building|gym)",
            r"(?:set|setting|sets|light|lit|lighting) (?:the |a |his |her |their )?(?:\w+ ){0,2}"
            r"on fire",
            r"(?:start|started|starting|starts|going to start|gonna start) (?:a )?fire",
        ),
        unless=_FIRE_FICTION,
        positives=("he said he will burn down the school", "they set a trash can on fire"),
        negatives=("we started a campfire and made marshmallows",),
    ),
)

# Someone nobody knows, strictly: "a man" or "a new teacher" alone is no intruder.
_STRANGER = (
    # Not "it got even stranger in class", "stranger than fiction", "stranger things".
    r"(?<!even )(?<!much )(?<!way )(?<!got )(?<!gets )(?<!getting )(?<!and )(?<!bit )"
    r"stranger(?! than| and| things)|strangers"
    r"|(?:unknown|unfamiliar|unidentified) (?:\w+ )?(?:adults?|m[ae]n|guys?|dudes?|wom[ae]n"
    r"|lad(?:y|ies)|persons?|people|individuals?|males?|females?|someone|somebody)"
    r"|(?:random|strange|weird|creepy|sketchy|suspicious|shady) (?:old |older |grown )?"
    r"(?:adults?|m[ae]n|wom[ae]n|lad(?:y|ies)|grown ?ups?)"
    r"|(?:adults?|m[ae]n|guys?|dudes?|wom[ae]n|lad(?:y|ies)|persons?|people|someone|somebody)"
    r" (?:that |who |whom )?(?:(?:nobody|no one|noone|none of us|no teacher)"
    r" (?:knows|recogni[sz]es|has (?:ever )?seen)|(?:we|i) (?:dont|do not|didnt|did not)"
    r" (?:know|recogni[sz]e)|(?:ive|i have|weve|we have) never seen)"
    r"|(?:adults?|m[ae]n|guys?|dudes?|wom[ae]n|lad(?:y|ies)|persons?|people|someone|somebody)"
    r" (?:that |who )?(?:doesnt|does not|dont|do not|isnt|is not|arent|are not|aint|not)"
    r" (?:belong here|go here|work here|go to (?:our|this|the) school|from (?:our|this|the)"
    r" school|from here|(?:a )?(?:student|teacher|staff))"
)
# Weird or random is not unknown ("a weird guy in my class"): only with a way in.
_ODD = (
    r"(?:random|strange|weird|creepy|sketchy|suspicious|shady) (?:old |older |grown )?"
    r"(?:guys?|dudes?|persons?|people|someone|somebody)"
)
_GOT_IN = (
    r"(?:walked|walks|walking|came|comes|coming|got|gets|getting|broke|breaks|breaking|snuck"
    r"|sneaked|sneaks|sneaking|climbed|climbing|barged|wandered) (?:in|inside|into)"
)
_INSIDE = (
    r"school|campus|building|classrooms?|class|room \d+|bathrooms?|restrooms?|toilets?"
    r"|locker ?rooms?|changing ?rooms?|dorms?|dormitory|hallways?|halls|hall|gym|cafeteria"
    r"|library|office|stairwell|wing|floor|kindergarten"
)
# "in the 2nd floor hallway", "into the girls bathroom"; not "in front of the school".
_INTO = (
    r"(?:in|inside|into|inside of|through|around) (?:the |our |my |a |this |their )?"
    rf"(?:(?!front |what |which |outside )\w+ ){{0,2}}(?:{_INSIDE})"
)
_NO_INTRUDER = (
    r"drills?|simulation|simulated|exercise|mock|pretend\w*|role ?play|rehears\w*"
    r"|lessons?|presentation|seminar|workshop|assembly about|class about|health class"
    r"|(?:talk|talks|talked|talking|learn|learned|learning|taught|teach|teaching) (?:us )?about"
    r"|stranger danger|safety (?:talk|week|day|class|video)|video (?:about|on)|watch\w* a video"
    # Friends who fell out: "we are strangers now, we pass in the hallway".
    r"|(?:are|were|became|become|like|as|just|total|complete|basically) strangers"
    r"|strangers (?:now|again)|stranger to (?:me|us|him|her|them|everyone)|each other"
    r"|stranger things|yesterday|last (?:week|night|year|month|time|\w+day)|turned out"
    r"|(?:it|he|she|that) was"
    r" (?:just )?(?:a |an |the |his |her |their |my |our |someones )?(?:new )?(?:parent|dad|mom"
    r"|father|mother|uncle|aunt|grandpa|grandma|brother|sister|cousin|teacher|sub|substitute"
    r"|technician|plumber|electrician|contractor|janitor|custodian|maintenance|visitor|worker"
    r"|inspector|photographer|delivery)|just (?:a |an |someones )(?:parent|dad|mom|visitor)"
    r"|new (?:teacher|student|staff|janitor|custodian|coach|counselor|principal|nurse|sub)"
    r"|substitute|sub teacher|technician|repairm[ae]n|repairing|plumber|electrician|contractor"
    r"|visitors?(?! (?:badge|pass|sticker|lanyard|tag|check))|guest speaker|to fix|fixing"
    r"|(?:police|cops|security|the guard) (?:took|arrested|removed|caught|got|came|talked"
    r"|spoke|escorted|walked|kicked)|arrested|escorted|kicked (?:him|her|them) out"
    r"|took (?:him|her|them) away|what if|if (?:a|an|someone|somebody|there) |in case|imagine"
    r"|suppose|would you|what would|(?:do|should) (?:we|you|i) do if|wish\w*"
    r"|online|chat|discord|instagram|insta|snapchat|tiktok|dms|(?:messaged|texted|dmed|added)"
    r" me|internet|website|server|" + _PAST + "|" + _FICTION
)
_NO_GAS = (
    r"station|petrol|fuel|gasoline|diesel|gas pumps?|pumping gas|cars?|truck|van|motorcycle"
    r"|dirt bike|scooter|boat|mower|lawn ?mower|generator|gas can|exhaust|gas money|prices?"
    r"|money|thats (?:pure |absolute |so )?gas|that (?:is|was) gas|so gas|gassed|gassing|gassy"
    r"|gas (?:him|her|me|them|you|us) up|stomach|tummy|belly|bloat\w*|fart\w*|tooted|toot"
    r"|burp\w*|beans|digest\w*|tear gas|pepper spray|laughing gas|nitrous|dentist|gas masks?"
    r"|greenhouse|noble gas\w*|gas giants?|gas laws?|yesterday|last (?:week|night|time|\w+day)"
    r"|(?<!not )(?<!nt )(?<!never )(?:fixed|repaired)|technician|gas company|gas man|plumber"
    r"|all good|all clear|false alarm"
    r"|turned out|drills?|lessons?|presentation|video|news|article|what if"
    r"|if (?:a|there|theres|we) |in case|imagine|suppose|" + _PAST + "|" + _FICTION
)
_NOT_A_DRILL = (
    r"(?:not|isnt|is not|wasnt|aint) (?:a |an )?(?:drill|practice|simulation)|this is real"
    r"|its real"
)

PATTERNS += (
    pattern(
        "en.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_STRANGER}) ~~ {_INTO}",
            rf"(?:{_STRANGER}|{_ODD}) ~ (?:{_GOT_IN}) (?:the |our |my |a )?(?:\w+ )?"
            rf"(?:{_INSIDE})",
            # "a stranger got in through the side door": a way in says the school.
            rf"(?:{_STRANGER}) ~ (?:(?:{_GOT_IN})(?! (?:the |a |his |her |their |my )?"
            rf"(?:car|van|truck|uber|house|account))|(?:is|are) (?:still )?inside)",
            rf"(?:{_STRANGER}|{_ODD}) ~ (?:hiding|hides|hid|locked (?:him|her|them)sel(?:f|ves))"
            rf" in",
            # "a man ... in the hallway, nobody knows him": who he is comes after.
            rf"(?:adults?|m[ae]n|guys?|dudes?|wom[ae]n|lad(?:y|ies)|persons?|someone|somebody)"
            rf" ~~ {_INTO} (?:\w+ ){{0,6}}(?:(?:nobody|no one|noone|none of us) (?:knows"
            r"|recogni[sz]es)|(?:we|i) (?:dont|do not) (?:know|recogni[sz]e)) (?:him|her|them)"
            r"|(?:he|she|they) (?:doesnt|does not|dont|do not|isnt|is not) (?:belong|go|work)"
            r" here",
            r"(?:an|the|armed|possible|suspected) intruders?",
            rf"intruders? ~ {_INTO}",
            rf"(?:in|inside) (?:the |our |my )?(?:\w+ )?(?:{_INSIDE}) (?:\w+ ){{0,3}}"
            rf"(?:theres|there is|there are|there s) (?:a |an |some )?(?:{_STRANGER})",
        ),
        unless=_NO_INTRUDER,
        despite=_NOT_A_DRILL,
        positives=(
            "theres a man nobody knows walking around the 2nd floor hallway right now",
            "some creepy guy snuck into the girls locker room, we locked the door",
            "a stranger got in through the side door and hes hiding in the boys bathroom",
            "this is not a drill, there is an intruder in the building",
            "someone who doesnt go here locked himself in the bathroom by the gym",
        ),
        negatives=(
            "we have an intruder drill in the gym tomorrow, is it mandatory",
            "yesterday a stranger got into the building but police took him away",
            "turned out the unknown man in the hallway was just a dad picking up his kid",
            "a man came to fix the heating in our classroom, and there's a new teacher in room 12",
            "what if a stranger got into the school, would the doors lock",
            "we watched a video about stranger danger in health class",
            "a weird guy in my class keeps staring at me",
        ),
    ),
    pattern(
        "en.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            r"(?:gas|propane|methane) (?:leak|leaks|leaking|leaked|smell|smells|smelling|odou?rs?"
            r"|fumes|is leaking|is escaping|coming out|is coming out|escaping|hissing)",
            r"(?:smell|smells|smelled|smelling|smellin|stinks|stinking|reeks|reeking)"
            r"(?: \w+){0,3}? gas",
            r"(?:leak|leaks|leaking|leaked|leakin) (?:\w+ ){0,2}?gas",
        ),
        unless=_NO_GAS,
        despite=_NOT_A_DRILL,
        positives=(
            "it smells really strong like gas in the cafeteria kitchen",
            "gas leak in the chem lab, the teacher left and we feel dizzy",
            "strong gas smell in the b wing, people feel dizzy",
            "i can smell gas at home, the stove is leaking gas",
        ),
        negatives=(
            "the bus smells like gas station coffee lol",
            "bro farted in math, it smells like gas in here",
            "there was a gas leak in the lab yesterday but the technician fixed it",
            "lol thats gas, he said the whole class smells like gas after taco day",
            "they used tear gas in the game, the smell of gas effect is so real",
        ),
    ),
)
