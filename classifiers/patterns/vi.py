"""Vietnamese life-threat patterns (normalised: tone marks and hooks stripped, đ kept).

Sources are written stripped ("chet" for "chết") because stripping merges words: "tự tử"
and "từ từ" (slowly) are both "tu tu", "súng" (gun) and "sưng" (swollen) both "sung",
"cháy" (burning) and "chạy" (running) both "chay", "dao" (knife) and "dạo" (lately) both
"dao". So no such word fires alone: each comes with a verb or noun that only the
dangerous reading takes. "đ" survives normalisation but is often typed "d": [đd].
"""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"game|choi game|free fire|pubg|lien quan|minecraft|roblox|phim|truyen|tieu thuyet|nhan vat"
    r"|bai hat|meme|noi [đd]ua|[đd]ua thoi|tro [đd]ua|gion|haha|hihi|kk+|lol|bai van|mon van"
)
# Thoughts without a plan, or talk repeated for weeks: urgent at most, for the model.
_NO_PLAN = (
    r"(?:ko|khong|k) co ke hoach|se (?:ko|khong|k) lam gi|[đd]oi khi|thinh thoang|ca thang"
    r"|ngay nao cung|cu noi"
)
_PAST = (
    r"nam ngoai|nam truoc|hoi truoc|thang truoc|tuan truoc|truoc [đd]ay|xu ly roi|xong roi"
    r"|bi [đd]uoi hoc"
    r"|[đd]uoi hoc"
)
_ME = r"minh|toi|tao|to|t|em|con|tui"
_THEM = r"no|ban ay|ban minh|ban toi|ban em|cau ay|anh ay|chi ay|em ay|thang \w+|con \w+"
_MODAL = r"se|muon|[đd]inh|(?<!thay )[đd]oi|tinh|doa|sap|quyet [đd]inh|chuan bi|[đd]ang"
# Weapon words that are weapons after stripping: "cây súng", not "bổ sung" or "sưng".
_WEAPONS = (
    r"(?:cay|khau) sung|sung (?:ngan|luc|truong|san|hoi|that|[đd]an)|con dao|cay dao"
    r"|dao (?:gam|phay|bam|nhon|rua|thai|găm)|ma tau|hung khi|luu [đd]an|qua bom|bom tu che"
)
_CARRY = r"mang|cam|giau|rut|khoe|[đd]em|giu|vung|cat giau"
# "Không phải muốn tự tử", "không có ý định tự tử", "chẳng muốn tự tử": the intent itself
# denied, the negation directly before it (issue #16). Not after "phải": "không phải (là)
# không muốn" is a double negation, intent. "Chả" is left out: stripped it is "cha" (father).
_NEG = r"khong|ko|k|kh|chang"
_NEGATED_INTENT = (
    rf"(?<!phai )(?<!phai la )(?:{_NEG}) (?:(?:he|phai|la|co|bao gio) ){{0,2}}(?:y )?"
    r"(?:muon|[đd]inh|tinh) tu (?:tu|sat)"
)
# What lifts that guard: a day or "now", a plan, a wish to live no more, or an intent
# nearby that is not negated ("không phải đùa, mình muốn tự tử": a subject right before it).
_INTENT_ANYWAY = (
    r"toi nay|[đd]em nay|hom nay|bay gio|ngay mai|sap|chuan bi|thu tuyet menh"
    rf"|(?:{_NEG}) (?:con )?muon song|se tu (?:tu|sat)"
    rf"|(?:{_ME}|no) (?:(?:van|that su|rat|that) )?(?:muon|co y [đd]inh|[đd]inh) tu (?:tu|sat)"
)
_ARMS = (
    r"sung(?! (?:suc|suong|tuc|nuoc))|dao(?! (?:nay|[đd]ong|[đd]uc|gan|choi|quanh))|ma tau"
    r"|hung khi|qua bom|bom (?:tu che|xang)"
)
_GIVE = r"[đd]ua|gui|tang|[đd]e lai|giao|cho het|phat het|cho"
_BELONGINGS = (
    r"con meo|con cun|con cho cua|thu cung|het [đd]o [đd]ac|tat ca [đd]o|[đd]o [đd]ac|het [đd]o"
)
_PLACES = (
    r"truong|lop|phong hoc|cap|balo|ba lo|can tin|canteen|nha ve sinh|toilet|wc"
    r"|phong thay [đd]o|cong truong|san truong|hanh lang|nha the chat|san bong"
)
_FIRE_FICTION = (
    r"dien tap|tap huan|thu nghiem|nuong|thit nuong|bbq|nen|sinh nhat|phao hoa|lua trai|vape"
    r"|thuoc la|hut thuoc|[đd]ot rac|bep|nau an|hut co|can sa|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "vi.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            # "tu tu" is also "từ từ" (slowly): only after a verb of intent, and not before
            # the words that follow "từ từ".
            rf"(?:{_MODAL}) tu (?:tu|sat)(?! (?:thoi|roi|ma|hoc|lam|tim|cai thien|hoi phuc|quen"
            r"|thich nghi|tinh|[đd]i|nhe|nha))",
            r"tu ket lieu|ket lieu (?:ban than|cuoc [đd]oi)|ket thuc (?:cuoc [đd]oi|mang song)",
            rf"(?:{_ME}) (?:se |muon )?ket thuc (?:het|tat ca|moi thu)(?! (?:bai|mon|hoc|roi))",
            r"(?:ko|khong|k|chang) (?:con )?muon song (?:nua|tiep)",
            r"(?:san thuong|lan can|mep|mai nha|noc nha|tang \d+) ~~ (?:se |muon |[đd]oi "
            r"|[đd]inh )?"
            r"nhay(?! (?:mua|day|hip hop))",
            rf"(?:{_MODAL}) nhay (?:lau|cau|song|tu tang)",
        ),
        # Past and in care: "từng có ý định… giờ đi trị liệu", "hồi học kì 1, giờ ổn rồi".
        unless=(
            r"xau ho|[đd]oi bung|ho boi|be boi|tung co y [đd]inh|tri lieu|bac si tam ly"
            rf"|gio (?:[đd]a )?on (?:roi|hon)|hoi hoc ki|{_NO_PLAN}|{_FICTION}"
        ),
        # The intent denied is urgent at most, for the model, unless a sign of it is near.
        ongoing=_NEGATED_INTENT,
        acute=_INTENT_ANYWAY,
        positives=(
            "tối nay mình sẽ tự tử, thuốc mình chuẩn bị sẵn rồi",
            "bạn mình đang đứng trên sân thượng trường nói sẽ nhảy xuống",
            "bạn mình nói nó mệt lắm rồi, ko muốn sống nữa",
            "dem nay t ket thuc het, ko ai can t dau",
            "không phải đùa đâu, mình muốn tự tử thật, mọi người đừng cản",
            "em không phải muốn tự tử vì điểm, em viết thư tuyệt mệnh rồi, đêm nay em đi",
            "em không có ý định tự tử, nhưng bạn cùng phòng em nói nó muốn tự tử",
        ),
        negatives=(
            "mình sẽ từ từ học lại môn toán",
            "mẹ mình sẽ giết mình nếu thấy bảng điểm",
            "mình ko muốn sống nữa nhưng mình ko có kế hoạch gì đâu",
            "thi xong rồi, mình sẽ kết thúc hết bài tập hôm nay",
            "bạn mình từng có ý định tự tử nhưng giờ đi trị liệu đều, vui vẻ lại rồi",
            "chuyện bạn t muốn tự tử hồi học kì 1 giờ ổn rồi nha, nó đang gặp bác sĩ tâm lý",
            "bạn ấy nói chỉ giận bố mẹ chứ không phải muốn tự tử",
            "mình không có ý định tự tử, chỉ cần ai đó nghe mình nói chuyện",
            "nó chẳng muốn tự tử đâu, nó chỉ buồn vì bị điểm kém",
        ),
    ),
    pattern(
        "vi.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"(?:cat|rach) (?:co )?tay(?! ao)|tu (?:lam hai|hanh ha|cat) (?:ban than|minh)",
            r"(?:cat|rach) (?:\w+ ){0,2}(?:co tay|mach mau)",
        ),
        unless=(
            r"nau an|thai rau|got|bat cam|vo y|bi dao cat|nam ngoai|truoc [đd]ay|hoi truoc"
            r"|[đd]a ngung|[đd]a bo|het roi|lau (?:roi|r)|tu lau|may (?:thang|tuan|nam) nay"
            r"|nhieu thang|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"lai roi|hoai|thuong xuyen|vet seo|seo|ao khoac|dai tay|[đd]e che",
        acute=r"chay mau|mau|bay gio|benh vien",
        positives=(
            "trong nhà vệ sinh nữ có bạn cắt tay chảy máu nhiều lắm",
            "nó lại rạch tay trong toilet rồi, máu chảy nhiều lắm",
        ),
        negatives=(
            "em bị đứt tay lúc thái rau, hơi chảy máu, hồi trước em cắt tay rồi nhưng đã ngưng",
            "bạn cùng bàn lấy compa rạch tay mấy tháng nay rồi",
            "hình như bạn ngồi cạnh mình tự cắt tay, mình thấy vết sẹo ở khuỷu tay",
        ),
    ),
    pattern(
        "vi.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            # A recipient, so "cho con mèo ăn" (feed the cat) is not giving it away.
            rf"(?:{_GIVE}) (?:lai )?(?:{_BELONGINGS}) (?:lai )?cho (?:{_ME})",
            rf"(?:{_GIVE}) (?:lai )?(?:cho )?(?:{_ME}) (?:\w+ ){{0,2}}(?:{_BELONGINGS})",
            r"thu (?:tuyet menh|tu biet|vinh biet)|loi (?:tu biet|vinh biet)|vinh biet moi nguoi",
            r"(?:noi loi )?(?:tam biet|tu biet) (?:het )?(?:moi nguoi|tat ca|ca nha) (?:lan cuoi"
            r"|mai mai)",
        ),
        unless=(
            r"may ngay|vai ngay|mot tuan|du lich|ve que|nghi he|nghi tet|chuyen nha|di ung"
            r"|sinh nhat"
            r"|tra lai|cho muon|muon|qua tang|" + _FICTION
        ),
        positives=(
            "bạn mình đưa con mèo cho mình nuôi rồi nói nó mệt lắm rồi",
            "nó viết thư tuyệt mệnh rồi tắt máy",
        ),
        negatives=("bạn mình gửi con mèo cho mình nuôi mấy ngày vì nó đi du lịch",),
    ),
    pattern(
        "vi.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:{_CARRY}) (?:theo )?(?:ca |mot |hai |may )?(?:cay |khau |con )?(?:{_ARMS})",
            rf"co (?:cay |khau |con )?(?:sung|dao|ma tau) (?:trong|o) (?:{_PLACES})",
        ),
        unless=(
            r"sung nuoc|[đd]o choi|nerf|sung gia|dao gia|[đd]o gia|nhua|thai rau|nau an|bep"
            r"|trai cay|hoa qua|cat banh|banh kem|ve tranh|hinh ve|" + _PAST + "|" + _FICTION
        ),
        despite=r"that|co [đd]an|that su",
        positives=(
            "có thằng mang súng trong cặp ở lớp 10A3",
            "có đứa cầm dao trong phòng thay đồ dọa mọi người",
            "nó mang súng thật vào trường chứ ko phải súng đồ chơi",
        ),
        negatives=(
            "năm ngoái có đứa mang dao vào trường nhưng công an xử lý rồi",
            "dạo này lớp mình bổ sung thêm bài tập",
            "chân em bị sưng sau giờ thể dục ở trường",
        ),
    ),
    pattern(
        "vi.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"xa sung|[đd]at bom|[đd]anh bom (?:truong|lop)",
            r"giet (?:het|sach|tat ca) (?:moi nguoi|ca lop|ca truong|tui no|may [đd]ua)",
            rf"(?:{_MODAL}) (?:[đd]am chet|chem chet|ban chet|[đd]am|chem) (?:{_THEM}|het|ca lop)",
            r"(?:mai|ngay mai|hom nay|thu \w+|tuan sau) (?:[đd]ung|[đd]ung co|khoi) (?:[đd]i hoc"
            r"|[đd]en truong|toi truong|len truong|[đd]i toi truong)",
            r"o nha ~~ co chuyen lon",
            r"[đd]anh (?:\w+ ){0,3}cho (?:nhap vien|vao vien|di vien)",
        ),
        unless=(
            r"bao to|con bao|mua bao|mua to|mua lon|lu lut|ngap|nghi le|nghi hoc|[đd]uoc nghi|om"
            r"|sot"
            r"|benh|dich benh|covid|bong [đd]a|bong ro|tran [đd]au|tran bong|giai [đd]au|hoa ra"
            # Admiring shootings elsewhere: "khen mấy vụ xả súng ở Mỹ", "share clip xả súng".
            r"|(?:may|cac|nhung) vu xa sung|(?:share|xem|coi) clip xa sung|(?:o|ben) my|uoc gi|"
            + _PAST
            + "|"
            + _FICTION
        ),
        positives=(
            "nó bảo mai đừng đi học, giờ ra chơi mọi người sẽ thấy",
            "nó nói thứ 6 sẽ xả súng ở trường",
        ),
        negatives=(
            "t bắn nó chết 5 lần trong free fire luôn haha",
            "mai đừng đi học, bão to lắm được nghỉ rồi",
            "thằng đó khen mấy vụ xả súng ở Mỹ, ko biết đùa hay thật",
            "nó toàn share clip xả súng, nói ước gì trường mình cũng có vụ như vậy",
        ),
    ),
)

_VICTIMS = r"me|ba|bo|minh|em|toi|con|chi|anh|em gai|em trai|ban ay|no|tui em|chung em"

PATTERNS += (
    pattern(
        "vi.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            rf"[đd]ang (?:[đd]anh|[đd]ap|bop co|hanh ha|cuong hiep|xam hai|sam so) (?:{_VICTIMS})",
            rf"(?:noi|doa|bao|nhan) (?:\w+ ){{0,6}}(?:se )?[đd]anh chet (?:{_ME})",
            r"(?:so|(?:ko|khong|k) dam) ve nha ~~ (?:[đd]anh|giet)",
            rf"nhot (?:{_ME}|ban ay|me) (?:trong|vao|o)",
            r"(?:keo|loi|ep|[đd]ay) (?:mot )?(?:ban nu|ban nam|co gai|be gai"
            r"|hoc sinh) (?:\w+ ){0,2}"
            r"len xe|bat coc (?:mot|ban|em|be)",
        ),
        unless=(
            r"[đd]anh (?:[đd]an|rang|bai|co|bong|cau|vong|trong)|vo thuat|tap vo|goi|" + _FICTION
        ),
        positives=(
            "ba em đang đánh mẹ em ngay bây giờ, em trốn trong phòng",
            "có người đàn ông đang kéo một bạn nữ lên xe trước cổng trường",
        ),
        negatives=(
            "mẹ mình sẽ giết mình nếu thấy điểm kém",
            "anh em đang đánh em bằng gối, tụi em giỡn thôi",
        ),
    ),
    pattern(
        "vi.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"soc thuoc|qua lieu(?! linh)|sot thuoc",
            r"uong (?:het|ca|nhieu|mot nam|\d{2,}|[5-9]) (?:\w+ )?(?:lo|vi|hop|vien|nam)? ?"
            r"thuoc(?! la| bac| bo)",
            r"bat tinh(?! nang)|ngung tho|(?:ko|khong) con tho|(?:[đd]ang|rat|con) tho yeu"
            r"|tho yeu (?:lam|qua|dan)|(?:goi|lay) (?:ko|khong|mai ko) (?:day|tinh)"
            r"|(?:ko|khong) goi (?:day|tinh) [đd]uoc",
        ),
        unless=(
            r"vitamin|keo|thuoc bo|theo [đd]on|bac si|ngu say|ngu nuong|buoi sang|bao thuc"
            r"|nghien cuu|" + _FICTION
        ),
        positives=(
            "ở tiệc có đứa dùng ma túy giờ nằm bất tỉnh thở yếu lắm",
            "bạn mình uống hết lọ thuốc ngủ",
        ),
        negatives=(
            "mình uống 2 viên thuốc đau đầu rồi đi học",
            "sáng nào em trai mình cũng ngủ say gọi ko dậy",
        ),
    ),
    pattern(
        "vi.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"boc chay|boc khoi|hoa hoan|khoi (?:boc|[đd]en|mu mit|nghi ngut|nhieu|bay ra)",
            r"chay khet|mui khet(?! tieng)",
            # "bị chảy máu" (bleeding) strips to "bi chay mau".
            rf"(?:{_PLACES}|phong \w+|toa nha|thu vien) (?:\w+ ){{0,3}}"
            r"bi chay(?! (?:mau|nuoc|mui|dau|mat))",
            r"[đd]ang chay (?:ma|va) (?:con|co) (?:nguoi|hoc sinh|ban)",
            r"chay (?:phong|nha|lop|thu vien|can tin) (?:\w+ ){0,3}(?:con nguoi|mac ket|roi)",
        ),
        unless=_FIRE_FICTION,
        positives=(
            "khói bốc ra từ nhà thể chất",
            "phòng thí nghiệm hóa đang cháy mà còn học sinh ở trong",
        ),
        negatives=(
            "hôm nay trường diễn tập báo cháy, khói bốc lên từ thùng",
            "cả lớp đang chạy bộ quanh sân trường",
            "bọn lớp 11 hay hút cỏ sau nhà thể chất, mùi khét khét",
        ),
    ),
    pattern(
        "vi.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            rf"(?:{_MODAL}|[đd]i|[đd]a) (?:\w+ ){{0,3}}(?:[đd]ot|phong hoa"
            rf"|cham lua [đd]ot) (?:chay )?"
            r"(?:ca |het )?"
            r"(?:truong|lop|phong|nha|thu vien|can tin|thung rac|xe)",
        ),
        unless=_FIRE_FICTION,
        positives=("nó nói sẽ đốt trường vào thứ 6",),
        negatives=("tụi mình sẽ đốt nến sinh nhật trong lớp",),
    ),
)

# Someone nobody knows, strictly: "lạ" strips to "la", which is also "là" (is), "la"
# (to shout, scold: "ông la em") and "lá": only "lạ mặt", "lạ hoắc", "không quen biết",
# "không ai quen", "không phải người (của) trường", "người ngoài" with a way in, or a bare
# "lạ" right after "có <someone>" and before a way in or a place ("có người lạ vào ktx").
# "Không quen" alone is also "not used to" ("anh ấy không quen ở ktx"): not without "biết".
_WHO = (
    r"nguoi|ng|ong|ba|chu|ga|thang cha|thang|thanh nien|ke|ai|(?:nguoi |ng )?(?:[đd]an ong"
    r"|phu nu)|co gai|anh"
)
_UNKNOWN = (
    r"la mat|la hoac|(?:ko|khong|k|kh|chua|chang) (?:\w+ )?quen (?:biet|bik|bit|mat)"
    r"|(?:ko|khong|k|chang|chua) ai (?:\w+ )?(?:quen|biet)|ai cung (?:ko|khong|k) (?:quen|biet)"
    r"|(?:ko|khong|k|kh) phai (?:la )?(?:nguoi|ng|hoc sinh|hs|giao vien|gv|nhan vien)"
    r" (?:cua |trong |o )?(?:truong|trg)"
)
# Inside a school place: not "trước cổng" (at the gate, outside: see the guard).
_INSIDE_PLACES = (
    r"truong|trg|lop|phong|nha ve sinh|nvs|wc|toilet|phong thay [đd]o|ktx|ki tuc xa|ky tuc xa"
    r"|noi tru|khu noi tru|hanh lang|nha the chat|phong the chat|toa nha|day nha|nha [a-h]"
    r"|khu [a-h]|tang \d+|can tin|canteen|thu vien|san truong|phong hoc|phong tam"
)
_GET_IN = (
    r"vao|vo|[đd]ot nhap|xam nhap|len vao|len vo|mo vao|treo tuong|treo rao|trong"
    r"|[đd]ang o|[đd]ang trong|o trong|[đd]i lang thang|lang thang|lang vang|[đd]i long vong"
    r"|long vong|[đd]i lai|tron|nup|tron trong|nup trong|khoa cua|tu nhot|nhot minh"
)
# Past and handled, without "xong rồi" ("đi vệ sinh xong rồi thấy...": just "done").
_OVER = r"nam ngoai|nam truoc|hoi truoc|thang truoc|tuan truoc|truoc [đd]ay|xu ly roi"
# What if: "nếu có người lạ vào trường", not "nếu ai thấy thì báo bảo vệ".
_IF = (
    r"(?:neu|neu nhu|neu ma|gia su|lo|ngo|lo nhu|ngo nhu|lo la|so la) (?:\w+ )?co (?:mot |1 )?"
    r"(?:nguoi|ng|ke|ong|ai|thang|ga)|lam sao khi|(?:phai )?lam gi (?:khi|neu)"
)
_NO_INTRUDER = (
    r"dien tap|tap huan|mo phong|gia vo|tap (?:so tan|phong chong)|ky nang song|ki nang song"
    r"|ngoai khoa|chuyen [đd]e|tuyen truyen|(?:xem|coi|chieu) (?:\w+ ){0,2}(?:video|clip)"
    r"|(?:video|clip|bai hoc|hoc|noi|day|ke) ve|canh giac voi"
    r"|tren mang|online|facebook|fb|zalo|tiktok|insta|inbox|ib|nhan tin|app|so la|may la"
    r"|hom qua|hom truoc|hom kia|toi qua|[đd]em qua|tuan roi|nam roi|thang roi"
    r"|(?:cong an|canh sat|bao ve|giam thi|hieu truong) (?:\w+ )?(?:[đd]a |da )?(?:bat (?:duoc"
    r"|[đd]uoc|roi|di|[đd]i|ong|no|han)|[đd]uoi|dan (?:ra|di|[đd]i)|[đd]ua (?:ra|di|[đd]i|ve)"
    r"|moi ra|giai quyet|xu ly)|(?:[đd]a |da )?bi bat (?:roi|di|[đd]i)"
    r"|hoa ra|thi ra|phu huynh|giao vien moi|thay moi|co moi|gv moi|day thay|hoc sinh moi"
    r"|hs moi|ban moi|chuyen truong|chuyen (?:\w+ )?(?:vao|den|toi) lop"
    r"|tho (?:sua|[đd]ien|nuoc|dieu hoa)|sua (?:[đd]ien|nuoc|dieu hoa|may|ong)|khach"
    r"|[đd]oan kiem tra|[đd]oan tham|truoc cong|ngoai cong|ngoai truong|ben ngoai truong|uoc"
    # A rule, not a report: "trường không cho người ngoài vào ktx".
    r"|(?:ko|khong|k|cam) (?:\w+ )?cho (?:\w+ )?(?:nguoi|ng) (?:ngoai|la)|cam (?:nguoi|ng)"
    r" (?:ngoai|la)|noi quy|quy [đd]inh|" + _IF + "|" + _OVER + "|" + _FICTION
)
_NOT_A_DRILL = (
    r"(?:ko|khong|k|chang) phai (?:la )?(?:dien tap|tap|gia vo|dua|phu huynh|giao vien|thay"
    r"|tho|khach)|ngay bay gio|ngay luc nay"
)
# "Ga" is also "gà" (chicken), "gả" (marry off), "gạ" (to proposition), "ga" (a station,
# a bed sheet, the accelerator); "hố ga" a manhole, "xì gà" a cigar, "nước có ga" a soda.
# So "ga" fires only as "khí ga", "bình ga", "bếp ga", with a leak verb, or in "mùi ga".
_GAS = r"khi (?:ga|gas)|binh (?:ga|gas)|bep (?:ga|gas)|(?<!ho )(?<!nha )gas"
_GA = r"(?<!ho )(?<!nha )(?<!xi )(?<!con )(?<!thit )ga"
_NO_GAS = (
    r"xang|cay xang|tram xang|[đd]o xang|diesel|xe may|xe hoi|o to|oto|xe bus|xe buyt"
    r"|tang ga|van ga|[đd]ap ga|chan ga|nuoc ngot|nuoc (?:\w+ ){0,2}co (?:ga|gas)|soda"
    r"|xi hoi|[đd]anh ram|[đd]ay hoi|sinh hoi|[đd]au bung|[đd]ay bung|hoi cay|luu [đd]an cay"
    r"|hut xi ga|[đd]ieu xi ga|xi ga cuba"
    r"|ga ran|ga nuong|ga luoc|ga hap|ga chien|ga quay|thit ga|com ga|kfc"
    r"|hom qua|hom truoc|hom kia|toi qua|tuan roi"
    r"|[đd]a sua|sua (?:\w+ )?(?:roi|xong)|tho (?:\w+ ){0,2}(?:[đd]a|da) (?:[đd]en|den|toi|sua"
    r"|xu ly)|tho (?:\w+ )?(?:[đd]en|den|toi) (?:sua|xu ly) (?:roi|r|xong)|[đd]a khoa van"
    r"|khoa van (?:roi|r|lai roi)|thay binh (?:moi )?roi|het mui roi|bao nham|dien tap"
    r"|(?:bai hoc|hoc|noi|video|clip) ve|(?:neu|gia su|lo|ngo) (?:\w+ ){0,2}(?:ro ri|bi ro|bi xi"
    r"|co mui)|lam sao khi|(?:phai )?lam gi (?:khi|neu)|" + _OVER + "|" + _FICTION
)

PATTERNS += (
    pattern(
        "vi.intruder",
        category="other",
        reason="reports an intruder: a stranger inside the school",
        sources=(
            rf"(?:{_WHO}) (?:\w+ )?(?:{_UNKNOWN}) (?:\w+ ){{0,3}}(?:{_GET_IN}) (?:\w+ ){{0,2}}"
            rf"(?:{_INSIDE_PLACES})",
            rf"(?:{_WHO}) (?:\w+ )?(?:{_UNKNOWN}) (?:\w+ ){{0,3}}(?:o|dung|[đd]ung) (?:\w+ )?"
            rf"(?:{_INSIDE_PLACES})",
            # A bare "lạ" only as "có <someone> lạ <a way in or a place>".
            rf"co (?:mot |1 |may |vai )?(?:{_WHO}) la (?:(?:[đd]ang|dang|vua|moi|tu nhien) )?"
            rf"(?:(?:{_GET_IN}|o|dung|[đd]ung) )(?:\w+ ){{0,2}}(?:{_INSIDE_PLACES})",
            rf"(?:{_INSIDE_PLACES}) (?:\w+ ){{0,3}}co (?:mot |1 )?(?:{_WHO}) (?:la mat|la hoac"
            r"|(?:ko|khong|k) ai quen)",
            # "trong ktx có người lạ, mọi người cẩn thận": "là" would be followed by more.
            rf"(?:{_INSIDE_PLACES}) (?:\w+ ){{0,3}}co (?:mot |1 |may |vai )?(?:{_WHO}) la"
            r"(?:$| (?:[đd]ang|dang|vua|kia|ko ai|khong ai|moi nguoi|cuu))",
            rf"(?:nguoi|ng|ke) ngoai (?:truong |trg )?(?:(?:[đd]ang|dang|vua|moi|tu) )?"
            rf"(?:{_GET_IN}) (?:\w+ ){{0,2}}(?:{_INSIDE_PLACES})",
            rf"(?:ke|thang|nguoi|ng) (?:[đd]ot nhap|xam nhap) (?:\w+ ){{0,3}}(?:{_INSIDE_PLACES})",
            rf"(?:[đd]ot nhap|xam nhap|len vao|len vo) (?:vao |vo )?(?:{_INSIDE_PLACES})",
        ),
        unless=_NO_INTRUDER,
        despite=_NOT_A_DRILL,
        positives=(
            "có người lạ mặt đang đi lang thang trong hành lang tầng 3, mở cửa từng lớp",
            "co ong la vao nha ve sinh nu roi khoa cua lai, tui em so qua",
            "có 1 thằng cha ko ai quen biết lẻn vào ktx nam, bảo vệ chưa thấy",
            "ng la hoac dang trong phong thay do nu truong t, cuu voi",
            "có kẻ đột nhập vào trường, đang trốn trong thư viện",
            "có người ngoài trường vô khu nội trú nữ, ko phải diễn tập đâu",
        ),
        negatives=(
            "hôm nay trường diễn tập tình huống có người lạ đột nhập vào lớp",
            "hôm qua có người lạ vào trường nhưng bảo vệ đã đuổi ra rồi",
            "tưởng có người lạ ở hành lang, hóa ra là phụ huynh lớp 6 đến đón con",
            "có chú thợ sửa điện vào lớp mình, với thầy mới dạy thay vào phòng 12",
            "nếu có người lạ vào trường thì mình phải làm gì vậy",
            "tiết kỹ năng sống cô cho xem video về người lạ mặt ở trường",
            "có ông lạ mặt nhắn tin trên facebook rủ mình ra trường chơi",
            "mẹ la em vào lớp trễ, anh ấy không quen ở ktx",
            "nội quy: trường không cho người ngoài vào ktx sau 10h",
        ),
    ),
    pattern(
        "vi.gas",
        category="other",
        reason="reports a gas leak or a smell of gas",
        sources=(
            rf"(?:ro ri|ro|xi|thoat) (?:ra )?(?:{_GAS})",
            r"ro ri (?:khi )?ga(?! (?:ran|nuong|luoc|hap|chien|quay|tau|giuong))",
            # "rò" alone is also "rõ" (clear: "rõ ràng"): only after "bị", "đang".
            rf"(?:{_GAS}) (?:\w+ ){{0,6}}(?:(?:(?:bi|[đd]ang|dang|van|lai) ){{1,2}}"
            r"(?:ro|xi|hong van)|(?:(?:bi|[đd]ang|dang|van|lai) ){0,2}(?:ro ri|xi ra|ro ra))",
            rf"{_GA} (?:(?:bi|[đd]ang|dang) ){{1,2}}(?:ro ri|ro|xi)",
            rf"(?:{_GAS}) (?:bi no|phat no|no tung|sap no)",
            # "mùi ga" is also "mùi gà" (chicken): not before a dish.
            r"mui (?:khi )?(?:gas|ga(?! (?:ran|nuong|luoc|hap|chien|quay|kho|xao|tiem|kfc|giuong"
            r"|tau|ta|con|cong nghiep|ac|xoi|nau)))",
        ),
        unless=_NO_GAS,
        despite=_NOT_A_DRILL,
        positives=(
            "căn tin có mùi gas nồng lắm, mấy bạn bị chóng mặt rồi",
            "phòng thí nghiệm hóa bị rò rỉ khí gas, cô chưa tới",
            "nha t binh ga bi xi, mui ga nong qua ko dam bat den",
            "bếp ga ở nhà ăn ktx đang bị rò, mùi nặng lắm",
        ),
        negatives=(
            "xe máy t bị rò xăng, ra cây xăng đổ lại mùi gas nồng",
            "thằng ngồi sau t xì hơi hoài, mùi gas kinh khủng luôn kk",
            "hôm qua phòng thí nghiệm bị rò rỉ khí gas nhưng thợ đã đến sửa rồi",
            "căn tin hôm nay có mùi gà rán thơm lắm",
            "chơi pubg bị ném lựu đạn cay, mùi gas trong game nhìn như thật",
            "bạn mình bị gả sang Trung Quốc, bố mẹ đòi tiền",
        ),
    ),
)
