"""The safety net: every pattern fires on its positives and nothing fires on near-misses."""

from __future__ import annotations

import pytest

from classifiers import normalize, rules
from classifiers.patterns import Pattern, compile_source, pattern

_POSITIVES = [(p, text) for p in rules.PATTERNS for text in p.positives]
_NEGATIVES = [(p, text) for p in rules.PATTERNS for text in p.negatives]


def _ids(cases: list[tuple[Pattern, str]]) -> list[str]:
    return [f"{p.id}:{i}" for i, (p, _) in enumerate(cases)]


@pytest.mark.parametrize(("pattern", "text"), _POSITIVES, ids=_ids(_POSITIVES))
def test_positive_example_hits_its_pattern(pattern: Pattern, text: str) -> None:
    """Each pattern's positive example is caught by that very pattern."""
    assert pattern.id in [hit.pattern.id for hit in rules.scan(text)]


@pytest.mark.parametrize(("pattern", "text"), _NEGATIVES, ids=_ids(_NEGATIVES))
def test_near_miss_hits_nothing(pattern: Pattern, text: str) -> None:
    """Each pattern's near-miss (hyperbole, games, toys) fires no pattern at all."""
    assert rules.scan(text) == []


def test_every_pattern_has_a_positive_and_a_negative() -> None:
    """No pattern ships without proof that it fires and that its near-miss does not."""
    assert all(p.positives and p.negatives for p in rules.PATTERNS)


def test_every_language_covers_every_threat() -> None:
    """Each language has the same threats as English, so no language is a blind spot."""
    names: dict[str, set[str]] = {}
    for p in rules.PATTERNS:
        names.setdefault(p.language, set()).add(p.id.split(".", 1)[1])
    english = names["en"]
    assert {lang: english - found for lang, found in names.items()} == {
        lang: set() for lang in names
    }


def test_pattern_ids_are_unique() -> None:
    """Reasons and tests refer to patterns by id, so ids must not repeat."""
    ids = [p.id for p in rules.PATTERNS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "text",
    [
        "HE HAS A GUN AT SCHOOL",
        "he has a gun at skool... no, at school!!!",
        "Mi amiga se va a MATAR, está muy mal",
        "mi amiga se va a matar esta muy mal",
        "i'm gonna kill myself",
        "im gonna kill myselfff",
    ],
)
def test_case_accents_and_apostrophes_do_not_matter(text: str) -> None:
    """Capitals, missing accents, apostrophes and stretched letters still hit."""
    assert rules.scan(text)


def test_normalise_folds_case_accents_and_punctuation() -> None:
    """Normalised text is lowercase ASCII-like words separated by single spaces."""
    assert normalize.normalise("  ¡Está   MUY mal!  Don’t… ") == "esta muy mal dont"


def test_guard_far_from_the_match_does_not_veto_it() -> None:
    """A game mentioned in another sentence does not cancel a weapon at school."""
    text = (
        "He has a gun in his backpack at school. Please send someone. Yesterday we played a game."
    )
    assert [h.pattern.id for h in rules.scan(text)] == ["en.weapon_school"]


def test_real_weapon_beats_toy_guard() -> None:
    """'A real gun, not a nerf gun' stays a weapon hit: the guard is cancelled."""
    assert rules.scan("he brought a real gun to school, not a nerf gun")


def test_rules_classifier_hit_is_emergency_with_reason() -> None:
    """A pattern hit gives emergency, the pattern's category and a readable reason."""
    (verdict,) = rules.RulesClassifier().classify(["a kid has a knife in his locker"])
    assert (verdict.urgency, verdict.category) == ("emergency", "weapon")
    assert verdict.reasons[0].startswith("mentions a weapon at or near school")


def test_rules_classifier_miss_is_at_least_urgent() -> None:
    """Without a hit the rules cannot tell routine from urgent, so they say urgent."""
    verdicts = rules.RulesClassifier().classify(["someone keeps vaping in the bathroom", ""])
    assert [v.urgency for v in verdicts] == ["urgent", "urgent"]


def test_rules_classifier_uses_the_given_language_detector() -> None:
    """The language comes from the injected detector."""
    engine = rules.RulesClassifier(detect_language=lambda text: "es")
    assert engine.classify(["hola"])[0].language == "es"


_CHINESE = [(p, text) for p in rules.PATTERNS if p.language == "zh" for text in p.positives]


@pytest.mark.parametrize(("pattern", "text"), _CHINESE, ids=_ids(_CHINESE))
def test_chinese_pattern_hits_inside_unpunctuated_text(pattern: Pattern, text: str) -> None:
    """Chinese has no spaces: a positive still hits run together with the words around it."""
    run_on = "我跟你说" + "".join(ch for ch in text if ch.isalnum()) + "怎么办啊"
    assert pattern.id in [hit.pattern.id for hit in rules.scan(run_on)]


def test_unspaced_gaps_count_characters() -> None:
    """An unspaced ' ~ ' gap spans up to eight characters and no more."""
    regex = compile_source("枪 ~ 学校", spaced=False)
    assert regex.search("他的枪就放在我们学校")
    assert not regex.search("枪一二三四五六七八九学校")


@pytest.mark.parametrize(
    "text",
    [
        "mình sẽ từ từ học lại môn toán",
        "dạo này lớp mình bổ sung bài tập",
        "cả lớp đang chạy bộ quanh trường",
        "bạn em bị chảy máu mũi trong lớp",
        "ginagalaw nila yung gamit ko sa classroom",
        "الكل بيموت في الأكلة دي",
        "اعطاني نقطة زيادة في الامتحان",
    ],
)
def test_words_merged_by_normalisation_do_not_fire(text: str) -> None:
    """Words that stripping or clitics make look like threats ("từ từ", "نقطة") hit nothing."""
    assert rules.scan(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "a boy has a hunting knife in his locker right now",
        "un chico tiene un cuchillo de caza en la mochila en la escuela",
        "il a un couteau de chasse dans son sac au lycée",
    ],
)
def test_hunting_weapon_at_school_still_hits(text: str) -> None:
    """The hunting guard is the sport ("went hunting"), not a hunting knife in a school bag."""
    assert [h.pattern.category for h in rules.scan(text)] == ["weapon"]


def test_acute_words_beat_the_ongoing_self_harm_guard() -> None:
    """'Cutting again' is urgent, but 'again and bleeding a lot' stays a self-harm hit."""
    assert rules.scan("to me machucando de novo") == []
    assert rules.scan("ela ta se cortando de novo e ta sangrando muito")


@pytest.mark.parametrize(
    ("text", "pattern_id"),
    [
        ("disse que não é fake, vai fazer um massacre na escola", "pt.attack_plan"),
        ("dijo que no era broma, va a hacer un tiroteo en la escuela", "es.attack_plan"),
        ("llevo meses así y me voy a matar esta noche", "es.suicide_intent"),
        ("yung bf ni ate binubugbog sya ngayon, tulungan nyo", "tl.abuse_now"),
        ("ha ordinato un coltello online, lo porta a scuola", "it.weapon_school"),
    ],
)
def test_acute_words_beat_the_hoax_habit_and_online_guards(text: str, pattern_id: str) -> None:
    """'Not fake', 'tonight', 'now' or 'brings it' cancel the hoax, habit and online guards."""
    assert pattern_id in [hit.pattern.id for hit in rules.scan(text)]


def test_threat_already_traced_by_police_is_framed() -> None:
    """'La policía ya lo encontró' closes a threat report like 'the police dealt with it'."""
    text = (
        "la cuenta que amenazó con un tiroteo en la escuela era de otra ciudad, "
        "la policía ya lo encontró"
    )
    assert rules.scan(text) == []


def test_a_habit_guard_is_cancelled_only_by_its_acute_words() -> None:
    """`ongoing` words (again, scars) veto unless `acute` ones (blood, now) are near, and
    an `acute` word does not lift the `unless` guard of the past ("years ago")."""
    cuts = pattern(
        "en.test_cuts", category="self_harm", reason="test", sources=(r"cuts herself",),
        positives=(), negatives=(), unless=r"years ago", ongoing=r"again|scars",
        acute=r"blood|now",
    )  # fmt: skip
    assert rules.scan("she cuts herself again, i saw scars", [cuts]) == []
    assert rules.scan("she cuts herself again and theres blood", [cuts]) != []
    assert rules.scan("years ago she cuts herself, blood everywhere", [cuts]) == []


@pytest.mark.parametrize(
    "text",
    [
        "không phải là không muốn tự tử, em chỉ chưa dám làm thôi",
        "em không muốn tự tử, nhưng bạn em nói nó muốn tự tử",
        "nó bảo không có ý định tự tử nhưng đã chuẩn bị dây thừng trong phòng",
        "mình không muốn tự tử, chỉ là mình ko muốn sống nữa",
    ],
)
def test_a_denied_vietnamese_intent_still_fires_with_a_sign_of_intent(text: str) -> None:
    """The negation guard yields to a double negation, another's intent, a plan, or 'ko muốn
    sống nữa' near it (issue #16)."""
    assert "vi.suicide_intent" in [hit.pattern.id for hit in rules.scan(text)]


@pytest.mark.parametrize(
    "text",
    [
        "bạn ấy bảo không phải là muốn tự tử, chỉ mệt vì thi cử",
        "nó nói không hề muốn tự tử, chỉ muốn được nghỉ học vài hôm",
        "em không định tự sát đâu, em chỉ cần người nói chuyện",
    ],
)
def test_a_vietnamese_intent_denied_right_before_it_does_not_fire(text: str) -> None:
    """ "Không (phải/hề) muốn tự tử", "không định tự sát": the intent itself denied is not a
    suicide-intent hit."""
    assert "vi.suicide_intent" not in [hit.pattern.id for hit in rules.scan(text)]


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("قال إذا أخذوا منه التلفون هيحرق المدرسة", False),
        ("قال إذا أخذوا منه التلفون هيحرق المدرسة الليلة", True),
        ("بيقول لو الأستاذ طلب أهله راح يولع بالمختبر يوم الخميس", True),
        ("بيقول لو الأستاذ طلب أهله راح يولع بالمختبر", False),
    ],
)
def test_an_arabic_arson_threat_with_a_condition_needs_a_day(text: str, fires: bool) -> None:
    """A conditional arson threat with no day is urgent; with a day or "tonight" it fires."""
    assert ("ar.arson" in [hit.pattern.id for hit in rules.scan(text)]) is fires
