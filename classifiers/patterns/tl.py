"""Tagalog and Taglish life-threat patterns (normalised: lowercase, "na-expel" as "na expel").

Tagalog marks ongoing action by reduplication ("sinasaktan", "binubugbog") and intent by
the contemplative ("magpapakamatay", "tatalon"), so the forms below are those, not the
completed ones that hyperbole and past stories use. English words are mixed in freely.
"""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"laro|naglalaro|ml|mobile legends|codm|call of duty|pubg|roblox|minecraft|free fire|movie"
    r"|pelikula|teleserye|kdrama|anime|kwento ko|maikling kwento|kuwento ko|character|kanta|meme"
    r"|joke|biro"
    r"|nagbibiro|charot|char|haha\w*|hehe\w*|lol"
)
# Thoughts without a plan, or talk repeated for weeks: urgent at most, for the model.
_NO_PLAN = (
    r"wala (?:naman )?(?:akong|siyang|syang) plano|(?:di|hindi) ko (?:naman )?gagawin|minsan"
    r"|naiisip|lagi|araw araw"
)
_PAST = (
    r"last year|noong isang taon|nung isang taon|dati|naayos na|tapos na (?:yung|ang) issue"
    r"|tapos na yun|na expel|nahuli na|last month|nung \w+ber"
)
_SELF = r"sarili (?:ko|niya|nya|mo)"
_WEAPONS = (
    r"baril|pistola|rebolber|shotgun|kutsilyo|balisong|patalim|itak|bolo|granada|bomba|armas"
    r"|sumpak|paltik|ice ?pick"
)
_PLACES = (
    r"school|skul|iskul|paaralan|eskwelahan|classroom|room|klase|campus|bag|backpack|locker"
    r"|cr|canteen|gym|gate|hallway|covered court|quadrangle|labasan|section"
)
_FIRE_FICTION = (
    r"fire drill|drill|vape|yosi|sigarilyo|naninigarilyo|nagyoyosi|ihaw|barbecue|bbq|kandila"
    r"|birthday|fireworks|paputok|luto|nagluluto|kanin|ulam|sinaing|calories|taba|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "tl.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            # Intent and ongoing forms: "nagpakamatay" (did it) is a past case for the model.
            r"(?:magpa|mag)pakamatay|nagpapakamatay|mag ?suicide|magbibigti|magbigti",
            # Reflexive only: "papatayin ako ni mama" is hyperbole about the reporter.
            rf"(?:papatayin|patayin|papatay) (?:ko |niya |nya )?(?:na )?(?:ang |yung )?{_SELF}",
            r"(?:tatapusin|tapusin) (?:ko|niya|nya) (?:na )?(?:ang |yung )?(?:lahat(?! ng)"
            r"|buhay (?:ko|niya|nya))",
            r"ayoko na (?:ng )?mabuhay|ayaw (?:ko|niya|nya) na (?:ng )?mabuhay",
            r"ayoko na (?:talaga )?(?:gumising|magising)|matulog (?:na )?forever",
            r"gusto (?:ko|niya|nya) (?:na |nang )?mamatay",
            r"(?:rooftop|bubong|tulay|railing|\d+(?:st|nd|rd|th) floor|palapag) ~~ tatalon",
            r"tatalon (?:\w+ ){0,3}(?:mula sa|sa) (?:rooftop|bubong|tulay|building|gusali)",
        ),
        unless=(
            rf"hiya|kahihiyan|gutom|tawa|kakatawa|init|boring|sa trabaho|last year|noong|nung"
            rf"|{_NO_PLAN}|{_FICTION}"
        ),
        positives=(
            "kinuha ng jowa ko yung baril ng tatay niya sabi magpapakamatay daw siya mamaya",
            "mamayang gabi tatapusin ko na lahat, nakaipon na ko ng gamot",
            "may estudyante sa rooftop ng school nakatayo sa gilid sabi tatalon daw siya",
        ),
        negatives=(
            "mamamatay ako pag nakita ng crush ko tong message",
            "papatayin ako ni mama pag nakita niya grades ko",
            "tatapusin ko na lahat ng assignments ko mamaya",
            "ayoko na mabuhay pero di ko naman gagawin, wala akong plano",
        ),
    ),
    pattern(
        "tl.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:nag|mag|nagla|naglala)?laslas|naglalaslas",
            r"(?:hiniwa|hinihiwa|ginilitan|sinugatan|sinusugatan) (?:niya |nya |ko )?(?:ang "
            r"|yung )?"
            r"(?:pulso|wrist|braso)",
            rf"(?:sinusugatan|sinasaktan) (?:niya |nya |ko )?(?:ang |yung )?{_SELF}",
        ),
        # Past, or a habit for months ("pag stressed ako… ilang months na").
        unless=(
            r"dati|noon|last year|tumigil|huminto|nung bata|sibuyas|luto"
            r"|ilang (?:months|buwan|linggo|weeks|taon) na|tuwing|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"na naman|ulit|peklat|jacket|hoodie|long sleeves|tinatago|itago",
        acute=r"ngayon|dugo|dumudugo|ospital|malalim",
        positives=(
            "may babae sa cr ng girls naglalaslas, ang daming dugo",
            "naglalaslas na naman siya sa cr, ang daming dugo",
        ),
        negatives=(
            "dati naglalaslas siya pero tumigil na siya last year",
            "pag stressed ako sinusugatan ko sarili ko ng cutter, ilang months na",
            "parang naglalaslas yung katabi ko, may peklat sa braso niya",
        ),
    ),
    pattern(
        "tl.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"(?:pinamimigay|pinapamigay|pinamigay|ipinamimigay|ipinamigay|namimigay|binigay"
            r"|ibinigay"
            r"|binibigay|ibinibigay|iniwan|iniiwan) (?:\w+ ){0,6}(?:lahat ng gamit|gamit (?:niya"
            r"|nya)"
            r"|mga gamit|pusa|aso|alaga|gitara|cellphone|damit)",
            r"(?:nagpapaalam|nagpaalam|magpapaalam) (?:na )?(?:siya |sya |ako )?"
            r"(?:sa (?:lahat|amin|atin|inyo|min|tin|bawat isa|buong pamilya|gc|group chat)"
            r"|forever)",
            r"huling paalam|sulat ng paalam|paalam na (?:sa inyong lahat|forever)"
            r"|last message ko na (?:to|ito)",
        ),
        unless=(
            r"habang|muna|bakasyon|probinsya|ilang araw|isang linggo|lilipat|lumipat|allergic"
            r"|birthday|regalo|pasko|hiram|hiniram|ibinalik|binalik|umuwi|uuwi|uwian|party"
            r"|graduation|abroad|" + _FICTION
        ),
        positives=(
            "binigay sakin ng friend ko yung pusa niya tapos sabi niya pagod na daw siya sa lahat",
            "pinamimigay niya lahat ng gamit niya at nagpapaalam na sa lahat",
        ),
        negatives=(
            "binigay niya sakin yung pusa niya muna habang nasa bakasyon siya",
            "nagpaalam siya sa lahat bago umuwi galing party",
        ),
    ),
    pattern(
        "tl.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:nagdala|nagdadala|magdadala|dinala|may dala|may dalang|may hawak na|naglabas"
            rf"|naglabas ng|inilabas|nilabas|pinakita|pinapakita|tinago|tinatago) "
            rf"(?:ng |na |sila |siya |sya )?(?:\w+ )?(?:{_WEAPONS})",
        ),
        unless=(
            r"laruan|toy|water gun|nerf|airsoft|peke|pekeng|plastik|kusina|nagluluto|prutas"
            r"|mangga|drawing|costume|props|" + _PAST + "|" + _FICTION
        ),
        despite=r"totoo|totoong|real|loaded|may bala",
        positives=(
            "may lalaking may baril sa bag sa room 12",
            "may baril sa school, nasa bag ng classmate ko",
            "may naglabas ng kutsilyo sa locker room at nananakot",
        ),
        negatives=(
            "last year may nagdala ng kutsilyo pero naayos na ng pulis",
            "naglalaro kami ng water gun sa school kanina",
        ),
    ),
    pattern(
        "tl.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:babarilin|barilin|sasaksakin|pasasabugin|pasabugin|bobombahin|mamamaril|mamaril)"
            rf" (?:\w+ ){{0,2}}(?:lahat|ang lahat|{_PLACES}|teachers?|guro|estudyante|kami|kayo)",
            r"barilan (?:\w+ ){0,3}(?:sa )?(?:school|paaralan|campus|friday|biyernes|bukas|lunes"
            r"|mamaya)",
            r"(?:patay|mamamatay|mamatay) (?:kayong )?lahat(?! ng)",
            r"(?:wag|huwag|hwag) (?:\w+ ){0,3}(?:pumasok|pupunta sa school|pumunta sa school)"
            r" (?:\w+ ){0,2}(?:bukas|sa lunes|sa friday|sa biyernes|next week|mamaya)",
            r"listahan ng (?:papatayin|babarilin)",
            r"(?:babarilin|sasaksakin|tatagain) (?:ko|niya|nya|nila|namin) (?:yung|si|ang|sila"
            r"|siya|sya)",
            r"(?:aabangan|inaabangan|aabang|abangan) ~~ (?:bugbugin|bubugbugin|saksakin"
            r"|sasaksakin)",
        ),
        unless=(
            r"bagyo|ulan|baha|walang pasok|suspended|suspension|holiday|lagnat|may sakit|hoops"
            r"|basketball|volleyball|intrams|" + _FICTION
        ),
        positives=(
            "sabi niya sakin wag daw ako pumasok bukas kasi sa recess makikita ng lahat",
            "may nakasulat sa cr biyernes 10am patay lahat",
        ),
        negatives=(
            "wag ka na pumasok bukas, walang pasok dahil sa bagyo",
            "napatay ko siya ng 5 beses sa ml haha",
        ),
    ),
)

_VICTIMS = r"ako|kami|siya|sya|si \w+|ang nanay|ang tatay"

PATTERNS += (
    pattern(
        "tl.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            r"binubugbog|binabugbog|sinasakal|ginagahasa|hinahalay|minomolestya|minamolestya",
            rf"(?:sinasaktan|sinasapak|sinusuntok|sinisipa|sinasampal|hinihipuan|ginagalaw) "
            rf"(?:(?:ng|ni) \w+ (?:ko |niya |nya )?|niya |nya )?(?:{_VICTIMS})",
            r"sa bugbog|bubugbugin (?:\w+ ){0,3}(?:pag ?uwi|pag umuwi|mamaya)",
            r"takot (?:akong |ako |na )?(?:\w+ )?umuwi ~~ (?:papatayin|bubugbugin|sasaktan|bugbog)",
            r"(?:kinulong|ikinulong|kinukulong|ni lock|nilock|nilocked) (?:\w+ ){0,2}(?:ako|siya"
            r"|sya"
            r"|kami) sa",
            r"(?:hinihila|hinila|kinakaladkad|kinaladkad|pinipilit isakay) (?:\w+ ){0,3}(?:sa"
            r"|papunta"
            r" sa) (?:van|kotse|sasakyan|tricycle)|(?:kinidnap|kinikidnap|dinukot|dinudukot)",
        ),
        unless=(
            r"damdamin|feelings|puso|emotionally|crush|laro|naglalaro|wrestling|boxing|taekwondo"
            r"|karate|practice"
            # A habit ("pag may mababang score", "pag di sya nakareply") or a partner's
            # recurring violence ("yung jowa ni carla sinasaktan sya"): urgent, for the model.
            r"|pag (?:may|di|hindi|wala)|tuwing|(?:yung|ang) (?:jowa|bf|gf|boyfriend|girlfriend)"
            # Recurring at night, disclosed: "pumapasok sa kwarto nya sa gabi".
            r"|pumapasok (?:\w+ ){0,3}sa gabi"
            r"|" + _FICTION
        ),
        despite=r"ngayon|tulong|tulungan",
        positives=(
            "binubugbog ng papa ko si mama ngayon, nagtatago ako sa kwarto",
            "sinasaktan ng stepdad ko si mama ngayon mismo, naririnig ko siyang sumisigaw",
        ),
        negatives=(
            "papatayin ako ni mama pag nakita niya grades ko",
            "sinasaktan ako ng crush ko emotionally haha",
            "binubugbog ako ni tatay pag may mababang score",
            "yung bf ng kaibigan ko sinasampal sya pag di sya nakareply agad",
            "yung jowa ni carla sinasaktan sya, may pasa sya sa braso",
            "yung lolo nya pumapasok sa kwarto nya sa gabi at hinihipuan sya",
        ),
    ),
    pattern(
        "tl.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"(?:nag|na|mag)overdose",
            r"(?:uminom|ininom|nilunok|lumunok) (?:\w+ ){0,2}(?:ng )?(?:isang buong|buong|lahat ng"
            r"|maraming|sobrang daming|isang banig ng|isang bote ng|\d{2,}|[5-9]) (?:na )?(?:\w+ )?"
            r"(?:gamot|tableta|pills|sleeping pills|biogesic|neozep|bote)",
            r"(?:hindi|di) na (?:humihinga|nagigising|gumigising|magising|gumagalaw)"
            r"|ayaw (?:na )?magising"
            r"|walang malay|nawalan ng malay",
        ),
        unless=(
            r"vitamins?|candy|tubig|juice|softdrinks?|coke|gatorade|gatas|kape|tulog|natutulog"
            r"|umaga|alarm|project|research|screen|laptop|phone|cellphone|computer|wifi|" + _FICTION
        ),
        positives=(
            "yung tropa ko uminom ng kung anong tableta sa party ayaw na magising",
            "may babaeng uminom ng isang buong bote ng gin sa recess, di na gumagalaw sa cr",
        ),
        negatives=(
            "uminom ako ng 2 biogesic para sa sakit ng ulo",
            "uminom siya ng isang buong bote ng tubig pagkatapos ng pe",
        ),
    ),
    pattern(
        "tl.fire",
        category="other",
        reason="reports a fire",
        sources=(
            rf"(?:sunog|nasusunog|nagliliyab|may apoy|umaapoy|usok) (?:\w+ ){{0,3}}(?:{_PLACES}"
            r"|building|gusali|lab|library|bahay|kusina|faculty)",
            rf"(?:{_PLACES}|building|gusali|lab|library|bahay|faculty) (?:\w+ ){{0,2}}"
            r"(?:nasusunog|nagliliyab|umaapoy|umuusok)",
        ),
        unless=_FIRE_FICTION,
        # A fire that is out ("napatay na ng bumbero", last week) is over, unless still burning.
        ongoing=r"last week|kahapon|napatay na|naapula|namatay na|tapos na|walang nasaktan",
        acute=r"ngayon|pa rin|parin|may (?:mga )?(?:estudyante|tao|bata) pa",
        positives=(
            "nasusunog yung science lab may mga estudyante pa sa loob",
            "may usok na lumalabas sa gym",
        ),
        negatives=(
            "laging amoy vape yung cr, puro usok sa cr",
            "sunog yung kanin sa canteen kanina",
            "nagkasunog sa library kahapon pero naapula agad",
        ),
    ),
    pattern(
        "tl.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            rf"(?:susunugin|sunugin|sisilaban|silaban|sinilaban) (?:\w+ ){{0,3}}(?:{_PLACES}"
            r"|building|gusali|lab|library|bahay|basurahan)",
        ),
        # Over: "mga 4 days ago pa, after nun tahimik na sya".
        unless=rf"\w+ (?:days|weeks|months) ago|{_FIRE_FICTION}",
        positives=("sabi niya susunugin niya yung school bukas",),
        negatives=(
            "susunugin namin yung calories sa gym",
            "nagbanta sya na susunugin nya daw bahay ng ex nya, mga 4 days ago pa",
        ),
    ),
)

# Someone nobody knows, strictly: "may lalaki sa cr" or "bagong teacher" is no intruder.
_PERSON = (
    r"lalaki|lalaking|babae|babaeng|tao|taong|mama|mamang|ale|aleng|matanda|matandang|manong"
    r"|manang|guy|adult|someone|kuya|ate"
)
_STRANGER = (
    r"strangers?(?! (?:pa |lang |na )?(?:kami|tayo|sila|kayo|things|danger))|intruders?|taga ?labas"
    r"|(?:di|hindi) (?:namin |ko |nila |natin |naman )?kilalang (?:\w+ )?(?:" + _PERSON + ")"
    r"|(?:" + _PERSON + r")(?: na)? (?:di|hindi) (?:namin |ko |nila |natin |naman )?"
    r"(?:sya |siya )?kilala"
    r"|(?:" + _PERSON + r")(?: na)? (?:di|hindi) (?:estudyante|student|taga (?:school|dito|rito"
    r"|campus|\w+ school))"
    r"|(?:lalaki|lalaking|babae|babaeng|mama|mamang|matanda|matandang|guy|adult)(?: na)? walang"
    r" (?:school )?id"
)
# A stranger who is suspicious is still no intruder without a way in ("kahina-hinala").
_ODD = r"(?:kahina hinalang|kakaibang|weird na|creepy na|sketchy na) (?:" + _PERSON + ")"
_GOT_IN = (
    r"pumasok|nakapasok|pumapasok|papasok|pumuslit|nakapuslit|pumupuslit|nanghihimasok"
    r"|nanghimasok|nasa loob|nandito|andito|nandiyan|nandyan|nandun|andun|pagala ?gala"
    r"|gumagala|naglalakad lakad|palakad lakad|naglalakad|umiikot|paikot ikot|nagtatago"
    r"|nakatago|nagkulong|nagkukulong|nakakulong|ni lock|nilock|nag lock|umakyat|sumampa"
    r"|tumalon|sinisilip|sumisilip|nakatambay|tumatambay|nakatayo|nasa"
)
# Inside the school: not "sa labas ng gate" or "sa tapat ng school" (outside).
_INSIDE = (
    r"school|skul|iskul|paaralan|eskwelahan|campus|building|gusali|bldg|room|classroom|klasrum"
    r"|cr|comfort room|banyo|restroom|locker room|locker|dressing room|bihisan|changing room"
    r"|dorm|dormitoryo|hallway|pasilyo|corridor|gym|covered court|canteen|cafeteria|library"
    r"|silid|faculty|clinic|(?:\d+(?:st|nd|rd|th) )?floor|palapag|grade \d+|section|loob"
)
_NO_INTRUDER = (
    r"drills?|simulation|simulated|mock|rehearsal|kunwari|kunyari|role ?play"
    r"|(?:seminar|lesson|leksyon|lecture|talk|video) (?:about|tungkol|on)|pinag usapan|tinuro"
    r"|tinuturo|(?:nanood|nanuod|pinanood|pinanuod) (?:\w+ ){0,2}video"
    r"|stranger danger|safety talk|orientation|kahapon|last week|last night|kagabi"
    r"|(?:noong|nung) isang araw|umalis na|pinaalis|pinalabas|nahuli (?:na )?(?:siya|sya|ng)"
    r"|hinuli|inaresto"
    r"|dinampot|dinala ng (?:pulis|guard|security)|kinuha ng (?:pulis|guard|security)"
    r"|kinausap (?:\w+ )?ng (?:guard|security|principal)"
    r"|(?:magulang|parent|tatay|nanay|papa|tito|tita|lolo|lola|kuya|ate|pinsan|teacher|guro"
    r"|bisita|visitor|technician|staff) (?:\w+ ){0,2}pala|bagong (?:teacher|guro|staff"
    r"|janitor|guard|estudyante|student)|new teacher|substitute|sub teacher|technician"
    r"|electrician|tubero|karpintero|maintenance|janitor|bisita|visitor|delivery"
    r"|(?:mag|nag|mag |nag )?aayos|paano kung|pano kung|what if|kung sakali|sakaling"
    r"|kung (?:may|merong|meron) (?:\w+ ){0,2}(?:stranger|intruder|di kilalang|hindi kilalang"
    r"|taga labas|lalaking|babaeng)"
    # A new classmate nobody knows yet: "babaeng di ko kilala sa section namin, transferee".
    r"|transferee|transfer student|lumipat|bagong (?:kaklase|classmate)|new student"
    # English words of Taglish: a game, over ("yesterday", "turned out").
    r"|among us|impostor|games?|yesterday|turned out"
    r"|online|fb|facebook|messenger|chat|discord|tiktok|ig|dm|nag ?message|nag ?chat"
    r"|" + _PAST + "|" + _FICTION
)
_NOT_A_DRILL = (
    r"(?:hindi|di|not) (?:\w+ ){0,2}(?:drill|practice)|ngayon mismo"
    r"|(?:hindi|di) (?:siya |sya |naman )?(?:magulang|parent|teacher|guro|bisita|visitor|staff)"
)
_GAS = r"gas|lpg|gasul|gas tank|tangke ng (?:gas|lpg)|tanke ng (?:gas|lpg)"
_LEAK = (
    r"tumatagas|tumagas|may tagas|may leak|nag ?leak|nagle leak|naglileak|leaking|leak"
    r"|sumisingaw|sumingaw|singaw|tagas"
)
_NO_GAS = (
    r"gasolinahan|gasolina|gas station|petron|shell|caltex|seaoil|phoenix|cleanfuel|diesel"
    r"|krudo|gaas|(?:nag|mag)?pa ?gas|full tank|motor|kotse|sasakyan|jeep|jeepney|tricycle"
    r"|trike|van|bus|gas money|pang gas|pamasahe|presyo|price|gas gas|utot|umutot|nautot"
    r"|kabag|kinakabag|tiyan|tyan|fart\w*|tear ?gas|pepper spray|kahapon|kagabi|last week"
    r"|naayos na|inayos na|napalitan|pinalitan|nagpalit|technician|isinara na|sinara na"
    r"|drills?|lesson|video|paano kung|pano kung|what if|games?|yesterday|fixed|repaired"
    r"|station|petrol|fuel|gasoline|cars?|stomach|" + _PAST + "|" + _FICTION
)

PATTERNS += (
    pattern(
        "tl.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_STRANGER}|{_ODD}) ~ (?:{_GOT_IN}) (?:sa |ng |loob ng |sa loob ng )?"
            rf"(?:\w+ ){{0,2}}(?:{_INSIDE})",
            # "may lalaking di namin kilala sa hallway": not "sa labas ng", "sa tapat ng".
            rf"(?:{_STRANGER}) (?:na |ay )?(?:nasa|sa) (?:loob ng |may )?(?:\w+ )?(?:{_INSIDE})",
            # "may lalaking pumasok sa building ng grade 7, di namin sya kilala".
            rf"(?:{_PERSON}) ~~ (?:{_GOT_IN}) (?:sa |ng )?(?:\w+ ){{0,2}}(?:{_INSIDE}) ~ (?:di"
            r"|hindi) (?:namin|ko|nila|natin) (?:sya |siya |naman )?kilala",
            rf"(?:sa|nasa) (?:\w+ )?(?:{_INSIDE}) (?:\w+ ){{0,3}}(?:may|merong|meron) (?:\w+ )?"
            rf"(?:{_STRANGER})",
            r"(?:may|merong|meron) intruders?",
        ),
        unless=_NO_INTRUDER,
        despite=_NOT_A_DRILL,
        positives=(
            "may lalaking hindi namin kilala na pumasok sa cr ng girls, nilock niya yung pinto",
            "may stranger na naglalakad lakad sa hallway ng 3rd floor ngayon, walang ID",
            "guys may intruder sa school, nagtatago kami sa room 8, hindi to drill",
            "may taga labas na nakapasok sa dorm ng mga babae, nagtatago sya sa bihisan",
        ),
        negatives=(
            "may intruder drill daw tayo bukas sa gym, required ba",
            "kahapon may di kilalang lalaki na pumasok sa campus pero pinaalis na ng guard",
            "yung lalaki sa hallway na di namin kilala tatay pala ni mika, sinundo lang sya",
            "may bagong teacher sa room 12 at may technician na nag aayos ng aircon sa library",
            "pano kung may stranger na pumasok sa school, saan tayo magtatago",
            "nanood kami ng video tungkol sa stranger danger sa homeroom",
            "may lalaki sa cr kanina ang tagal lumabas",
        ),
    ),
    pattern(
        "tl.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            rf"(?:amoy|naamoy|naaamoy|maamoy|nakakaamoy|nakaamoy|umaamoy)"
            rf" (?:na amoy |ng |na |ang |yung |ung )?(?:\w+ ){{0,2}}(?:{_GAS})",
            rf"(?:{_GAS}) (?:\w+ ){{0,3}}(?:{_LEAK})",
            rf"(?:{_LEAK}) (?:na |ang |yung |ung |ng |sa )?(?:\w+ )?(?:{_GAS})",
        ),
        unless=_NO_GAS,
        despite=_NOT_A_DRILL,
        positives=(
            "amoy na amoy gas sa canteen ngayon, nahihilo na yung mga estudyante",
            "may tumatagas na lpg sa kusina ng dorm, ang baho, ano gagawin namin",
            "gas leak sa chem lab, umalis si maam tapos nahihilo kami",
        ),
        negatives=(
            "amoy gas yung jeep na sinakyan ko papuntang school, nagpa gas pa sa petron",
            "umutot si marco sa room, amoy gas daw sabi nila haha",
            "kahapon may tumagas na lpg sa canteen pero naayos na ng technician",
            "nag tear gas sila sa codm, amoy gas daw parang totoo lol",
        ),
    ),
)
