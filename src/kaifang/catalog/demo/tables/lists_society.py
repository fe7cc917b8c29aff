"""Lists of the social domains (市场监管 … 机构团体), declared column by column."""

from __future__ import annotations

from kaifang.catalog.demo import fake, vocab
from kaifang.catalog.demo.fake import (
    COUNTY,
    COUNTY_SHORT,
    PLACE,
    ROAD,
    SURNAME,
    TOWN,
    TRADE,
    address,
    choice,
    company,
    coords,
    county,
    credit,
    date,
    integer,
    number,
    person,
    sequence,
    text,
)
from kaifang.catalog.demo.tables.base import (
    OFFENCES_ADS,
    OFFENCES_MARKET,
    OFFENCES_ORGS,
    Kind,
    Y,
    directory,
    facilities,
    indicators,
    licences,
    organisations,
    penalties,
)
from kaifang.catalog.demo.tables.lists_public import CATEGORY_SCENIC

KINDS: dict[str, Kind] = {
    # 市场监管
    "individual_businesses": directory(
        credit("统一社会信用代码", "92"),
        text(
            "个体工商户名称",
            COUNTY_SHORT,
            TOWN,
            SURNAME,
            ("记小吃店", "家便利店", "氏五金店", "记水果店", "美发店"),
        ),
        person("经营者", masked=True),
        choice("组成形式", ("个人经营", "家庭经营"), (85, 15)),
        choice("经营范围", ("餐饮服务", "食品销售", "日用百货零售", "美容美发服务", "五金零售")),
        date("注册日期", 15, 1.8),
        address("经营场所"),
        county(),
    ),
    "lic_food": licences(
        "食品经营许可证",
        "JY1",
        ("预包装食品销售（含冷藏冷冻食品）", "热食类食品制售", "糕点类食品制售", "自制饮品制售"),
        "市场监督管理局",
        5,
    ),
    "product_sampling": directory(
        sequence("抽查编号", "ZJCC2025", 6),
        choice(
            "产品名称",
            (
                "电动自行车",
                "儿童服装",
                "电线电缆",
                "家用燃气灶具",
                "学生用品",
                "电热水壶",
                "插头插座",
                "安全帽",
            ),
        ),
        company("生产企业"),
        choice("规格型号", ("标准型", "TDR-1800", "BV-2.5mm²", "JZT-2C", "A4")),
        choice("抽查结果", ("合格", "不合格"), (93, 7)),
        date("抽样日期", 1),
        county(),
    ),
    "metrology": organisations(
        ("机构名称", (PLACE, ("计量检定测试院", "质量技术监督检测研究院", "计量测试所")), ""),
        "12",
        (("法定计量检定机构", "授权计量检定机构"),),
        head="负责人",
    ),
    "certifiers": organisations(
        ("机构名称", (PLACE, TRADE, "认证有限公司"), ""),
        "91",
        (("管理体系认证", "产品认证", "服务认证"),),
        head="法定代表人",
    ),
    "ind_trademarks": indicators(
        (
            ("商标申请量", "件", 9800, 0.02, 0.1, 0),
            ("商标注册量", "件", 7600, 0.0, 0.1, 0),
            ("有效注册商标量", "件", 320000, 0.06, 0, 0),
        ),
        "quarter",
    ),
    "ind_complaints": indicators(
        (
            ("投诉件数", "件", 22000, 0.05, 0.15, 0),
            ("举报件数", "件", 6400, 0.02, 0.15, 0),
            ("为消费者挽回经济损失", "万元", 1900, 0.03, 0.2, 1),
        )
    ),
    "abnormal_list": directory(
        credit(),
        company(),
        choice(
            "列入经营异常名录原因",
            (
                "未按照规定报送年度报告",
                "通过登记的住所或者经营场所无法联系",
                "未按规定公示即时信息",
            ),
            (70, 25, 5),
        ),
        date("列入日期", 3, 0.9),
        text("作出决定机关", COUNTY, "市场监督管理局"),
        county(),
    ),
    "penalties_ads": penalties("市场监督管理局", OFFENCES_ADS),
    "penalties_market": penalties("市场监督管理局", OFFENCES_MARKET),
    "lic_cosmetics": licences(
        "化妆品生产许可证", "浙妆", ("一般液态单元", "膏霜乳液单元", "粉单元"), "药品监督管理局", 5
    ),
    "lic_devices": licences(
        "第二类医疗器械经营备案凭证", "浙杭食药监械经营备", ("Ⅱ类医疗器械",), "市场监督管理局", 10
    ),
    # 社会救助
    "ind_dibao": indicators(
        (
            ("城乡低保对象人数", "人", 26000, -0.02, 0, 0),
            ("城乡低保保障金支出", "万元", 3100, 0.05, 0, 1),
            ("低保标准", "元/月", 1150, 0.06, 0, 0, False),
        )
    ),
    "ind_tekun": indicators(
        (("特困供养人员数", "人", 3800, -0.01, 0, 0), ("特困供养资金支出", "万元", 820, 0.04, 0, 1))
    ),
    "ind_temp_relief": indicators(
        (("临时救助人次", "人次", 2300, 0.02, 0.3, 0), ("临时救助金额", "万元", 460, 0.03, 0.3, 1)),
        "quarter",
    ),
    "ind_disability_subsidy": indicators(
        (
            ("困难残疾人生活补贴人数", "人", 11000, 0.0, 0, 0),
            ("重度残疾人护理补贴人数", "人", 14000, 0.02, 0, 0),
        ),
        "quarter",
    ),
    "elderly_homes": facilities(
        (
            "机构名称",
            (COUNTY_SHORT, TOWN, ("敬老院", "颐养院", "社会福利中心", "养老服务中心")),
            "",
        ),
        (("公办", "公建民营", "民办"), (40, 25, 35)),
        integer("床位数", 30, 900, log=True, desc="张"),
        integer("护理型床位数", 10, 500, log=True, desc="张"),
        with_hours=False,
    ),
    "home_care_centres": facilities(
        ("中心名称", (TOWN, ROAD, ("社区居家养老服务照料中心", "颐养中心")), ""),
        (("乡镇（街道）级", "村（社区）级"), (25, 75)),
        choice("助餐服务", Y, (70, 30)),
    ),
    "relief_stations": facilities(
        ("救助站名称", (COUNTY, ("救助管理站",)), ""), (("救助管理站",),)
    ),
    "child_welfare": facilities(
        ("机构名称", (COUNTY, ("儿童福利院", "未成年人救助保护中心")), ""),
        (("儿童福利机构", "未成年人救助保护机构"),),
        integer("床位数", 20, 300, desc="张"),
        with_hours=False,
    ),
    "disability_services": facilities(
        ("机构名称", (COUNTY_SHORT, TOWN, ("康复中心", "残疾人之家", "辅助器具服务中心")), ""),
        (("康复", "托养", "辅具服务"),),
        integer("服务人数", 10, 400, desc="人"),
    ),
    "charities": organisations(
        ("组织名称", (PLACE, TRADE, ("慈善基金会", "公益服务中心", "慈善会")), ""),
        "53",
        (("慈善组织", "具有公开募捐资格的慈善组织"), (60, 40)),
        head="法定代表人",
        founded="认定日期",
    ),
    "social_work_orgs": organisations(
        ("机构名称", (COUNTY_SHORT, TRADE, "社会工作服务中心"), ""),
        "52",
        (("综合服务", "青少年服务", "为老服务", "残障服务"),),
    ),
    "funeral_services": facilities(
        ("机构名称", (COUNTY, ("殡仪馆", "公益性公墓", "殡葬服务站")), ""),
        (("殡仪馆", "公墓", "服务站"), (30, 40, 30)),
    ),
    "meal_points": facilities(
        ("助餐点名称", (TOWN, ROAD, ("老年食堂", "长者食堂", "助餐点")), ""),
        (("中央厨房", "老年食堂", "助餐点"), (10, 40, 50)),
        integer("日均就餐人数", 20, 400, desc="人"),
        choice("供餐时段", ("午餐", "午餐、晚餐"), (60, 40)),
    ),
    "marriage_offices": facilities(
        ("名称", (COUNTY, ("民政局婚姻登记处",)), ""), (("婚姻登记处",),)
    ),
    # 法律服务
    "law_firms": organisations(
        ("律师事务所名称", (PLACE, TRADE, "律师事务所"), "分所"),
        "31",
        (("普通合伙", "特殊普通合伙", "个人所"), (70, 5, 25)),
        integer("执业律师人数", 3, 260, log=True, desc="人"),
        sequence("执业许可证号", "3133", 11),
        head="主任",
    ),
    "notaries": organisations(
        ("公证处名称", (COUNTY, "公证处"), ""),
        "12",
        (("事业单位", "合作制"), (80, 20)),
        integer("公证员人数", 3, 40),
        head="主任",
    ),
    "forensic": organisations(
        ("机构名称", (PLACE, TRADE, "司法鉴定所"), ""),
        "52",
        (("法医临床鉴定", "法医病理鉴定", "文书鉴定", "声像资料鉴定", "环境损害鉴定"),),
        head="负责人",
    ),
    "legal_aid": facilities(
        ("机构名称", (COUNTY, ("法律援助中心",)), "工作站"), (("法律援助中心",),)
    ),
    "mediation": organisations(
        ("调委会名称", (TOWN, ROAD, ("人民调解委员会", "社区人民调解委员会")), ""),
        "53",
        (("村（居）调委会", "乡镇（街道）调委会", "行业性专业性调委会"), (60, 25, 15)),
        integer("调解员人数", 3, 20),
        head="主任",
    ),
    "grassroots_legal": organisations(
        ("服务所名称", (COUNTY_SHORT, TOWN, "法律服务所"), ""),
        "52",
        (("法律服务所",),),
        integer("法律服务工作者人数", 1, 12),
    ),
    "arbitration": organisations(
        ("仲裁委员会名称", (PLACE, ("仲裁委员会",)), ""), "12", (("商事仲裁",),), head="主任"
    ),
    "legal_service_points": facilities(
        ("站点名称", (TOWN, ("公共法律服务工作站", "公共法律服务中心")), ""),
        (("中心", "工作站", "工作室"), (15, 50, 35)),
    ),
    "law_education_bases": facilities(
        ("基地名称", (COUNTY_SHORT, ("法治文化公园", "宪法主题公园", "青少年法治教育基地")), ""),
        (("国家级", "省级", "市级"), (5, 30, 65)),
        with_phone=False,
    ),
    "ind_legal_aid": indicators(
        (("法律援助案件数", "件", 2100, 0.03, 0.1, 0), ("受援人数", "人", 2400, 0.03, 0.1, 0)),
        "quarter",
    ),
    "ind_lawyers": indicators(
        (("执业律师人数", "人", 2900, 0.07, 0, 0), ("律师事务所数量", "家", 180, 0.04, 0, 0)),
        "year",
    ),
    "ind_review_cases": indicators(
        (
            ("行政复议收案数", "件", 680, 0.1, 0.1, 0),
            ("行政复议纠错率", "%", 11.5, 0.0, 0, 1, False),
        ),
        "quarter",
    ),
    # 生活服务
    "scenic_spots": facilities(
        (
            "景区名称",
            (COUNTY_SHORT, (*vocab.TOWN_WORDS[:30],), ("景区", "风景区", "旅游区", "古镇")),
            "",
        ),
        CATEGORY_SCENIC,
        choice("门票", ("免费", "40元", "60元", "80元", "120元")),
        spread=0.12,
    ),
    "hotels": facilities(
        ("饭店名称", (COUNTY_SHORT, TRADE, ("大酒店", "宾馆", "国际酒店", "饭店")), ""),
        (("五星级", "四星级", "三星级", "二星级"), (10, 30, 45, 15)),
        integer("客房数", 60, 600, desc="间"),
        with_hours=False,
    ),
    "travel_agencies": organisations(
        ("旅行社名称", (PLACE, TRADE, "国际旅行社有限公司"), "营业部"),
        "91",
        (("国内旅游和入境旅游", "出境旅游"), (65, 35)),
        sequence("经营许可证号", "L-ZJ-", 6),
        head="法定代表人",
    ),
    "homestays": facilities(
        ("民宿名称", (TOWN, SURNAME, ("家民宿", "院", "山居", "小筑")), ""),
        (("白金宿", "金宿", "银宿", "未评级"), (5, 15, 25, 55)),
        integer("客房数", 3, 14, desc="间"),
        spread=0.15,
    ),
    "toilets": facilities(
        ("厕所名称", (ROAD, ("公厕", "公共厕所", "旅游厕所")), ""),
        (("一类", "二类", "三类"), (20, 55, 25)),
        choice("无障碍设施", Y, (80, 20)),
        with_phone=False,
    ),
    "housekeeping": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, "家政服务有限公司"), ""),
        "91",
        (("母婴护理", "养老护理", "保洁", "综合"),),
        integer("从业人员数", 5, 500, log=True),
    ),
    "water_offices": facilities(
        ("营业厅名称", (COUNTY, ("自来水公司营业厅", "供水服务网点")), ""),
        (("营业厅", "服务网点"),),
    ),
    "post_offices": facilities(
        ("网点名称", (COUNTY_SHORT, TOWN, ("邮政支局", "邮政所", "邮政营业所")), ""),
        (("自办", "代办"), (70, 30)),
        sequence("邮政编码", "31", 4),
    ),
    "courier_points": facilities(
        ("网点名称", (TOWN, ROAD, ("快递服务站", "驿站", "智能快件箱")), ""),
        (("末端服务站", "智能快件箱", "快递超市"), (45, 35, 20)),
    ),
    "cinemas": facilities(
        ("影院名称", (COUNTY_SHORT, TRADE, ("国际影城", "影城", "电影院")), ""),
        (("多厅影院", "单厅影院"), (90, 10)),
        integer("影厅数", 3, 14, desc="个"),
    ),
    "venues": facilities(
        ("场所名称", (COUNTY_SHORT, TRADE, ("大剧院", "演艺中心", "音乐厅", "剧场")), ""),
        (("剧场", "演艺场所", "音乐厅"),),
        integer("座位数", 200, 1800),
    ),
    "service_centres": facilities(
        ("中心名称", (COUNTY, ("行政服务中心", "政务服务中心", "便民服务中心")), ""),
        (("县级", "乡镇（街道）级"), (30, 70)),
        integer("窗口数", 10, 120),
    ),
    "realestate_registry": facilities(
        ("网点名称", (COUNTY, ("不动产登记服务中心",)), "分中心"),
        (("登记中心", "便民服务点"), (40, 60)),
    ),
    "ind_tourism": indicators(
        (
            ("接待国内游客人次", "万人次", 1500, 0.06, 0.25, 2),
            ("国内旅游收入", "亿元", 170, 0.07, 0.25, 2),
            ("入境游客人次", "万人次", 8, 0.2, 0.2, 2),
        ),
        "quarter",
    ),
    # 气象服务
    "weather_stations": facilities(
        ("站点名称", (COUNTY_SHORT, ("国家基本气象站", "国家一般气象站", "区域自动气象站")), ""),
        (("国家站", "区域站"), (20, 80)),
        number("海拔高度", 2, 1500, 1, log=True, desc="米"),
        with_hours=False,
        with_phone=False,
    ),
    "ind_sunshine": indicators(
        (
            ("日照时数", "小时", 150, 0.0, 0.3, 1, False),
            ("平均气温", "摄氏度", 17.8, 0.005, 0.6, 1, False),
            ("降水量", "毫米", 130, 0.0, 0.5, 1, False),
        )
    ),
    "ind_hot_days": indicators(
        (
            ("高温日数（≥35℃）", "天", 25, 0.02, 0, 0, False),
            ("极端最高气温", "摄氏度", 40.2, 0.002, 0, 1, False),
        ),
        "year",
    ),
    "ind_climate": indicators(
        (
            ("年平均气温", "摄氏度", 18.1, 0.003, 0, 1, False),
            ("年降水量", "毫米", 1650, 0.0, 0, 0, False),
            ("年日照时数", "小时", 1720, 0.0, 0, 0, False),
        ),
        "year",
    ),
    "ind_agro_weather": indicators(
        (
            ("旬平均气温", "摄氏度", 18, 0.0, 0.6, 1, False),
            ("旬降水量", "毫米", 45, 0.0, 0.5, 1, False),
            ("旬日照时数", "小时", 50, 0.0, 0.3, 1, False),
        ),
        "month",
    ),
    "weather_mod_sites": facilities(
        ("作业点名称", (COUNTY_SHORT, TOWN, ("人工影响天气作业点",)), ""),
        (("固定作业点", "流动作业点"), (60, 40)),
        choice("作业装备", ("高炮", "火箭", "地面烟炉")),
        with_hours=False,
        with_phone=False,
    ),
    "weather_key_units": organisations(
        ("单位名称", (COUNTY_SHORT, TRADE, ("化工", "港务", "电力", "旅游开发"), "有限公司"), ""),
        "91",
        (("易燃易爆场所", "人员密集场所", "交通枢纽"),),
        head="气象灾害防御责任人",
    ),
    # 地理空间
    "surveyors": organisations(
        ("单位名称", (PLACE, TRADE, ("测绘", "地理信息", "勘测规划"), "有限公司"), ""),
        "91",
        (("甲级", "乙级"), (20, 80)),
        sequence("测绘资质证书编号", "乙测资字3350", 4),
        head="法定代表人",
    ),
    "rivers": directory(
        text("河流名称", (*vocab.TOWN_WORDS,), ("溪", "江", "港", "河")),
        choice("所属流域", ("钱塘江", "瓯江", "椒江", "甬江", "苕溪", "运河", "飞云江", "鳌江")),
        number("河长", 5, 300, 1, log=True, desc="千米"),
        number("流域面积", 20, 5000, 1, log=True, desc="平方千米"),
        county("流经区县"),
        person("河长（县级）"),
    ),
    "lakes": directory(
        text("湖泊名称", (*vocab.TOWN_WORDS,), ("湖", "荡", "漾")),
        number("水面面积", 0.1, 60, 2, log=True, desc="平方千米"),
        number("平均水深", 1, 8, 1, desc="米"),
        county(),
        coords(0.06),
    ),
    "islands": directory(
        text("海岛名称", (*vocab.TOWN_WORDS,), ("岛", "山", "礁")),
        choice("海岛类别", ("有居民海岛", "无居民海岛"), (15, 85)),
        number("岸线长度", 0.2, 120, 2, log=True, desc="千米"),
        number("面积", 0.001, 500, 3, log=True, desc="平方千米"),
        county(),
        coords(0.2),
    ),
    "ind_farmland": indicators(
        (("耕地面积", "万亩", 190, -0.002, 0, 2), ("永久基本农田面积", "万亩", 165, 0.0, 0, 2)),
        "year",
    ),
    "ind_land_use": indicators(
        (
            ("建设用地面积", "公顷", 65000, 0.01, 0, 0),
            ("林地面积", "公顷", 540000, 0.0, 0, 0),
            ("湿地面积", "公顷", 21000, 0.0, 0, 0),
        ),
        "year",
    ),
    # 机构团体
    "social_orgs": organisations(
        ("社会组织名称", (PLACE, TRADE, ("协会", "商会", "研究会", "促进会", "服务中心")), ""),
        "51",
        (("社会团体", "民办非企业单位", "基金会"), (55, 40, 5)),
        text("业务主管单位", PLACE, ("民政局", "教育局", "科学技术协会", "工商业联合会")),
        number("注册资金", 3, 1000, 1, log=True, desc="万元"),
        head="法定代表人",
        founded="成立登记日期",
    ),
    "public_institutions": organisations(
        (
            "单位名称",
            (
                COUNTY,
                (
                    "农业技术推广中心",
                    "疾病预防控制中心",
                    "文化馆",
                    "档案馆",
                    "图书馆",
                    "公共资源交易中心",
                    "城市规划设计院",
                ),
            ),
            "",
        ),
        "12",
        (("公益一类", "公益二类"), (70, 30)),
        number("开办资金", 10, 5000, 1, log=True, desc="万元"),
        text("举办单位", COUNTY, ("人民政府", "农业农村局", "卫生健康局", "文化广电旅游局")),
        head="法定代表人",
    ),
    "trade_associations": organisations(
        (
            "名称",
            (
                PLACE,
                ("服装", "五金", "物流", "电子商务", "茶叶", "建筑业", "软件"),
                ("行业协会", "商会"),
            ),
            "",
        ),
        "51",
        (("行业协会", "商会"), (60, 40)),
        integer("会员单位数", 20, 900, log=True),
        head="会长",
    ),
    "foundations": organisations(
        ("基金会名称", (PLACE, TRADE, ("教育", "慈善", "医疗救助", "生态保护"), "基金会"), ""),
        "53",
        (("公募基金会", "非公募基金会"), (30, 70)),
        number("原始基金", 200, 5000, 0, desc="万元"),
        head="理事长",
    ),
    "private_nonprofits": organisations(
        (
            "单位名称",
            (COUNTY_SHORT, TRADE, ("社会工作服务中心", "养老院", "培训学校", "康复中心")),
            "",
        ),
        "52",
        (("教育", "卫生", "社会服务", "文化"),),
        number("开办资金", 3, 500, 1, log=True, desc="万元"),
    ),
    "unions": organisations(
        ("工会名称", (COUNTY_SHORT, TRADE, ("有限公司工会委员会", "股份有限公司工会")), ""),
        "81",
        (("基层工会", "联合工会"), (80, 20)),
        integer("会员人数", 25, 3000, log=True),
        head="工会主席",
    ),
    "religious_sites": facilities(
        fake.named(
            "场所名称",
            (COUNTY_SHORT, vocab.TOWN_WORDS[:25]),
            (
                ("寺", "佛教", 40),
                ("禅寺", "佛教", 12),
                ("道观", "道教", 15),
                ("基督教堂", "基督教", 25),
                ("天主堂", "天主教", 8),
            ),
            "宗教",
        ),
        None,
        with_phone=False,
    ),
    "org_ratings": organisations(
        ("组织名称", (PLACE, TRADE, ("协会", "服务中心", "促进会")), ""),
        "51",
        (("5A", "4A", "3A", "2A"), (8, 27, 50, 15)),
        choice("评估年度", ("2023", "2024", "2025")),
        head="法定代表人",
    ),
    "org_inspections": organisations(
        ("组织名称", (PLACE, TRADE, ("协会", "服务中心", "研究会")), ""),
        "51",
        (("合格", "基本合格", "不合格"), (85, 10, 5)),
        choice("检查年度", ("2024", "2025")),
        head="法定代表人",
    ),
    "agencies": organisations(
        (
            "机关名称",
            (COUNTY, ("人民政府办公室", "发展和改革局", "财政局", "教育局", "民政局", "司法局")),
            "",
        ),
        "11",
        (("党政机关",),),
        head="负责人",
    ),
    "volunteer_orgs": organisations(
        ("组织名称", (COUNTY_SHORT, TRADE, ("志愿者协会", "志愿服务队")), ""),
        "51",
        (("社会团体", "未登记志愿服务组织"), (60, 40)),
        integer("注册志愿者人数", 20, 5000, log=True),
        head="负责人",
    ),
    "penalties_orgs": penalties("民政局", OFFENCES_ORGS),
}
