"""Chinese life-threat patterns (simplified, common traditional forms; unspaced text).

Chinese has no spaces, so these patterns are compiled with `spaced=False`: no word
boundaries, and " ~ " is a gap of up to eight characters. Normalised text keeps the
ideographs; punctuation (，。！？) becomes a single space.
"""

from __future__ import annotations

from classifiers.patterns import Pattern, pattern

_FICTION = (
    r"游戏|遊戲|和平精英|吃鸡|王者|我的世界|原神|蛋仔|电影|電影|电视剧|電視劇|小说|小說|动漫|動漫"
    r"|漫画|角色|剧情|哈哈|开玩笑|開玩笑|玩笑|笑死|作文|故事|梗"
)
# Thoughts without a plan, or talk repeated for weeks: urgent at most, for the model.
_NO_PLAN = (
    r"没什么计划|没有计划|没计划|没说怎么做|没说哪天|不会做什么|不会真的|有时候|偶尔"
    r"|天天说|总说|老说|每天都"
)
_WHEN = r"明天|后天|後天|周[一二三四五六日]|星期[一二三四五六日天]|下周"
_PAST = r"去年|以前|之前|上个月|几个月前|已经处理|已经解决|处理过了|被开除|开除了|警察处理"
_PEOPLE = r"我|他|她|我们|他们|她们|我朋友|我同学|朋友|同学"
_WEAPONS = (
    r"手枪|步枪|猎枪|枪支|(?<![水躺中])枪(?!手|战|法)|(?<![水躺中])槍|(?<![剪开])刀(?![削片郎])"
    r"|匕首|砍刀|菜刀|水果刀|弹簧刀|炸弹|炸藥|炸药|手榴弹|凶器|管制刀具"
)
_PLACES = (
    # Not the dormitory: a knife kept in one is a worry, not a weapon brought to class.
    r"学校|學校|校园|校園|教室|(?<![上下加值])班|书包|書包|课桌|食堂|厕所|廁所|操场|校门"
    r"|更衣室|体育馆|走廊|教学楼|楼道"
)
_FIRE_FICTION = (
    r"演习|演練|演练|消防|烧烤|燒烤|蜡烛|生日|篝火|烟花|烟火|酒精灯|实验课|电子烟|抽烟|烟味|做饭"
    r"|" + _FICTION
)

PATTERNS: tuple[Pattern, ...] = (
    pattern(
        "zh.suicide_intent",
        category="self_harm",
        reason="talks about ending a life (suicide intent)",
        sources=(
            r"(?:想|要|去|准备|準備|打算|决定|決定)自[杀殺]|自我了断|轻生|寻死",
            # Reflexive only: "我妈会杀了我" is hyperbole about the reporter.
            r"[杀殺](?:了|死)自己|结束(?:自己的|我的)?(?:生命|性命)|了结(?:自己|生命)",
            rf"(?:{_PEOPLE})(?:今晚|今天晚上|今天|现在|马上|就|要|会){{1,3}}"
            r"(?:去死|结束这一切|结束一切)",
            r"不想活了|不想再活|活不下去了",
            r"(?:想|要|就|准备|打算)(?:去)?(?:从)?.{0,8}跳(?:楼|下去|河|江|桥)",
            r"没有我(?:大家|你们|他们)?(?:会)?(?:过得)?更好",
        ),
        unless=rf"羞死|尴尬|饿死|热死|困死|作业|笑死|游泳|泳池|跳水|蹦极|{_NO_PLAN}|{_FICTION}",
        positives=(
            "我今天晚上就去死，反正没人在乎我",
            "我朋友说她想自杀，药都准备好了",
            "有个同学站在天台边上说要跳下去",
        ),
        negatives=(
            "要是被我暗恋的人看到这条消息我就死了",
            "我妈看到成绩会杀了我",
            "我真的不想活了，但是没有计划，不会做什么",
            "我朋友经常说不想活了 没说怎么做也没说哪天",
        ),
        spaced=False,
    ),
    pattern(
        "zh.self_harm_act",
        category="self_harm",
        reason="describes self-harm happening now",
        sources=(
            r"割腕|割(?:自己的)?手腕|划(?:自己的)?手腕|自残|自殘",
            r"(?:在|正在)(?:割|划|伤害|傷害|弄伤)自己|用刀(?:片)?划(?:自己|手)",
        ),
        # Past and in care ("现在她在治疗了"), or a habit asked about ("一难受就…这算自残吗").
        unless=(
            r"以前|之前|去年|曾经|已经不|停了|好了|上学期|在治疗|治疗了|心理医生|心理咨询"
            r"|算(?:不算)?自残|一(?:难受|生气|焦虑|紧张|有压力|压力大)就|" + _FICTION
        ),
        # A habit or a relapse (again, scars, sleeves to hide it) is urgent (labelling.md)
        # unless it is acute: blood, now, a hospital.
        ongoing=r"又|伤疤|疤痕|长袖|遮|藏|经常|总是|老是",
        acute=r"现在|正在|流血|血|医院|很深",
        positives=(
            "她现在正在厕所里割腕，流了很多血",
            "他又在厕所割腕了，一直在流血",
        ),
        negatives=(
            "她以前自残过，现在已经好了",
            "上学期我那个朋友自残的事，现在她在治疗了",
            "我一难受就拿头撞墙，这算自残吗",
            "同桌好像自残，我看到她胳膊肘附近有疤痕",
        ),
        spaced=False,
    ),
    pattern(
        "zh.farewell",
        category="self_harm",
        reason="farewell signs (giving things away, goodbye note)",
        sources=(
            r"把(?:她|他|我|自己)?(?:的)?(?:猫|貓|狗|宠物|寵物|东西|東西|所有东西|游戏机|吉他|衣服)"
            r"(?:都|全)?(?:送|给|交给|留给|送给)",
            r"遗书|遺書|绝笔|告别信|告別信",
            r"(?:跟|和|向)(?:大家|所有人|每个人|每個人)(?:都)?(?:告别|告別|道别|道別|说再见|永别)",
        ),
        unless=(
            r"照顾几天|帮忙照顾|几天|旅游|旅行|出差|寒假|暑假|假期|寄养|过敏|搬家|生日|借给|还给"
            r"|出国|毕业|" + _FICTION
        ),
        positives=(
            "我朋友把她的猫送给我了，说她已经撑不下去了",
            "我在他书包里发现了几封遗书",
        ),
        negatives=("她把猫交给我照顾几天，她去旅游了",),
        spaced=False,
    ),
    pattern(
        "zh.weapon_school",
        category="weapon",
        reason="mentions a weapon at or near school",
        sources=(
            rf"(?:{_WEAPONS}) ~ (?:{_PLACES})",
            rf"(?:{_PLACES}) ~ (?:{_WEAPONS})",
            rf"(?:带|帶|拿|掏|藏|揣|亮)(?:了|着|著|出)?(?:一)?(?:把|支|个|根)?(?:{_WEAPONS})",
        ),
        unless=(
            r"水枪|玩具|假的|模型|仿真|塑料|橡皮|剪刀|厨房|做饭|切菜|切水果|削|画|漫展|道具|枪手|代考"
            r"|" + _PAST + "|" + _FICTION
        ),
        despite=r"真的|真枪|真刀|有子弹",
        positives=(
            "有个男生书包里带了枪，在三班",
            "有人带了把刀来学校",
            "他带了一把真枪来学校，不是玩具枪",
        ),
        negatives=(
            "我们放学后在操场打水枪",
            "去年有人带刀来学校，警察已经处理了",
            "班上有人考试找枪手",
        ),
        spaced=False,
    ),
    pattern(
        "zh.attack_plan",
        category="threat",
        reason="talks about a planned attack on people or the school",
        sources=(
            r"(?:血洗|屠杀|屠殺|扫射|掃射|炸掉|炸毁|炸了|炸)(?:学校|學校|校园|教室|全校|全班|食堂)",
            r"(?:杀光|殺光|杀了|杀死|砍死|捅死|弄死)(?:所有人|全班|全校|你们|你們|大家)",
            r"所有人都(?:得|要|会|會)死",
            rf"(?:{_WHEN})(?:请假|請假)(?:别|別|不要)(?:来|來)",
            rf"(?:{_WHEN})(?:别|別|不要)(?:来|來|去)(?:学校|學校|上学|上學|上课|上課)",
            rf"(?:叫|让|讓)(?:我们|我們|大家|你们|你們|我)(?:{_WHEN})(?:都)?(?:别|別|不要)(?:来|來)",
            r"(?:要|说要|說要)把(?:他|她)打(?:进|進|到)(?:医院|醫院|住院)|往死里打|废了他|廢了他",
            r"(?:要|准备|打算|约好|说要)(?:去)?(?:捅|砍|杀|殺|开枪打|开枪)(?:了|死)?(?:那个|他|她)",
            r"(?:要|准备|打算|约好)(?:去)?.{0,12}(?:围殴|圍毆|群殴)",
            r"校园枪击|校園槍擊|杀人名单|殺人名單|死亡名单",
        ),
        unless=(
            r"篮球|足球|比赛|比賽|照片|拍照|考试|考試|作业|作業|放假|停课|台风|下雨|生病|"
            + _FICTION
        ),
        positives=(
            "他跟我说明天别来学校，课间操的时候大家都会看到",
            "厕所墙上写着周五上午十点所有人都得死",
            "有人带了把刀来学校，说放学要捅了那个打过他的人",
        ),
        negatives=(
            "周六的篮球赛我们班要血虐他们",
            "我在和平精英里把他打死了五次哈哈",
            "明天台风，别来学校了",
        ),
        spaced=False,
    ),
)

_VICTIMS = r"我妈妈|我妈|我爸|我姐|我妹|我弟|我哥|我们|我|她|他|妈妈"
_PLAY = r"电话|電話|手机|视频|游戏|篮球|排球|羽毛球|乒乓|扑克|牌|麻将|打闹|闹着玩|拳击|跆拳道|训练"

PATTERNS += (
    pattern(
        "zh.abuse_now",
        category="abuse",
        reason="describes abuse happening now",
        sources=(
            rf"(?:在|正在)(?:打|揍|掐|踢|强奸|強姦|性侵|猥亵|虐待)(?:{_VICTIMS})",
            r"被(?:他|她|我)?(?:爸|妈|爸爸|妈妈|继父|继母|后爸|后妈|繼父)(?:锁|鎖|关|關)在",
            r"往(?:车|面包车|汽车|車)里(?:拽|拖|拉|塞|推)",
            rf"(?:说|說|威胁|威脅|扬言).{{0,12}}(?:打死|弄死|掐死)(?:{_VICTIMS})",
            r"不敢回家 ~~ (?:打死|打我|揍我|弄死)",
            r"把(?:我|我们|她|他)(?:锁|鎖|关|關)在",
            r"(?:硬拉|强行|強行|拖|拽|塞)(?:着|著)?.{0,8}(?:上|进|往)(?:了)?(?:面包车|汽车|车里|车)",
        ),
        unless=r"开玩笑|玩笑|哈哈|" + _PLAY + "|" + _FICTION,
        positives=(
            "我爸现在正在打我妈，我躲在房间里",
            "我今天不敢回家，我爸说我考成这样回去就打死我",
            "校门口有个男的硬拉一个女生上面包车",
        ),
        negatives=(
            "我妈看到成绩会杀了我",
            "我弟正在打我的电话",
        ),
        spaced=False,
    ),
    pattern(
        "zh.overdose",
        category="substance",
        reason="mentions an overdose or someone unresponsive",
        sources=(
            r"(?:服药|吃药|吸毒|用药|服藥|吃藥)过量|药物过量|過量服藥",
            r"(?:吃|吞|喝)了(?:一整瓶|一瓶|整瓶|一整盒|一盒|好多|很多|一把|所有的?|\d{2,}片|[5-9]片"
            r"|[十几]+片)(?:的)?(?:安眠药|安眠藥|药片|藥片|止痛药|药|藥)",
            r"叫(?:他|她)?(?:也|都)?(?:叫)?不醒|叫(?:他|她)(?:也|都)?没(?:有)?反应|不省人事",
            r"没(?:有)?(?:了)?呼吸|停止呼吸|不呼吸了|嘴唇发紫|嘴唇青紫|呼吸(?:很|非常|特别)?(?:弱|微弱)",
            r"(?:躺|倒|晕)(?:在)?(?:地上|地下|厕所).{0,6}(?:没(?:有)?反应|不动了|叫不醒)",
        ),
        unless=r"维生素|维他命|糖|起床|闹钟|赖床|睡懒觉|睡得|统计|作业|报告|" + _FICTION,
        positives=(
            "我朋友在聚会上吃了不知道什么药，现在叫不醒，嘴唇发紫",
            "她吃了一整瓶安眠药",
        ),
        negatives=(
            "我吃了两片布洛芬，头不疼了",
            "我弟早上叫不醒，每天都赖床",
        ),
        spaced=False,
    ),
    pattern(
        "zh.fire",
        category="other",
        reason="reports a fire",
        sources=(
            r"(?<![没沒未])(?<!没有)(?:着火|著火|起火|失火|烧起来了|燒起來了)|火灾|火災",
            r"(?:学校|學校|教学楼|宿舍|教室|实验室|實驗室|体育馆|體育館|食堂|厕所|楼|樓|房子|家里)"
            r"(?:后面|里面|里|那边)?(?:一直)?(?:在)?(?:冒烟|冒黑烟|冒煙)",
        ),
        # A wish or a search, not a fire now ("要是学校着火就好了", "哪里最容易起火").
        unless=r"要是|就好了|想看|容易起火|新闻|新聞|" + _FIRE_FICTION,
        positives=(
            "男生宿舍三楼起火了，有人被困在里面",
            "体育馆后面一直在冒黑烟",
        ),
        negatives=(
            "今天学校搞消防演习，说实验楼着火了",
            "有人在厕所抽烟，整层楼都是烟味",
            "我同桌天天说要是学校着火就好了",
            "他还查过哪里的电线最容易起火",
        ),
        spaced=False,
    ),
    pattern(
        "zh.arson",
        category="threat",
        reason="talks about setting a fire",
        sources=(
            r"(?:烧了|燒了|烧掉|燒掉|放火烧|放火燒|点火烧|一把火烧)(?:了)?(?:学校|學校|教学楼|宿舍|教室"
            r"|体育馆|食堂|房子|垃圾桶)",
            r"(?:要|想|准备|打算|说要)(?:去)?(?:放火|纵火|縱火)|纵火|縱火|在.{0,8}放火",
            r"把.{0,10}(?:学校|學校|宿舍|教学楼|教室|体育馆|食堂|楼|樓)(?:给)?(?:烧|燒)(?:了|掉)",
            r"(?<!燃)(?:烧|燒)(?:了|掉)?(?:学校|學校|宿舍|教学楼|教室|体育馆|食堂)",
        ),
        unless=r"新闻|新聞|" + _FIRE_FICTION,
        positives=("他说要放火烧学校",),
        negatives=("我在游戏里放火烧了学校哈哈", "他最近在搜纵火的新闻"),
        spaced=False,
    ),
)
