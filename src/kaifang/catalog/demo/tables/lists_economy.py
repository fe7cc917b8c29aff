"""Lists of the economic domains (科技创新 … 安全生产), declared column by column."""

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
    choice,
    company,
    coords,
    county,
    date,
    integer,
    number,
    sequence,
    text,
)
from kaifang.catalog.demo.tables.base import (
    OFFENCES_ENV,
    OFFENCES_SAFETY,
    Kind,
    directory,
    facilities,
    indicators,
    licences,
    organisations,
    penalties,
)
from kaifang.catalog.demo.tables.lists_public import FACTORIES
from kaifang.catalog.demo.tables.registers import PRODUCTS, TECH

KINDS: dict[str, Kind] = {
    # 科技创新
    "hightech": organisations(
        (
            "企业名称",
            (COUNTY_SHORT, TRADE, ("科技", "智能", "电子", "新材料", "生物医药"), "有限公司"),
            "分公司",
        ),
        "91",
        (
            (
                "电子信息",
                "生物与新医药",
                "新材料",
                "高技术服务",
                "先进制造与自动化",
                "新能源与节能",
                "资源与环境",
            ),
        ),
        sequence("证书编号", "GR2024330", 5),
        head="法定代表人",
        founded="发证日期",
    ),
    "sme_tech": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, ("科技", "信息技术", "智能装备"), "有限公司"), "分公司"),
        "91",
        (("电子信息", "先进制造", "生物医药", "新材料"),),
        sequence("入库登记编号", "2025330", 8),
        head="法定代表人",
        founded="入库日期",
    ),
    "labs": organisations(
        (
            "实验室名称",
            (
                "浙江省",
                (
                    "智能感知",
                    "生物材料",
                    "海洋装备",
                    "先进电池",
                    "数字医疗",
                    "农业遥感",
                    "集成电路设计",
                    "纳米制造",
                    "环境污染控制",
                ),
                ("重点实验室", "工程研究中心"),
            ),
            "",
        ),
        "12",
        (("学科类", "企业类", "省部共建"), (50, 35, 15)),
        choice(
            "依托单位",
            (
                "浙江大学",
                "浙江工业大学",
                "杭州电子科技大学",
                "宁波大学",
                "温州医科大学",
                "浙江理工大学",
                "中国计量大学",
            ),
        ),
        head="主任",
        founded="认定日期",
    ),
    "achievements": directory(
        text("成果名称", ("高效", "智能", "低碳", "新型"), TECH, PRODUCTS),
        sequence("登记号", "33202", 7),
        company("第一完成单位"),
        choice("成果类别", ("应用技术", "基础理论", "软科学"), (80, 12, 8)),
        choice("成果水平", ("国际领先", "国际先进", "国内领先", "国内先进"), (5, 15, 45, 35)),
        date("登记日期", 3, 0.9),
        county(),
    ),
    "makerspaces": organisations(
        ("名称", (PLACE, TRADE, ("众创空间", "创客中心")), ""),
        "91",
        (("国家级", "省级", "市级"), (10, 40, 50)),
        integer("入驻团队数", 8, 160, desc="个"),
    ),
    "incubators": organisations(
        ("名称", (COUNTY_SHORT, TRADE, ("科技企业孵化器", "创业园")), ""),
        "91",
        (("国家级", "省级"), (25, 75)),
        number("孵化场地面积", 0.5, 12, 2, desc="万平方米"),
    ),
    "rnd_institutes": organisations(
        (
            "机构名称",
            (
                PLACE,
                ("智能", "未来", "数字", "绿色", "生命"),
                ("技术研究院", "创新研究院", "产业研究院"),
            ),
            "",
        ),
        "12",
        (("事业单位", "企业", "社会服务机构"),),
        head="院长",
    ),
    "expert_stations": organisations(
        ("工作站名称", (COUNTY_SHORT, TRADE, "院士专家工作站"), ""),
        "91",
        (("院士专家工作站",),),
        integer("进站专家数", 1, 12, desc="人"),
    ),
    "tech_transfer": organisations(
        ("机构名称", (PLACE, TRADE, "技术转移中心"), ""),
        "91",
        (("高校院所", "企业", "社会组织"),),
        integer("年度促成技术交易额", 100, 50000, log=True, desc="万元"),
    ),
    "digital_firms": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, ("网络科技", "数据科技", "软件"), "有限公司"), "分公司"),
        "91",
        (("软件和信息技术服务", "电子信息制造", "互联网平台", "数字内容"),),
        number("营业收入", 500, 200000, 1, log=True, desc="万元"),
        head="法定代表人",
    ),
    "ind_patents": indicators(
        (
            ("发明专利授权量", "件", 2300, 0.08, 0.1, 0),
            ("实用新型专利授权量", "件", 6100, -0.03, 0.1, 0),
            ("有效发明专利拥有量", "件", 48000, 0.12, 0, 0),
        )
    ),
    "ind_tech_contracts": indicators(
        (("技术合同成交数", "项", 1500, 0.1, 0.2, 0), ("技术合同成交额", "亿元", 45, 0.15, 0.2, 2)),
        "quarter",
    ),
    "ind_rnd": indicators(
        (
            ("R&D经费支出", "亿元", 230, 0.09, 0, 2),
            ("R&D经费投入强度", "%", 2.9, 0.02, 0, 2, False),
            ("R&D人员全时当量", "万人年", 6.1, 0.06, 0, 2),
        ),
        "year",
    ),
    # 资源能源
    "charging": facilities(
        ("充电站名称", (COUNTY_SHORT, ROAD, ("充电站", "公共充电站", "超充站")), ""),
        (("公共充电站", "专用充电站", "换电站"), (75, 20, 5)),
        integer("快充桩数", 2, 60, desc="个"),
        integer("慢充桩数", 0, 40, desc="个"),
        choice("运营商", ("省能源集团", "电力公司", "城投新能源", "社会运营商")),
        with_hours=False,
    ),
    "gas_stations": facilities(
        ("加油站名称", (COUNTY_SHORT, ROAD, ("加油站", "加油加气站")), ""),
        (("中国石化", "中国石油", "中国海油", "民营"), (45, 25, 5, 25)),
        choice("油品", ("92#、95#、98#、0#柴油", "92#、95#、0#柴油")),
    ),
    "lic_mining": licences(
        "采矿许可证",
        "C33",
        ("建筑用石料（凝灰岩）", "普通萤石", "叶蜡石", "建筑用砂"),
        "自然资源和规划局",
        10,
    ),
    "lic_water": licences("取水许可证", "取水（浙", ("地表水", "地下水"), "水利局", 5),
    "ind_water_resources": indicators(
        (
            ("水资源总量", "亿立方米", 90, 0.0, 0, 2),
            ("总用水量", "亿立方米", 15, -0.01, 0, 2),
            ("人均综合用水量", "立方米", 250, -0.02, 0, 0, False),
        ),
        "year",
    ),
    "ind_electricity": indicators(
        (
            ("全社会用电量", "亿千瓦时", 55, 0.06, 0.2, 2),
            ("工业用电量", "亿千瓦时", 36, 0.05, 0.1, 2),
            ("城乡居民生活用电量", "亿千瓦时", 8, 0.07, 0.35, 2),
        )
    ),
    "ind_energy": indicators(
        (
            ("能源消费总量", "万吨标准煤", 2400, 0.03, 0, 1),
            ("单位GDP能耗降低率", "%", 3.2, 0.0, 0, 2, False),
            ("可再生能源发电量", "亿千瓦时", 70, 0.12, 0, 2),
        ),
        "year",
    ),
    "reservoirs": facilities(
        ("水库名称", (COUNTY_SHORT, (*vocab.TOWN_WORDS[10:30],), "水库"), ""),
        (("大（2）型", "中型", "小（1）型", "小（2）型"), (3, 12, 35, 50)),
        number("总库容", 10, 50000, 1, log=True, desc="万立方米"),
        number("坝高", 8, 90, 1, desc="米"),
        with_hours=False,
    ),
    "hydropower": facilities(
        ("电站名称", (COUNTY_SHORT, TOWN, ("水电站", "一级水电站", "二级水电站")), ""),
        (("引水式", "坝后式", "混合式"),),
        number("装机容量", 100, 20000, 0, log=True, desc="千瓦"),
        with_hours=False,
    ),
    "projects_solar": directory(
        text(
            "项目名称",
            COUNTY_SHORT,
            TRADE,
            ("分布式光伏发电项目", "屋顶光伏项目", "农光互补光伏项目"),
        ),
        sequence("项目代码", "2501-330000-04-01-", 6),
        company("项目单位"),
        number("装机容量", 0.1, 50, 2, log=True, desc="兆瓦"),
        date("备案日期", 3, 0.8),
        county(),
    ),
    "energy_users": organisations(
        (
            "单位名称",
            (COUNTY_SHORT, TRADE, ("化纤", "印染", "钢铁", "水泥", "造纸", "石化"), "有限公司"),
            "",
        ),
        "91",
        (("年综合能耗1万吨标准煤以上", "年综合能耗5000吨标准煤以上"),),
        number("年综合能耗", 5000, 600000, 0, log=True, desc="吨标准煤"),
        head="法定代表人",
    ),
    # 生态环境
    "polluters": organisations(
        (
            "单位名称",
            (COUNTY_SHORT, TRADE, ("印染", "化工", "电镀", "造纸", "制药", "热电"), "有限公司"),
            "",
        ),
        "91",
        (("水环境重点排污单位", "大气环境重点排污单位", "土壤污染重点监管单位"),),
        head="法定代表人",
    ),
    "lic_discharge": licences("排污许可证", "", ("重点管理", "简化管理"), "生态环境局", 5),
    "lic_eia": licences(
        "建设项目环境影响评价批复", "环建", ("报告书批复", "报告表批复"), "生态环境局", 5
    ),
    "lic_hazwaste": licences(
        "危险废物经营许可证",
        "浙危废经第",
        ("收集、贮存、利用", "收集、贮存、处置"),
        "生态环境局",
        5,
    ),
    "penalties_env": penalties("生态环境局", OFFENCES_ENV),
    "ind_noise": indicators(
        (
            ("昼间区域环境噪声平均等效声级", "分贝", 54.6, 0.0, 0, 1, False),
            ("夜间区域环境噪声平均等效声级", "分贝", 46.2, 0.0, 0, 1, False),
            ("道路交通噪声平均等效声级", "分贝", 66.8, -0.002, 0, 1, False),
        ),
        "year",
    ),
    "ind_env_bulletin": indicators(
        (
            ("PM2.5年均浓度", "微克/立方米", 25, -0.05, 0, 0, False),
            ("空气质量优良天数比例", "%", 91.4, 0.005, 0, 1, False),
            ("省控断面Ⅰ～Ⅲ类水质比例", "%", 96.2, 0.003, 0, 1, False),
            ("森林覆盖率", "%", 61.2, 0.001, 0, 1, False),
        ),
        "year",
    ),
    "ind_air_daily": indicators(
        (
            ("AQI日均值", "", 62, 0.0, 0.3, 0, False),
            ("PM2.5日均浓度", "微克/立方米", 29, -0.03, 0.4, 0, False),
        ),
        "month",
    ),
    "emission_testers": organisations(
        ("机构名称", (COUNTY_SHORT, TRADE, "机动车检测有限公司"), ""),
        "91",
        (("汽油车", "柴油车", "综合"),),
        integer("检测线数", 2, 10, desc="条"),
    ),
    "waste_plants": facilities(
        (
            "设施名称",
            (
                COUNTY,
                ("生活垃圾焚烧发电厂", "厨余垃圾处理中心", "生活垃圾填埋场", "再生资源分拣中心"),
            ),
            "",
        ),
        (("焚烧", "生化处理", "填埋", "分拣"), (45, 30, 10, 15)),
        integer("设计处理能力", 50, 3000, log=True, desc="吨/日"),
        with_hours=False,
    ),
    "reserves": directory(
        text(
            "保护地名称",
            COUNTY_SHORT,
            (*vocab.TOWN_WORDS[20:],),
            ("省级自然保护区", "森林公园", "湿地公园", "风景名胜区"),
        ),
        choice("级别", ("国家级", "省级"), (30, 70)),
        number("面积", 1, 600, 2, log=True, desc="平方千米"),
        choice("主要保护对象", ("森林生态系统", "湿地生态系统", "珍稀野生动植物", "地质遗迹")),
        county(),
        coords(0.12),
    ),
    # 工业农业
    "ind_industry": indicators(
        (
            ("规模以上工业增加值", "亿元", 190, 0.06, 0.15, 2),
            ("规模以上工业企业数", "家", 5200, 0.04, 0, 0),
            ("规模以上工业利润总额", "亿元", 85, 0.03, 0.2, 2),
        )
    ),
    "specialized_smes": organisations(
        (
            "企业名称",
            (COUNTY_SHORT, TRADE, ("精密机械", "新材料", "电子", "智能装备"), "股份有限公司"),
            "",
        ),
        "91",
        (("国家级专精特新“小巨人”", "省级专精特新中小企业"), (15, 85)),
        head="法定代表人",
        founded="认定日期",
    ),
    "family_farms": organisations(
        ("农场名称", (COUNTY_SHORT, SURNAME, ("家庭农场", "生态家庭农场")), ""),
        "92",
        (("种植业", "畜牧业", "渔业", "种养结合"), (55, 15, 15, 15)),
        number("经营面积", 20, 800, 1, log=True, desc="亩"),
        head="经营者",
    ),
    "coops": organisations(
        (
            "合作社名称",
            (COUNTY_SHORT, TOWN, ("蔬菜", "茶叶", "水果", "粮油", "水产"), "专业合作社"),
            "",
        ),
        "93",
        (("示范社", "一般"), (20, 80)),
        integer("成员数", 5, 300, log=True),
        head="理事长",
    ),
    "lic_pesticide": licences(
        "农药经营许可证", "农药经许（浙）", ("限制使用农药", "普通农药"), "农业农村局", 5
    ),
    "lic_seed": licences(
        "农作物种子生产经营许可证", "D", ("水稻、玉米", "蔬菜", "茶树苗木"), "农业农村局", 5
    ),
    "ind_crops": indicators(
        (
            ("粮食播种面积", "千公顷", 90, 0.01, 0, 2),
            ("粮食总产量", "万吨", 56, 0.01, 0, 2),
            ("蔬菜产量", "万吨", 170, 0.02, 0, 2),
        ),
        "year",
    ),
    "livestock_farms": organisations(
        fake.named(
            "养殖场名称",
            (COUNTY_SHORT, TRADE),
            (
                ("生猪养殖场", "生猪", 40),
                ("家禽养殖场", "家禽", 30),
                ("奶牛场", "奶牛", 10),
                ("湖羊养殖场", "湖羊", 20),
            ),
            "畜种",
        ),
        "91",
        None,
        integer("设计存栏", 500, 50000, log=True, desc="头（羽）"),
        head="负责人",
    ),
    "green_factories": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, FACTORIES, "有限公司"), ""),
        "91",
        (("国家级绿色工厂", "省级绿色低碳工厂"), (30, 70)),
        head="法定代表人",
        founded="认定日期",
    ),
    "future_factories": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, FACTORIES, "股份有限公司"), ""),
        "91",
        (("未来工厂", "智能工厂", "数字化车间"), (10, 35, 55)),
        head="法定代表人",
        founded="认定日期",
    ),
    "dev_zones": directory(
        text("开发区名称", COUNTY, ("经济开发区", "高新技术产业园区", "工业园区")),
        choice("级别", ("国家级", "省级"), (25, 75)),
        number("规划面积", 5, 120, 2, log=True, desc="平方千米"),
        choice("主导产业", ("装备制造", "新材料", "生物医药", "电子信息", "汽车及零部件")),
        date("批准设立日期", 30),
        county(),
    ),
    "ind_tea": indicators(
        (
            ("茶园面积", "万亩", 25, 0.0, 0, 2),
            ("茶叶产量", "吨", 18000, 0.01, 0, 0),
            ("茶叶产值", "亿元", 23, 0.04, 0, 2),
        ),
        "year",
    ),
    "geo_indications": directory(
        fake.named(
            "产品名称",
            (COUNTY_SHORT,),
            (
                ("龙井茶", "茶叶", 2),
                ("白茶", "茶叶", 1),
                ("杨梅", "水果", 2),
                ("柑橘", "水果", 2),
                ("蜜梨", "水果", 1),
                ("香榧", "坚果", 1),
                ("山核桃", "坚果", 1),
                ("黄酒", "酒类", 1),
                ("青瓷", "工艺品", 1),
                ("大米", "粮食", 1),
            ),
            "类别",
        ),
        text("登记证书持有人", COUNTY, ("农业技术推广中心", "特产协会")),
        date("登记日期", 15),
        county(),
    ),
    # 商贸流通
    "ind_retail": indicators(
        (
            ("社会消费品零售总额", "亿元", 260, 0.05, 0.12, 2),
            ("限额以上单位消费品零售额", "亿元", 110, 0.04, 0.15, 2),
            ("网络零售额", "亿元", 230, 0.08, 0.25, 2),
        )
    ),
    "ind_trade": indicators(
        (
            ("进出口总额", "亿元", 450, 0.05, 0.1, 2),
            ("出口额", "亿元", 330, 0.06, 0.12, 2),
            ("进口额", "亿元", 120, 0.03, 0.08, 2),
        )
    ),
    "ind_yiwu": indicators(
        (
            ("小商品价格总指数", "", 101.2, 0.0, 0.01, 2, False),
            ("景气指数", "", 1080, 0.01, 0.05, 2, False),
        ),
        "month",
    ),
    "big_retailers": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, ("商贸", "超市", "百货", "贸易"), "有限公司"), "分公司"),
        "91",
        (("批发业", "零售业"), (45, 55)),
        number("年销售额", 2000, 800000, 1, log=True, desc="万元"),
        head="法定代表人",
    ),
    "malls": facilities(
        ("综合体名称", (COUNTY_SHORT, TRADE, ("广场", "中心", "天地", "城")), ""),
        (("购物中心", "商业街区", "百货店"), (60, 25, 15)),
        number("营业面积", 1, 30, 1, log=True, desc="万平方米"),
    ),
    "farmers_markets": facilities(
        ("市场名称", (COUNTY_SHORT, TOWN, ("农贸市场", "菜市场", "农副产品市场")), ""),
        (("四星级", "三星级", "二星级", "未评级"), (10, 30, 35, 25)),
        integer("摊位数", 40, 600, desc="个"),
    ),
    "trading_markets": facilities(
        (
            "市场名称",
            (PLACE, TRADE, ("小商品市场", "轻纺城", "五金城", "家居市场", "水产品市场")),
            "",
        ),
        (("综合市场", "专业市场"), (30, 70)),
        number("年成交额", 1, 2000, 1, log=True, desc="亿元"),
    ),
    "used_car_markets": facilities(
        ("市场名称", (COUNTY_SHORT, TRADE, "二手车交易市场"), ""),
        (("二手车交易市场",),),
        integer("展位数", 100, 2000),
    ),
    "lic_fuel": licences(
        "成品油零售经营批准证书", "油零售证书第", ("汽油、柴油零售",), "商务局", 5
    ),
    "prepaid_cards": organisations(
        (
            "企业名称",
            (COUNTY_SHORT, TRADE, ("餐饮", "美容美发", "健身", "教育培训"), "有限公司"),
            "",
        ),
        "91",
        (("集团发卡企业", "品牌发卡企业", "规模发卡企业"),),
        head="法定代表人",
        founded="备案日期",
    ),
    "auctioneers": organisations(
        ("企业名称", (PLACE, TRADE, "拍卖有限公司"), ""),
        "91",
        (("一级资质", "二级资质", "三级资质"), (20, 40, 40)),
    ),
    "heritage_brands": organisations(
        ("企业名称", (PLACE, TRADE, ("食品", "酿造", "药业", "茶业"), "有限公司"), ""),
        "91",
        (("中华老字号", "浙江老字号"), (25, 75)),
        integer("创立年份", 1700, 1956),
        head="法定代表人",
        founded="认定日期",
    ),
    "foreign_firms": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, ("精密", "电子", "化工", "纺织"), "有限公司"), ""),
        "91",
        (("中外合资", "中外合作", "外商独资"), (40, 5, 55)),
        choice(
            "投资方国别（地区）", ("中国香港", "日本", "韩国", "新加坡", "德国", "美国", "中国台湾")
        ),
        number("注册资本", 50, 50000, 1, log=True, desc="万美元"),
        head="法定代表人",
    ),
    "ecommerce_firms": organisations(
        (
            "企业名称",
            (COUNTY_SHORT, TRADE, ("跨境电子商务", "供应链管理", "进出口"), "有限公司"),
            "",
        ),
        "91",
        (("B2B出口", "B2C出口", "保税进口"),),
        number("年交易额", 100, 200000, 1, log=True, desc="万元"),
        head="法定代表人",
    ),
    "scrap_recyclers": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, "报废汽车回收拆解有限公司"), ""),
        "91",
        (("资质认定",),),
        integer("年拆解能力", 2000, 60000, desc="辆"),
    ),
    # 财税金融
    "ind_budget": indicators(
        (
            ("一般公共预算收入", "亿元", 95, 0.04, 0.2, 2),
            ("税收收入", "亿元", 80, 0.03, 0.2, 2),
            ("一般公共预算支出", "亿元", 120, 0.05, 0.25, 2),
        )
    ),
    "ind_tax": indicators(
        (
            ("税收收入", "亿元", 150, 0.03, 0.2, 2),
            ("增值税", "亿元", 60, 0.03, 0.1, 2),
            ("企业所得税", "亿元", 40, 0.02, 0.4, 2),
            ("个人所得税", "亿元", 16, 0.04, 0.2, 2),
        )
    ),
    "ind_lottery": indicators(
        (
            ("福利彩票销售额", "亿元", 2.6, 0.03, 0.1, 2),
            ("体育彩票销售额", "亿元", 4.1, 0.06, 0.15, 2),
        )
    ),
    "tax_halls": facilities(
        ("办税服务厅名称", (COUNTY, ("税务局办税服务厅", "税务局第一税务分局办税服务厅")), ""),
        (("综合办税服务厅", "自助办税点"), (60, 40)),
    ),
    "finance_orgs": organisations(
        (
            "机构名称",
            (COUNTY_SHORT, TRADE, ("小额贷款股份有限公司", "融资租赁有限公司", "商业保理有限公司")),
            "",
        ),
        "91",
        (("小额贷款公司", "融资租赁公司", "商业保理公司"),),
        number("注册资本", 2000, 100000, 0, log=True, desc="万元"),
        head="法定代表人",
    ),
    "procurement_agents": organisations(
        ("机构名称", (PLACE, TRADE, ("招标代理", "工程咨询", "项目管理"), "有限公司"), ""),
        "91",
        (("政府采购代理", "工程招标代理"),),
        head="法定代表人",
    ),
    "pawnshops": organisations(
        ("典当行名称", (COUNTY_SHORT, TRADE, "典当有限责任公司"), ""),
        "91",
        (("典当行",),),
        number("注册资本", 500, 10000, 0, desc="万元"),
        head="法定代表人",
    ),
    "guarantors": organisations(
        ("机构名称", (PLACE, TRADE, "融资担保有限公司"), ""),
        "91",
        (("政府性融资担保", "民营融资担保"), (60, 40)),
        number("注册资本", 5000, 200000, 0, log=True, desc="万元"),
        head="法定代表人",
    ),
    "accounting_firms": organisations(
        ("事务所名称", (PLACE, TRADE, "会计师事务所（普通合伙）"), ""),
        "31",
        (("普通合伙", "特殊普通合伙", "有限责任"), (60, 25, 15)),
        integer("注册会计师人数", 5, 300, log=True, desc="人"),
        head="首席合伙人",
    ),
    "valuers": organisations(
        ("机构名称", (PLACE, TRADE, "资产评估有限公司"), ""),
        "91",
        (("资产评估",),),
        integer("资产评估师人数", 8, 80, desc="人"),
    ),
    # 安全生产
    "lic_safety": licences(
        "安全生产许可证",
        "（浙）FM安许证字",
        ("非煤矿山开采", "建筑施工", "危险化学品生产", "烟花爆竹生产"),
        "应急管理局",
        3,
    ),
    "lic_hazchem": licences(
        "危险化学品经营许可证",
        "浙",
        ("批发（不带储存）", "零售", "批发（带储存）"),
        "应急管理局",
        3,
    ),
    "lic_fireworks": licences(
        "烟花爆竹经营（零售）许可证", "（浙）YH", ("烟花爆竹零售",), "应急管理局", 1
    ),
    "lic_construction_safety": licences(
        "建筑施工企业安全生产许可证", "（浙）JZ安许证字", ("建筑施工",), "住房和城乡建设局", 3
    ),
    "penalties_safety": penalties("应急管理局", OFFENCES_SAFETY),
    "ind_work_accidents": indicators(
        (
            ("生产安全事故起数", "起", 35, -0.08, 0.1, 0),
            ("生产安全事故死亡人数", "人", 33, -0.09, 0.1, 0),
        ),
        "month",
    ),
    "safety_assessors": organisations(
        ("机构名称", (PLACE, TRADE, ("安全技术", "安全评价", "检测"), "有限公司"), ""),
        "91",
        (("安全评价", "检测检验"),),
        head="法定代表人",
    ),
    "special_equipment": directory(
        sequence("使用登记证编号", "梯11浙A", 5),
        company("使用单位"),
        choice(
            "设备类别",
            ("电梯", "起重机械", "压力容器", "场（厂）内专用机动车辆", "锅炉"),
            (55, 15, 15, 10, 5),
        ),
        text("设备使用地点", COUNTY, TOWN, ROAD),
        date("登记日期", 8, 0.8),
        county(),
    ),
    "safety_standard_firms": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, ("化工", "机械", "建材"), "有限公司"), ""),
        "91",
        (("一级", "二级", "三级"), (5, 25, 70)),
        head="法定代表人",
        founded="达标日期",
    ),
    "rescue_teams": organisations(
        ("队伍名称", (COUNTY, ("应急救援队", "蓝天救援队", "矿山救护队")), ""),
        "52",
        (("专业队伍", "社会力量"), (45, 55)),
        integer("队员人数", 10, 200, desc="人"),
        head="队长",
    ),
    "fire_key_units": organisations(
        ("单位名称", (COUNTY_SHORT, TRADE, ("商场", "酒店", "医院", "学校", "仓储有限公司")), ""),
        "91",
        (("人员密集场所", "易燃易爆单位", "重要场所"),),
        head="消防安全责任人",
    ),
    "safety_trainers": organisations(
        ("机构名称", (PLACE, TRADE, "安全培训中心"), ""),
        "52",
        (("一级", "二级", "三级"),),
        head="负责人",
    ),
    "transport_safety_firms": organisations(
        ("企业名称", (COUNTY_SHORT, TRADE, ("物流", "运输", "客运"), "有限公司"), ""),
        "91",
        (("一级", "二级", "三级"), (10, 40, 50)),
        head="法定代表人",
        founded="达标日期",
    ),
    "equipment_inspectors": organisations(
        ("机构名称", (PLACE, "特种设备检验", ("研究院", "检测中心")), ""),
        "12",
        (("综合检验机构", "型式试验机构"),),
        head="院长",
    ),
}
