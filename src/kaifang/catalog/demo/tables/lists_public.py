"""Lists of the public-service domains (信用服务 … 教育文化), declared column by column."""

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
    hours,
    integer,
    number,
    person,
    phone,
    sequence,
    text,
)
from kaifang.catalog.demo.tables.base import (
    OFFENCES_DUAL,
    Kind,
    Y,
    credit_ratings,
    directory,
    facilities,
    indicators,
    licences,
    organisations,
    penalties,
)
from kaifang.catalog.demo.tables.observations import HIGHWAYS

HOSPITAL_KINDS = (
    ("第一人民医院", "综合医院", 14),
    ("第二人民医院", "综合医院", 8),
    ("人民医院", "综合医院", 14),
    ("中医院", "中医医院", 14),
    ("妇幼保健院", "妇幼保健院", 10),
    ("中西医结合医院", "中西医结合医院", 4),
    ("口腔医院", "专科医院", 4),
    ("精神卫生中心", "专科医院", 4),
    ("骨伤医院", "专科医院", 2),
    ("肿瘤医院", "专科医院", 2),
)

HOSPITALS = directory(
    fake.named("机构名称", (COUNTY,), HOSPITAL_KINDS, "机构类别", dup="院区"),
    choice("等级", ("三级甲等", "三级乙等", "二级甲等", "二级乙等"), (22, 13, 45, 20)),
    choice("经营性质", ("公立", "非公立"), (85, 15)),
    integer("核定床位数", 120, 3200, log=True, desc="张"),
    address(),
    phone(),
    county(),
    coords(),
)

CLINICS = directory(
    text(
        "机构名称",
        COUNTY_SHORT,
        TOWN,
        ("社区卫生服务中心", "卫生院", "社区卫生服务站"),
        unique=True,
        dup="分中心",
    ),
    choice("机构类别", ("社区卫生服务中心", "乡镇卫生院", "社区卫生服务站"), (45, 35, 20)),
    integer("全科医生数", 3, 60, desc="人"),
    address(),
    phone(),
    hours("门诊时间"),
    county(),
    coords(),
)

PHARMACIES = directory(
    text("药店名称", TRADE, "大药房（", ROAD, "店）", unique=True),
    credit(),
    choice("经营方式", ("零售（连锁）", "零售（单体）"), (75, 25)),
    choice("医保定点", ("是", "否"), (80, 20)),
    address(),
    phone(),
    hours("营业时间"),
    county(),
    coords(),
)

SCHOOL_WORDS = (
    "实验",
    "第一",
    "第二",
    "城关",
    "育才",
    "春晖",
    "明珠",
    "崇文",
    "求是",
    "紫阳",
    "新世纪",
    "行知",
    "东方",
    "文澜",
    "天长",
    "胜利",
    "钱塘",
    "学军",
)

SCHOOL_KINDS = (
    ("小学", "小学", 52),
    ("初级中学", "初中", 14),
    ("中学", "初中", 12),
    ("高级中学", "高中", 14),
    ("九年一贯制学校", "九年一贯制", 8),
)

SCHOOLS = directory(
    fake.named("学校名称", (COUNTY, SCHOOL_WORDS), SCHOOL_KINDS, "学段", dup="校区"),
    choice("办学性质", ("公办", "民办"), (88, 12)),
    integer("在校学生数", 180, 3600, log=True, desc="人"),
    integer("教职工数", 20, 320, log=True, desc="人"),
    address(),
    phone(),
    county(),
    coords(),
)

KINDERGARTENS = directory(
    text(
        "幼儿园名称",
        COUNTY_SHORT,
        (*SCHOOL_WORDS, "阳光", "星星", "彩虹", "蓝天"),
        "幼儿园",
        unique=True,
        dup="分园",
    ),
    choice("办园性质", ("公办", "普惠性民办", "民办"), (55, 35, 10)),
    choice("等级", ("省一级", "省二级", "省三级", "准办园"), (20, 45, 30, 5)),
    integer("班级数", 3, 24),
    integer("在园幼儿数", 60, 720, desc="人"),
    address(),
    phone(),
    county(),
    coords(),
)

UNIVERSITIES = directory(
    text(
        "学校名称",
        PLACE,
        (
            "理工",
            "科技",
            "师范",
            "财经",
            "医科",
            "工商",
            "传媒",
            "农林",
            "交通职业技术",
            "机电职业技术",
            "建设职业技术",
            "旅游职业",
        ),
        ("大学", "学院"),
        unique=True,
    ),
    choice("办学层次", ("本科", "高职（专科）"), (55, 45)),
    choice("主管部门", ("省教育厅", "省卫生健康委", "市人民政府", "省交通运输厅")),
    integer("在校生数", 4000, 40000, log=True, desc="人"),
    address(),
    phone(),
    county(),
    coords(),
)


FACTORIES = ("纺织", "化纤", "机械", "电器", "汽车零部件", "新材料")

CATEGORY_SCENIC = (("5A级", "4A级", "3A级", "2A级"), (3, 25, 55, 17))


KINDS: dict[str, Kind] = {
    # 信用服务
    "credit_public": credit_ratings(
        "浙江省公共信用信息平台", ("优", "良", "中", "差"), (30, 50, 15, 5)
    ),
    "credit_construction": credit_ratings("浙江省住房和城乡建设厅"),
    "credit_transport": credit_ratings(
        "浙江省交通运输厅", ("AAA", "AA", "A", "B"), (15, 40, 35, 10)
    ),
    "tax_credit_a": directory(
        credit("纳税人识别号"),
        company("纳税人名称"),
        choice("评价年度", ("2023", "2024", "2025")),
        choice("信用级别", ("A",)),
        county("主管税务机关所在地"),
    ),
    "licences_dual": licences(
        "行政许可决定书", "XK", ("准予许可", "准予变更", "准予延续"), "市场监督管理局", 5
    ),
    "penalties_dual": penalties("市场监督管理局", OFFENCES_DUAL),
    "blacklist": directory(
        credit(),
        company(),
        person("法定代表人"),
        choice(
            "列入事由",
            (
                "被列入经营异常名录届满3年仍未履行相关义务",
                "提交虚假材料取得登记",
                "因危害食品药品安全被处以较重行政处罚",
            ),
        ),
        date("列入日期", 4, 0.9),
        choice("作出决定机关", ("浙江省市场监督管理局",)),
        county(),
    ),
    "honor_list": directory(
        credit(),
        company(),
        choice("公示年度", ("2023-2024年度", "2024-2025年度")),
        choice("认定级别", ("省级", "市级"), (30, 70)),
        county(),
    ),
    "credit_repair": directory(
        credit(),
        company(),
        choice("修复事项", ("行政处罚信息", "经营异常名录", "严重失信主体名单")),
        date("修复日期", 2, 1.2),
        choice("修复机关", ("浙江省发展和改革委员会", "浙江省市场监督管理局")),
        county(),
    ),
    "credit_agencies": organisations(
        ("机构名称", (PLACE, TRADE, ("信用管理", "信用评估", "征信服务"), "有限公司"), ""),
        "91",
        (("信用评级", "征信服务", "信用咨询"),),
    ),
    # 医疗卫生
    "ind_disease": indicators(
        (
            ("乙类传染病发病数", "例", 900, 0.0, 0.2, 0),
            ("丙类传染病发病数", "例", 3400, 0.02, 0.35, 0),
            ("法定传染病死亡数", "例", 6, 0.0, 0.1, 0),
        ),
        "month",
    ),
    "ind_health_resources": indicators(
        (
            ("医疗卫生机构数", "个", 3100, 0.02, 0, 0),
            ("卫生技术人员数", "人", 54000, 0.04, 0, 0),
            ("医疗机构床位数", "张", 33000, 0.03, 0, 0),
            ("每千人口执业（助理）医师数", "人", 3.9, 0.03, 0, 2, False),
        ),
        "year",
    ),
    "blood_points": facilities(
        fake.named(
            "献血点名称",
            (COUNTY_SHORT, ROAD),
            (
                ("爱心献血屋", "固定献血屋", 60),
                ("献血点", "固定献血屋", 10),
                ("流动采血车停靠点", "流动采血点", 30),
            ),
            "类别",
        ),
        None,
    ),
    "ambulance": facilities(
        fake.named(
            "站点名称",
            (COUNTY, TOWN),
            (("急救站", "急救站", 60), ("急救分站", "急救分站", 40)),
            "类别",
        ),
        None,
        integer("救护车数量", 1, 12, desc="辆"),
        with_hours=False,
    ),
    "lic_medical": licences(
        "医疗机构执业许可证",
        "PDY",
        ("内科；外科；妇产科；儿科", "口腔科", "中医科", "医学检验科；医学影像科"),
        "卫生健康局",
        5,
    ),
    "vaccination": facilities(
        ("门诊名称", (COUNTY_SHORT, TOWN, ("预防接种门诊", "社区卫生服务中心预防接种门诊")), ""),
        (("儿童预防接种门诊", "成人预防接种门诊", "狂犬病暴露预防处置门诊"), (60, 25, 15)),
    ),
    "lic_drug": licences(
        "药品经营许可证",
        "浙",
        ("处方药、甲类非处方药、乙类非处方药", "中药饮片、中成药、化学药制剂"),
        "市场监督管理局",
        5,
    ),
    # 社保就业
    "ind_insurance": indicators(
        (
            ("企业职工基本养老保险参保人数", "万人", 260, 0.03, 0, 2),
            ("城乡居民基本养老保险参保人数", "万人", 110, -0.01, 0, 2),
            ("失业保险参保人数", "万人", 170, 0.03, 0, 2),
            ("工伤保险参保人数", "万人", 230, 0.03, 0, 2),
        )
    ),
    "ind_employment": indicators(
        (
            ("城镇新增就业人数", "人", 9000, 0.02, 0.3, 0),
            ("城镇登记失业人数", "人", 2600, -0.02, 0.1, 0),
            ("失业人员再就业人数", "人", 3100, 0.01, 0.2, 0),
        )
    ),
    "ind_unemployment": indicators(
        (
            ("领取失业保险金人数", "人", 5200, -0.03, 0.15, 0),
            ("失业保险金发放金额", "万元", 950, 0.02, 0.1, 2),
        )
    ),
    "ind_min_wage": indicators(
        (
            ("月最低工资标准", "元", 2490, 0.04, 0, 0, False),
            ("小时最低工资标准", "元", 24, 0.04, 0, 1, False),
        ),
        "year",
    ),
    "training_orgs": organisations(
        ("机构名称", (COUNTY_SHORT, TRADE, ("职业技能培训学校", "职业培训学校")), "分校"),
        "52",
        (("民办", "公办"), (80, 20)),
        choice(
            "培训工种",
            (
                "电工",
                "育婴员",
                "保育员",
                "焊工",
                "美容师",
                "中式烹调师",
                "养老护理员",
                "电子商务师",
            ),
        ),
    ),
    "hr_agencies": organisations(
        ("机构名称", (PLACE, TRADE, ("人力资源", "人才服务", "劳务派遣"), "有限公司"), ""),
        "91",
        (("职业中介", "人力资源外包", "劳务派遣", "猎头服务"),),
        sequence("许可证编号", "浙人服证字", 8),
    ),
    "social_security_offices": facilities(
        ("网点名称", (COUNTY, ("社会保险经办服务大厅", "人力社保服务窗口")), "分中心"),
        (("经办大厅", "便民服务点"), (40, 60)),
    ),
    "skill_assessors": organisations(
        ("机构名称", (PLACE, TRADE, ("职业技能等级认定中心", "技能评价中心")), ""),
        "91",
        (("用人单位", "社会培训评价组织"), (60, 40)),
    ),
    "internship_bases": organisations(
        ("基地名称", (COUNTY_SHORT, TRADE, ("科技有限公司", "集团有限公司", "股份有限公司")), ""),
        "91",
        (("省级", "市级"), (20, 80)),
        integer("见习岗位数", 5, 80, desc="个"),
    ),
    "arbitration_courts": facilities(
        ("机构名称", (COUNTY, ("劳动人事争议仲裁院",)), "派出庭"), (("仲裁院",),)
    ),
    # 公共安全
    "shelters": facilities(
        (
            "场所名称",
            (
                COUNTY_SHORT,
                (*vocab.TOWN_WORDS[:20],),
                ("公园应急避难场所", "中学应急避难场所", "体育馆应急避难场所", "广场应急避难场所"),
            ),
            "",
        ),
        (("Ⅰ类", "Ⅱ类", "Ⅲ类"), (10, 30, 60)),
        number("有效避难面积", 0.2, 8, 2, log=True, desc="万平方米"),
        integer("容纳人数", 500, 40000, log=True, desc="人"),
        with_hours=False,
    ),
    "police_stations": facilities(
        ("派出所名称", (COUNTY, TOWN, ("派出所",)), ""),
        (("城区派出所", "乡镇派出所"), (60, 40)),
        hours("户籍窗口办公时间"),
        with_hours=False,
    ),
    "traffic_offices": facilities(
        ("处理点名称", (COUNTY, ("交警大队违法处理中心", "交通违法处理点")), "分点"),
        (("违法处理", "事故处理", "综合窗口"),),
    ),
    "fire_stations": facilities(
        ("消防站名称", (COUNTY, TOWN, ("消防救援站",)), ""),
        (("一级普通消防站", "二级普通消防站", "特勤消防站", "小型普通消防站"), (40, 25, 10, 25)),
        integer("消防车数量", 3, 18, desc="辆"),
        with_hours=False,
    ),
    "exit_entry_halls": facilities(
        ("受理点名称", (COUNTY, ("出入境接待大厅", "出入境自助受理点")), ""),
        (("接待大厅", "自助受理点"), (50, 50)),
    ),
    "driving_test_sites": facilities(
        ("考场名称", (COUNTY, TRADE, ("机动车驾驶人考场",)), ""),
        (("科目一", "科目二", "科目三", "综合考场"),),
    ),
    "ebike_points": facilities(
        ("登记点名称", (COUNTY_SHORT, ROAD, ("电动自行车登记上牌点",)), ""),
        (("固定登记点", "销售网点代办点"), (40, 60)),
    ),
    "flood_depots": facilities(
        ("仓库名称", (COUNTY, ("防汛防台物资储备仓库", "应急物资储备库")), ""),
        (("省级", "市级", "县级"), (10, 30, 60)),
        number("库容面积", 200, 6000, 0, log=True, desc="平方米"),
        with_hours=False,
    ),
    "geohazards": directory(
        text("隐患点名称", TOWN, SURNAME, ("家村滑坡", "家村崩塌", "岭泥石流沟", "坑塌陷")),
        choice("灾害类型", ("滑坡", "崩塌", "泥石流", "地面塌陷"), (55, 30, 10, 5)),
        choice("规模等级", ("小型", "中型", "大型"), (80, 17, 3)),
        integer("威胁人数", 3, 260, log=True, desc="人"),
        number("威胁财产", 10, 3000, 1, log=True, desc="万元"),
        person("监测责任人"),
        county(),
        coords(0.1),
    ),
    "dog_registration": facilities(
        ("服务点名称", (COUNTY_SHORT, TRADE, ("宠物医院", "犬类登记服务点")), ""),
        (("登记免疫点", "登记服务点"),),
    ),
    "mini_fire_stations": facilities(
        ("站点名称", (TOWN, ROAD, ("社区微型消防站", "微型消防站")), ""),
        (("社区", "重点单位"), (60, 40)),
        integer("队员人数", 3, 12),
        with_hours=False,
    ),
    "ind_disasters": indicators(
        (
            ("受灾人口", "人次", 12000, -0.05, 0.6, 0),
            ("紧急转移安置人口", "人次", 4800, -0.03, 0.8, 0),
            ("直接经济损失", "万元", 9500, -0.04, 0.7, 1),
        ),
        "quarter",
    ),
    "ind_vehicles": indicators(
        (
            ("机动车保有量", "辆", 430000, 0.05, 0, 0),
            ("汽车保有量", "辆", 380000, 0.06, 0, 0),
            ("新能源汽车保有量", "辆", 36000, 0.35, 0, 0),
            ("驾驶人数量", "人", 620000, 0.03, 0, 0),
        )
    ),
    "ind_accidents": indicators(
        (
            ("道路交通事故起数", "起", 420, -0.04, 0.15, 0),
            ("死亡人数", "人", 28, -0.05, 0.2, 0),
            ("受伤人数", "人", 430, -0.04, 0.15, 0),
        )
    ),
    # 城建住房
    "lic_construction": licences(
        "建筑业企业资质证书",
        "D2",
        (
            "建筑工程施工总承包二级",
            "市政公用工程施工总承包三级",
            "建筑装修装饰工程专业承包二级",
            "钢结构工程专业承包二级",
        ),
        "住房和城乡建设局",
        5,
    ),
    "lic_building": licences(
        "建筑工程施工许可证",
        "",
        ("新建住宅楼", "新建厂房", "改扩建学校", "新建商业综合体"),
        "住房和城乡建设局",
        3,
    ),
    "lic_gas": licences(
        "燃气经营许可证",
        "浙",
        ("管道燃气", "瓶装液化石油气", "压缩天然气加气"),
        "住房和城乡建设局",
        5,
    ),
    "lic_realestate": licences(
        "房地产开发企业资质证书", "浙房开", ("二级", "暂定"), "住房和城乡建设局", 3
    ),
    "property_firms": organisations(
        ("企业名称", (PLACE, TRADE, "物业服务有限公司"), "分公司"),
        "91",
        (("住宅物业", "商业物业", "综合物业"),),
        integer("在管项目数", 1, 120, log=True, desc="个"),
        head="法定代表人",
    ),
    "parks": facilities(
        (
            "公园名称",
            (COUNTY_SHORT, (*vocab.TOWN_WORDS,), ("公园", "湿地公园", "口袋公园", "体育公园")),
            "",
        ),
        (("综合公园", "社区公园", "专类公园", "游园"), (20, 40, 15, 25)),
        number("面积", 0.3, 60, 2, log=True, desc="公顷"),
        with_phone=False,
    ),
    "bridges": directory(
        text("桥梁名称", ROAD, ("大桥", "桥", "立交桥", "人行天桥")),
        county(),
        choice("结构类型", ("梁式桥", "拱桥", "斜拉桥", "悬索桥"), (80, 12, 6, 2)),
        number("桥长", 12, 1800, 1, log=True, desc="米"),
        integer("建成年份", 1975, 2025),
        choice("技术状况等级", ("A级", "B级", "C级", "D级"), (40, 45, 13, 2)),
        choice("养护单位", ("市政设施管理中心", "公路与运输管理中心")),
        coords(0.03),
    ),
    "bike_stations": facilities(
        ("站点名称", (ROAD, vocab.ROAD_WORDS, ("路口", "公交站", "小区")), ""),
        (("固定站点", "临时站点"), (90, 10)),
        integer("锁止器数量", 10, 60, desc="个"),
        integer("可借车辆", 0, 40, desc="辆，采集时刻"),
        with_phone=False,
        with_hours=False,
    ),
    "testing_labs": organisations(
        ("机构名称", (PLACE, TRADE, "建设工程质量检测有限公司"), ""),
        "91",
        (("见证取样检测", "主体结构检测", "地基基础检测", "钢结构检测"),),
    ),
    "ind_house_prices": indicators(
        (
            ("新建商品住宅销售价格指数（上年同月=100）", "", 99.2, 0.0, 0.0, 2, False),
            ("二手住宅销售价格指数（上年同月=100）", "", 95.8, 0.0, 0.0, 2, False),
        )
    ),
    "ind_realestate": indicators(
        (
            ("房地产开发投资额", "亿元", 110, -0.06, 0.2, 2),
            ("商品房销售面积", "万平方米", 96, -0.08, 0.3, 2),
            ("商品房销售额", "亿元", 180, -0.1, 0.3, 2),
        )
    ),
    "ind_housing_fund": indicators(
        (
            ("住房公积金缴存额", "亿元", 35, 0.06, 0.1, 2),
            ("住房公积金提取额", "亿元", 24, 0.08, 0.15, 2),
            ("个人住房贷款发放额", "亿元", 19, 0.02, 0.2, 2),
        )
    ),
    # 交通运输
    "service_areas": facilities(
        ("服务区名称", (COUNTY_SHORT, ("服务区",)), "（北区）"),
        (HIGHWAYS, None, "所属高速"),
        choice("加油站", Y, (95, 5)),
        choice("充电桩", Y, (85, 15)),
        integer("停车位", 80, 600),
        with_hours=False,
    ),
    "toll_stations": facilities(
        ("收费站名称", (COUNTY_SHORT, ("", "东", "西", "南", "北"), ("收费站",)), ""),
        (HIGHWAYS, None, "所属高速"),
        integer("ETC车道数", 2, 16, desc="条"),
        integer("人工车道数", 1, 6, desc="条"),
        with_hours=False,
        with_phone=False,
    ),
    "lic_transport": licences(
        "道路运输经营许可证",
        "浙交运管许可",
        (
            "道路普通货物运输",
            "道路旅客运输（班车）",
            "机动车维修经营（一类）",
            "危险货物运输（3类）",
        ),
        "交通运输局",
        4,
    ),
    "bus_terminals": facilities(
        ("客运站名称", (COUNTY, ("汽车客运中心", "汽车站", "汽车南站", "汽车北站")), ""),
        (("一级站", "二级站", "三级站"), (20, 45, 35)),
    ),
    "ferry_routes": directory(
        text(
            "航线名称",
            ("定海", "沈家门", "岱山", "嵊泗", "朱家尖", "大洋山", "象山", "洞头"),
            "—",
            ("普陀山", "泗礁", "衢山", "宁波", "上海", "南麂", "舟山", "大长涂"),
            "航线",
        ),
        choice("船舶类型", ("高速客船", "客滚船", "普通客船"), (50, 30, 20)),
        integer("日均班次", 2, 30),
        integer("航程", 8, 120, desc="分钟"),
        choice(
            "运营单位", ("舟山海峡轮渡集团有限公司", "嵊泗县交通投资有限公司", "温州航运有限公司")
        ),
    ),
    "parking": facilities(
        ("停车场名称", (ROAD, ("公共停车场", "地下停车场", "立体停车库", "临时停车场")), ""),
        (("公共", "专用对外开放", "道路泊位"), (55, 30, 15)),
        integer("泊位数", 30, 1500, log=True, desc="个"),
        integer("充电泊位数", 0, 120, desc="个"),
        choice(
            "收费标准", ("首小时5元，之后每小时3元", "每小时2元", "白天每小时4元，夜间1元", "免费")
        ),
    ),
    "taxi_firms": organisations(
        ("企业名称", (PLACE, TRADE, ("出租汽车有限公司", "客运出租汽车有限公司")), ""),
        "91",
        (("巡游出租汽车", "网络预约出租汽车"), (60, 40)),
        integer("运营车辆数", 20, 1200, log=True, desc="辆"),
    ),
    "driving_schools": organisations(
        ("驾校名称", (COUNTY_SHORT, TRADE, "机动车驾驶员培训有限公司"), ""),
        "91",
        (("一级", "二级", "三级"), (15, 50, 35)),
        integer("教练车数量", 10, 300, log=True, desc="辆"),
    ),
    "ind_transit": indicators(
        (
            ("公共汽电车客运量", "万人次", 2100, 0.01, 0.1, 2),
            ("城市轨道交通客运量", "万人次", 3600, 0.08, 0.1, 2),
            ("出租汽车客运量", "万人次", 900, -0.02, 0.1, 2),
        )
    ),
    "berths": directory(
        text(
            "泊位名称",
            ("北仑", "穿山", "大榭", "金塘", "梅山", "镇海", "乍浦", "大麦屿", "温州港"),
            ("港区",),
            ("1", "2", "3", "5", "8"),
            ("号泊位", "#泊位"),
        ),
        choice("泊位用途", ("集装箱", "散货", "液体化工", "通用", "客运"), (30, 25, 15, 25, 5)),
        integer("泊位长度", 120, 420, desc="米"),
        integer("靠泊能力", 1000, 300000, log=True, desc="吨级"),
        company("经营单位"),
        coords(0.05),
    ),
    # 教育文化
    "libraries": facilities(
        ("图书馆名称", (COUNTY, ("图书馆", "少年儿童图书馆", "图书馆分馆")), ""),
        (("一级馆", "二级馆", "三级馆"), (50, 35, 15)),
        integer("藏书量", 50000, 5000000, log=True, desc="册"),
    ),
    "museums": facilities(
        ("博物馆名称", (COUNTY, ("博物馆", "历史博物馆", "非遗馆", "民俗博物馆")), ""),
        (("国有", "非国有"), (75, 25)),
        choice("质量等级", ("一级", "二级", "三级", "未定级"), (5, 15, 30, 50)),
        choice("免费开放", Y, (85, 15)),
    ),
    "relics": directory(
        text("名称", COUNTY_SHORT, SURNAME, ("氏宗祠", "家大院", "氏民居", "宅"), unique=True),
        choice(
            "保护级别",
            ("全国重点文物保护单位", "省级文物保护单位", "市级文物保护单位", "县级文物保护单位"),
            (8, 22, 30, 40),
        ),
        choice(
            "类别",
            ("古建筑", "古遗址", "古墓葬", "近现代重要史迹及代表性建筑", "石窟寺及石刻"),
            (55, 15, 10, 15, 5),
        ),
        choice(
            "年代",
            ("新石器时代", "汉", "唐", "宋", "元", "明", "清", "民国"),
            (5, 3, 5, 10, 5, 20, 35, 17),
        ),
        address(),
        county(),
        coords(0.08),
    ),
    "heritage": directory(
        fake.named(
            "项目名称",
            (COUNTY_SHORT,),
            tuple(
                (craft, kind, 1)
                for craft, kind in (
                    ("剪纸", "传统美术"),
                    ("竹编", "传统技艺"),
                    ("木雕", "传统美术"),
                    ("石雕", "传统美术"),
                    ("黄酒酿制技艺", "传统技艺"),
                    ("龙舞", "传统舞蹈"),
                    ("花鼓", "传统舞蹈"),
                    ("青瓷烧制技艺", "传统技艺"),
                    ("民歌", "传统音乐"),
                    ("庙会", "民俗"),
                    ("茶艺", "传统技艺"),
                    ("刺绣", "传统美术"),
                    ("灯彩", "传统美术"),
                    ("蓝印花布印染技艺", "传统技艺"),
                    ("手工造纸技艺", "传统技艺"),
                    ("船拳", "传统体育、游艺与杂技"),
                    ("婺剧", "传统戏剧"),
                    ("越剧", "传统戏剧"),
                )
            ),
            "类别",
        ),
        choice("级别", ("国家级", "省级", "市级"), (15, 40, 45)),
        choice("公布批次", ("第一批", "第二批", "第三批", "第四批", "第五批", "第六批")),
        text("保护单位", COUNTY, ("文化馆", "非物质文化遗产保护中心")),
        county(),
    ),
    "culture_centres": facilities(
        fake.named(
            "名称",
            (COUNTY, TOWN),
            (("综合文化站", "综合文化站", 80), ("文化馆分馆", "文化馆", 20)),
            "类别",
        ),
        None,
        integer("建筑面积", 300, 12000, log=True, desc="平方米"),
    ),
    "tutoring": organisations(
        ("机构名称", (COUNTY_SHORT, TRADE, ("培训学校", "艺术培训学校", "体育培训中心")), "分校"),
        "52",
        (("文化艺术类", "体育类", "科技类"), (50, 30, 20)),
        sequence("办学许可证号", "教民", 12),
    ),
    "private_schools": organisations(
        ("学校名称", (COUNTY_SHORT, TRADE, ("外国语学校", "实验学校", "双语学校")), "校区"),
        "52",
        (("小学", "初中", "九年一贯制", "高中"),),
        integer("在校生数", 200, 3000, log=True, desc="人"),
        head="校长",
    ),
    "ind_education": indicators(
        (
            ("普通高中在校生数", "人", 23000, 0.01, 0, 0),
            ("普通初中在校生数", "人", 48000, 0.0, 0, 0),
            ("小学在校生数", "人", 98000, -0.01, 0, 0),
            ("专任教师数", "人", 15000, 0.01, 0, 0),
        ),
        "year",
    ),
    "stadiums": facilities(
        ("场馆名称", (COUNTY, ("体育中心体育场", "体育馆", "游泳馆", "全民健身中心")), ""),
        (("体育场", "体育馆", "游泳馆", "综合健身馆"),),
        integer("座位数", 500, 60000, log=True, desc="个"),
        choice("免费或低收费开放", Y, (80, 20)),
    ),
    "fitness_points": facilities(
        ("站点名称", (TOWN, ROAD, ("健身点", "百姓健身房", "多功能运动场", "健身步道")), ""),
        (("室外健身点", "百姓健身房", "运动场地"), (60, 15, 25)),
        integer("器材数量", 4, 40, desc="件"),
        with_phone=False,
    ),
    "hospitals": HOSPITALS,
    "clinics": CLINICS,
    "pharmacies": PHARMACIES,
    "schools": SCHOOLS,
    "kindergartens": KINDERGARTENS,
    "universities": UNIVERSITIES,
}
