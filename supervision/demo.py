"""Demo inspections, findings, evidence and clue transfers, written by `manage.py seed_demo`.

Called from rectification.demo (which decides whether the demo exists already), after the demo
organisation of accounts.demo_data. Everything goes through supervision.services with the demo
logins as actors, so the audit trail reads as if the supervisors had filed it themselves.

Dates are fixed (the demo's "today" is DEMO_TODAY): the tables below are the same on every run,
and a seeded `random.Random` picks the people involved, so two fresh databases get the same demo.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.demo_data import DEMO_TODAY
from accounts.models import BusinessArea, Person, Position, Unit, User
from supervision.models import ClueTransfer, Finding, FindingCategory, Inspection, Severity, SupervisionLayer
from supervision.services import clue_dispose, clue_transfer, finding_create, inspection_create

SEED = 20261123_3

# The smallest real files of each kind (the type is judged by content, not by the name).
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_FILE_CONTENT = {
    "png": (PNG_BYTES, "image/png"),
    "jpg": (JPEG_BYTES, "image/jpeg"),
    "pdf": (PDF_BYTES, "application/pdf"),
}

Kind, Layer, Source = Inspection.Kind, SupervisionLayer, Finding.Source
GENERAL, SERIOUS, GRAVE = Severity.GENERAL, Severity.SERIOUS, Severity.GRAVE
VEHICLE, DRIVER = BusinessArea.Code.VEHICLE_ADMIN, BusinessArea.Code.DRIVER_ADMIN
VIOLATION, ACCIDENT = BusinessArea.Code.VIOLATION_PROCESSING, BusinessArea.Code.ACCIDENT_HANDLING
NONSITE, ROAD = BusinessArea.Code.NONSITE_ENFORCEMENT, BusinessArea.Code.ROAD_ENFORCEMENT


@dataclass(frozen=True)
class InspectionSpec:
    key: str
    kind: str
    layer: str
    day: date
    theme: str
    organiser: str  # unit code
    creator: str  # demo username
    targets: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class FindingSpec:
    key: str
    unit: str
    category: str
    severity: str
    area: str
    description: str
    found_on: date | None = None  # None: the day of its inspection
    inspection: str | None = None  # an InspectionSpec key (source "inspection")
    source: str = Source.INSPECTION
    creator: str | None = None  # None: whoever filed the inspection
    persons: int = 0  # how many people of the unit are involved
    files: tuple[str, ...] = ()  # evidence file names (.jpg, .png or .pdf)


INSPECTIONS = [
    # The first theme marks the whole demo as present (see rectification.demo).
    InspectionSpec(
        "business_env",
        Kind.UNANNOUNCED,
        Layer.FUNCTIONAL,
        date(2026, 10, 14),
        "优化营商环境专项暗访",
        "ZD-JCS",
        "supervisor",
        ("ZD-CG-CK01", "DD04-CK01", "DD05-CK01"),
        "以群众身份到车管所及各大队窗口办理业务，暗访窗口服务、非法中介和工作纪律情况。",
    ),
    InspectionSpec(
        "window_discipline",
        Kind.ROUTINE,
        Layer.FUNCTIONAL,
        date(2026, 11, 4),
        "车管所窗口作风纪律督查",
        "ZD-JCS",
        "supervisor",
        ("ZD-CG-CK01", "ZD-CG-CK02", "DD06-CK01"),
        "检查车管所登记、考试窗口及县市区车管所业务窗口的在岗在位、查验和考试监管情况。",
    ),
    InspectionSpec(
        "violation_special",
        Kind.SPECIAL,
        Layer.FUNCTIONAL,
        date(2026, 9, 22),
        "违法处理业务专项检查",
        "ZD-JGZX",
        "centre",
        ("DD01", "ZD-WFCL-CK01"),
        "比对违法处理系统流水，核查删除、撤销、降格处理和免计分业务。",
    ),
    InspectionSpec(
        "festival_integrity",
        Kind.SPOT,
        Layer.DISCIPLINE,
        date(2026, 9, 28),
        "节前廉政督查",
        "ZD-JW",
        "inspector",
        ("DD01", "DD02"),
        "中秋、国庆节前抽查公车使用、节礼收受和值班备勤情况。",
    ),
    InspectionSpec(
        "dd01_daily",
        Kind.ROUTINE,
        Layer.UNIT_DAILY,
        date(2026, 11, 9),
        "直属一大队执勤执法日常督查",
        "DD01",
        "brigade_leader",
        ("DD01-ZD01", "DD01-ZD02", "DD01-ZD03"),
        "大队对所属中队值班备勤、路面执勤和代办业务的日常检查。",
    ),
    InspectionSpec(
        "case_property",
        Kind.SPECIAL,
        Layer.FUNCTIONAL,
        date(2026, 10, 20),
        "涉案财物管理专项检查",
        "ZD-JCS",
        "supervisor",
        ("DD01", "DD02"),
        "检查扣押车辆、扣押证件及随车物品的登记、保管和处置情况。",
    ),
    InspectionSpec(
        "dui_transfer",
        Kind.SPECIAL,
        Layer.DISCIPLINE,
        date(2026, 10, 27),
        "公职人员酒驾案件移送情况专项检查",
        "ZD-JW",
        "inspector",
        ("DD01", "DD02"),
        "逐案核查2026年以来查处的党员、公职人员酒驾醉驾案件的移送和驾驶证处理情况。",
    ),
    InspectionSpec(
        "committee_tour",
        Kind.ROUTINE,
        Layer.COMMITTEE,
        date(2026, 10, 29),
        "支队党委巡察（直属二大队）",
        "ZD",
        "supervisor",
        ("DD02",),
        "支队党委对直属二大队落实全面从严治党主体责任情况开展巡察。",
    ),
    InspectionSpec(
        "democratic_review",
        Kind.SPOT,
        Layer.DEMOCRATIC,
        date(2026, 10, 16),
        "党员民警民主评议监督",
        "DD01",
        "brigade_leader",
        ("DD01-ZD01", "DD01-ZD05"),
        "大队党总支组织党员民警对中队执法服务和业务办理情况开展民主评议。",
    ),
    InspectionSpec(
        "service_centre",
        Kind.UNANNOUNCED,
        Layer.FUNCTIONAL,
        date(2026, 11, 11),
        "便民服务中心窗口服务暗访",
        "ZD-JGZX",
        "centre",
        ("DD04-CK01", "DD08-CK02"),
        "通过视频巡查和现场暗访检查便民服务中心首问负责、帮办代办和服务态度。",
    ),
    InspectionSpec(
        "nonsite_review",
        Kind.SPOT,
        Layer.FUNCTIONAL,
        date(2026, 11, 5),
        "非现场执法审核抽查",
        "ZD-JGZX",
        "centre",
        ("ZD-KJ", "DD07"),
        "抽查非现场执法人工二筛作废记录和审核录入质量。",
    ),
    InspectionSpec(
        "highway_night",
        Kind.UNANNOUNCED,
        Layer.FUNCTIONAL,
        date(2026, 10, 9),
        "高速公路大队夜间执勤暗访",
        "ZD-JCS",
        "supervisor",
        ("DD03-ZD01", "DD03-ZD02"),
        "夜间暗访高速公路执勤点位的巡逻、值守和执法记录仪使用情况。",
    ),
]
MARKER_THEME = INSPECTIONS[0].theme

FINDINGS = [
    # --- 优化营商环境专项暗访 ---
    FindingSpec(
        "cg1_broker",
        "ZD-CG-CK01",
        "illegal_intermediary",
        SERIOUS,
        VEHICLE,
        "暗访发现车管所机动车登记窗口外有3名“黄牛”长期招揽代办转移登记业务，窗口工作人员对其代办的"
        "多笔业务优先受理、未核验委托手续。",
        inspection="business_env",
        persons=1,
        files=("暗访视频截图.jpg", "窗口现场照片.png"),
    ),
    FindingSpec(
        "dd04ck_broker",
        "DD04-CK01",
        "illegal_intermediary",
        SERIOUS,
        VEHICLE,
        "便民服务中心大厅有非法中介人员公开招揽代办驾驶证换证业务，值班民警发现后未劝离、未报告。",
        inspection="business_env",
        files=("大厅现场照片.jpg",),
    ),
    FindingSpec(
        "dd05ck_games",
        "DD05-CK01",
        "work_discipline",
        GENERAL,
        VEHICLE,
        "暗访时段（14:20—14:45）车管所业务窗口2名工作人员在岗位上玩手机游戏，群众排队等候20余分钟。",
        inspection="business_env",
        persons=2,
        files=("暗访视频截图.png",),
    ),
    # --- 车管所窗口作风纪律督查 ---
    FindingSpec(
        "cg1_video",
        "ZD-CG-CK01",
        "work_discipline",
        GENERAL,
        VEHICLE,
        "窗口工作人员上班时间用手机观看短视频，未按规定将个人手机集中存放。",
        inspection="window_discipline",
        persons=1,
    ),
    FindingSpec(
        "cg2_leave",
        "ZD-CG-CK02",
        "work_discipline",
        SERIOUS,
        DRIVER,
        "科目一考场监控室无人值守约40分钟，当班考试员擅自离岗。",
        inspection="window_discipline",
        persons=1,
        files=("考场监控截图.jpg",),
    ),
    FindingSpec(
        "dd06ck_check",
        "DD06-CK01",
        "irregular_business",
        SERIOUS,
        VEHICLE,
        "机动车查验员未按规定对送检车辆实车查验、拍照，存在“只收资料不看车”现象，抽查15笔业务中4笔查验照片系事后补拍。",
        inspection="window_discipline",
        persons=1,
        files=("查验照片比对.pdf",),
    ),
    # --- 违法处理业务专项检查 ---
    FindingSpec(
        "dd01z4_delete",
        "DD01-ZD04",
        "irregular_business",
        GRAVE,
        VIOLATION,
        "业务系统比对发现：中队1名民警2026年6月至8月违规删除非现场交通违法记录37条，其中涉及其亲友车辆"
        "11条，删除理由均填写为“设备误拍”。",
        inspection="violation_special",
        persons=1,
        files=("删除记录明细.pdf",),
    ),
    FindingSpec(
        "dd01z4_cancel",
        "DD01-ZD04",
        "irregular_business",
        SERIOUS,
        VIOLATION,
        "民警对本人亲属车辆的3起交通违法作出“撤销”处理，未执行回避规定，撤销审批表无领导签字。",
        inspection="violation_special",
        persons=1,
    ),
    FindingSpec(
        "dd01z2_split",
        "DD01-ZD02",
        "enforcement",
        GENERAL,
        ROAD,
        "为完成考核指标，将1起超员违法拆分为2起分别处罚，处罚决定书编号不连续。",
        inspection="violation_special",
    ),
    FindingSpec(
        "wfck_query",
        "ZD-WFCL-CK01",
        "irregular_business",
        SERIOUS,
        VIOLATION,
        "违法处理大厅窗口民警违规为无关人员查询他人车辆违法信息并代为处理，未核验委托手续。",
        inspection="violation_special",
        persons=1,
    ),
    # --- 节前廉政督查 ---
    FindingSpec(
        "dd01z4_gifts",
        "DD01-ZD04",
        "integrity",
        GENERAL,
        ROAD,
        "中队值班室存放辖区企业赠送的月饼、茶叶等节礼，未登记上交。",
        inspection="festival_integrity",
        files=("值班室照片.jpg",),
    ),
    FindingSpec(
        "dd02z3_car",
        "DD02-ZD03",
        "integrity",
        SERIOUS,
        ROAD,
        "节前公车私用：中队警车节假日停放于民警住宅小区，车载定位显示非执勤时段行驶126公里。",
        inspection="festival_integrity",
        persons=1,
        files=("车辆行驶轨迹.png",),
    ),
    # --- 直属一大队执勤执法日常督查 ---
    FindingSpec(
        "dd01z1_games",
        "DD01-ZD01",
        "work_discipline",
        GENERAL,
        VEHICLE,
        "值班民警在值班室玩手机游戏，群众车驾管业务咨询电话无人接听。",
        inspection="dd01_daily",
        persons=1,
    ),
    FindingSpec(
        "dd01z3_plates",
        "DD01-ZD03",
        "irregular_business",
        SERIOUS,
        VEHICLE,
        "中队协助开展摩托车、电动三轮车集中上牌，登记资料审核把关不严，6辆车无来历凭证即予登记。",
        inspection="dd01_daily",
        persons=2,
        files=("登记资料抽查.pdf",),
    ),
    FindingSpec(
        "dd01z2_uniform",
        "DD01-ZD02",
        "appearance",
        GENERAL,
        ROAD,
        "路面执勤民警未规范佩戴警帽、警号，辅警着装不统一。",
        inspection="dd01_daily",
        persons=2,
        files=("执勤照片.jpg",),
    ),
    FindingSpec(
        "dd01z2_schoolbus",
        "DD01-ZD02",
        "irregular_business",
        SERIOUS,
        VEHICLE,
        "中队校车、农村面包车源头检查记录弄虚作假，9份检查记录的检查时间与执法记录仪视频不符。",
        inspection="dd01_daily",
        persons=1,
    ),
    # --- 涉案财物管理专项检查 ---
    FindingSpec(
        "dd01z1_property",
        "DD01-ZD01",
        "irregular_business",
        GENERAL,
        VEHICLE,
        "扣押车辆停车场台账不全，2辆扣押车辆随车物品未登记、未拍照，其中1台行车记录仪去向不明。",
        inspection="case_property",
        files=("停车场台账.jpg",),
    ),
    FindingSpec(
        "dd01z2_licences",
        "DD01-ZD02",
        "irregular_business",
        SERIOUS,
        DRIVER,
        "中队扣押驾驶证保管不善，3本扣押驾驶证原件丢失，当事人多次信访。",
        inspection="case_property",
        persons=1,
    ),
    FindingSpec(
        "dd02z1_property",
        "DD02-ZD01",
        "irregular_business",
        GENERAL,
        ROAD,
        "涉案财物保管室未实行专人管理，出入库登记缺少交接人签字。",
        inspection="case_property",
    ),
    # --- 公职人员酒驾案件移送情况专项检查 ---
    FindingSpec(
        "dd01z1_dui",
        "DD01-ZD01",
        "enforcement",
        SERIOUS,
        DRIVER,
        "2026年以来查处的酒驾案件中，3起当事人驾驶证未按规定录入暂扣、吊销信息，其中1起当事人为公职人员，"
        "未按规定通报其所在单位。",
        inspection="dui_transfer",
        persons=1,
    ),
    FindingSpec(
        "dd02z2_dui",
        "DD02-ZD02",
        "integrity",
        GRAVE,
        ROAD,
        "2起公职人员醉酒驾驶案件查处后超过规定期限未移送纪检监察机关，案卷中无移送审批记录。",
        inspection="dui_transfer",
        persons=1,
        files=("案卷检查记录.pdf",),
    ),
    # --- 支队党委巡察（直属二大队） ---
    FindingSpec(
        "dd02z1_post",
        "DD02-ZD01",
        "work_discipline",
        GENERAL,
        ROAD,
        "夜间执勤时2名辅警脱岗，在警车内休息约1小时。",
        inspection="committee_tour",
        persons=2,
    ),
    FindingSpec(
        "dd02_study",
        "DD02",
        "work_discipline",
        GENERAL,
        ROAD,
        "理论学习流于形式，2026年党总支集中学习记录存在代签、补记。",
        inspection="committee_tour",
    ),
    # --- 党员民警民主评议监督 ---
    FindingSpec(
        "dd01z5_attitude",
        "DD01-ZD05",
        "service_attitude",
        GENERAL,
        VEHICLE,
        "民主评议反映：中队辅警在查处非法改装车辆时态度生硬，执法用语不规范，群众不满意。",
        inspection="democratic_review",
        persons=1,
    ),
    FindingSpec(
        "dd01z1_ledger",
        "DD01-ZD01",
        "irregular_business",
        GENERAL,
        DRIVER,
        "党员民警反映：中队代办驾驶证审验、换证业务台账缺失，12笔业务无申请人签字确认。",
        inspection="democratic_review",
    ),
    # --- 便民服务中心窗口服务暗访 ---
    FindingSpec(
        "dd08ck_first",
        "DD08-CK02",
        "service_attitude",
        GENERAL,
        VEHICLE,
        "未落实首问负责制，群众咨询补领行驶证流程时工作人员互相推诿。",
        inspection="service_centre",
    ),
    FindingSpec(
        "dd04ck_attitude",
        "DD04-CK01",
        "service_attitude",
        GENERAL,
        VEHICLE,
        "窗口工作人员对老年群众办理业务不耐烦，未提供帮办服务。",
        inspection="service_centre",
        persons=1,
        files=("暗访录音整理.pdf",),
    ),
    # --- 非现场执法审核抽查 ---
    FindingSpec(
        "kj_screen",
        "ZD-KJ",
        "enforcement",
        SERIOUS,
        NONSITE,
        "非现场执法人工二筛作废率异常（23%），抽查38条作废记录中11条不符合作废条件。",
        inspection="nonsite_review",
        persons=1,
        files=("二筛作废抽查明细.pdf",),
    ),
    FindingSpec(
        "dd07_screen",
        "DD07",
        "enforcement",
        GENERAL,
        NONSITE,
        "非现场审核员对同一车辆的违法记录反复作废，未填写作废理由。",
        inspection="nonsite_review",
    ),
    # --- 高速公路大队夜间执勤暗访 ---
    FindingSpec(
        "dd03z1_sleep",
        "DD03-ZD01",
        "work_discipline",
        SERIOUS,
        ROAD,
        "夜间执勤民警在执勤车内睡觉，未按规定开展巡逻，执法记录仪处于关闭状态。",
        inspection="highway_night",
        persons=2,
        files=("暗访照片.jpg",),
    ),
    FindingSpec(
        "dd03z2_camera",
        "DD03-ZD02",
        "enforcement",
        GENERAL,
        ROAD,
        "民警现场查处超载货车时未全程开启执法记录仪。",
        inspection="highway_night",
        persons=1,
    ),
    # --- outside inspections: audit, petitions (信访), complaints (12389), risk alerts ---
    FindingSpec(
        "dd01z1_points",
        "DD01-ZD01",
        "irregular_business",
        SERIOUS,
        DRIVER,
        "审计发现：2026年7月至9月，中队民警违规使用免计分权限，对12起非现场违法记录作出不记分处理，"
        "其中5起无任何审批材料。",
        found_on=date(2026, 11, 16),
        source=Source.AUDIT,
        creator="centre",
        persons=1,
        files=("审计底稿摘录.pdf",),
    ),
    FindingSpec(
        "dd01z1_study",
        "DD01-ZD01",
        "irregular_business",
        SERIOUS,
        DRIVER,
        "12389举报：中队民警为2名驾驶人代为参加满分学习，并代答审验教育题目。",
        found_on=date(2026, 11, 2),
        source=Source.COMPLAINT,
        creator="supervisor",
        persons=2,
    ),
    FindingSpec(
        "dd01z1_broker",
        "DD01-ZD01",
        "illegal_intermediary",
        SERIOUS,
        VEHICLE,
        "信访反映：中队民警与车驾管业务“黄牛”往来密切，为其代办的机动车检验业务提供便利。",
        found_on=date(2026, 10, 30),
        source=Source.PETITION,
        creator="supervisor",
        persons=1,
    ),
    FindingSpec(
        "dd01z1_downgrade",
        "DD01-ZD01",
        "enforcement",
        SERIOUS,
        DRIVER,
        "执法质量审计发现：中队为完成考核指标，将5起应记分的违法行为降格为警告处理，另拆分处罚2起。",
        found_on=date(2026, 8, 28),
        source=Source.AUDIT,
        creator="centre",
        files=("执法质量审计报告.pdf",),
    ),
    FindingSpec(
        "cg2_bribe",
        "ZD-CG-CK02",
        "integrity",
        SERIOUS,
        DRIVER,
        "信访举报：驾驶人考试员在科目三考试中收受学员香烟，对部分学员评判尺度放宽。",
        found_on=date(2026, 11, 13),
        source=Source.PETITION,
        creator="supervisor",
        persons=1,
    ),
    FindingSpec(
        "dd02z1_complaint",
        "DD02-ZD01",
        "service_attitude",
        GENERAL,
        ROAD,
        "12389投诉：民警查处违法停车时态度粗暴，未主动出示执法证件。",
        found_on=date(2026, 11, 17),
        source=Source.COMPLAINT,
        creator="supervisor",
        persons=1,
    ),
    FindingSpec(
        "dd04z1_fines",
        "DD04-ZD01",
        "integrity",
        GENERAL,
        VIOLATION,
        "审计发现：2026年二季度罚没款票据核销不及时，4份票据存根缺失。",
        found_on=date(2026, 10, 12),
        source=Source.AUDIT,
        creator="centre",
    ),
    FindingSpec(
        "dd06z1_accident",
        "DD06-ZD01",
        "enforcement",
        SERIOUS,
        ACCIDENT,
        "信访反映：事故处理民警在调解中偏袒一方，事故认定书送达超过法定时限。",
        found_on=date(2026, 10, 23),
        source=Source.PETITION,
        creator="supervisor",
        persons=1,
    ),
    FindingSpec(
        "dd05ck2_alert",
        "DD05-CK02",
        "irregular_business",
        SERIOUS,
        VIOLATION,
        "监管模型预警核实：违法处理窗口同一账号单日删除、撤销违法记录19条，超出阈值。",
        found_on=date(2026, 11, 18),
        source=Source.RISK_ALERT,
        creator="centre",
        persons=1,
    ),
]


@dataclass(frozen=True)
class ClueSpec:
    finding: str
    transferred_by: str
    reason: str
    disposal: str = ""  # disposed of by the discipline inspector when set


CLUES = [
    ClueSpec(
        "dd01z4_delete",
        "centre",
        "违规删除违法记录数量大、涉及亲友车辆，涉嫌以权谋私，移送纪检监察室核查。",
    ),
    ClueSpec(
        "cg2_bribe",
        "supervisor",
        "信访举报考试员收受学员财物，涉及考试公正，移送纪检监察室调查核实。",
    ),
    ClueSpec(
        "dd02z2_dui",
        "supervisor",
        "公职人员醉驾案件未移送，涉嫌失职渎职，移送纪检监察室依规处理。",
        disposal="经核查，中队长对2起公职人员醉驾案件未按规定移送负有直接责任，给予诫勉谈话；分管副大队长"
        "提醒谈话；2起案件已补充移送当事人所在单位纪检监察机关。",
    ),
]


def demo_upload(name: str) -> SimpleUploadedFile:
    """A tiny real file named `name`; its content follows the extension."""
    content, content_type = _FILE_CONTENT[name.rsplit(".", 1)[-1]]
    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass
class DemoContext:
    """The demo organisation as the demo writers need it: logins, units, people, one RNG."""

    users: dict[str, User]
    units: dict[str, Unit]
    # Deterministic demo data, not security: a private, seeded generator (never the global one).
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))  # noqa: S311
    # Dates the services would refuse against the real clock, to set afterwards (see fix_dates).
    date_fixes: list[tuple[type, int, str, date]] = field(default_factory=list)

    @classmethod
    def load(cls) -> "DemoContext":
        from accounts.demo import DEMO_USERS

        users = User.objects.in_bulk([row[0] for row in DEMO_USERS], field_name="username")
        return cls(users=users, units=Unit.objects.in_bulk(field_name="code"))

    def user(self, username: str) -> User:
        return self.users[username]

    def officers(self, unit: Unit) -> list[Person]:
        """People of the unit below its leadership, in a stable order."""
        return list(
            Person.objects.filter(unit=unit, is_active=True)
            .exclude(post__code__in=["ZCFZR", "LDBZ"])
            .order_by("badge_number")
        )

    def pick(self, unit: Unit, count: int) -> list[Person]:
        people = self.officers(unit)
        return self.rng.sample(people, min(count, len(people)))

    def head(self, unit: Unit) -> Person:
        """The unit's head on DEMO_TODAY (中队长, 负责人, 科长) or, failing that, its chief."""
        position = (
            Position.objects.held_on(DEMO_TODAY)
            .filter(unit=unit, level__in=[Position.Level.MID_LEVEL, Position.Level.CHIEF])
            .order_by("-level", "start_date", "pk")
            .select_related("person")
            .first()
        )
        return position.person if position else self.officers(unit)[0]

    @staticmethod
    def not_after_today(day: date) -> date:
        """`day`, or today if the real clock is behind the demo's (then `day` is set afterwards)."""
        return min(day, timezone.localdate())

    @staticmethod
    def after_today(day: date) -> date:
        """`day`, or tomorrow if the real clock is past it (then `day` is set afterwards)."""
        return max(day, timezone.localdate() + timedelta(days=1))

    @staticmethod
    def not_before_today(day: date) -> date:
        return max(day, timezone.localdate())

    def fix_later(self, obj, field_name: str, day: date) -> None:
        if getattr(obj, field_name) != day:
            self.date_fixes.append((type(obj), obj.pk, field_name, day))

    def fix_dates(self) -> None:
        """Set the planned dates the services refused against the real clock (demo data only)."""
        for model, pk, field_name, day in self.date_fixes:
            model.objects.filter(pk=pk).update(**{field_name: day})
        self.date_fixes.clear()


def seed_supervision(ctx: DemoContext) -> dict[str, Finding]:
    """Inspections, findings with evidence, and clue transfers; returns the findings by key."""
    categories = FindingCategory.objects.in_bulk(field_name="code")
    areas = BusinessArea.objects.in_bulk(field_name="code")
    inspections: dict[str, Inspection] = {}
    creators: dict[str, str] = {}
    for spec in INSPECTIONS:
        creator = ctx.user(spec.creator)
        organiser = ctx.units[spec.organiser]
        lead = creator.person
        helpers = [p for p in ctx.pick(lead.unit, 2) if p.pk != lead.pk][:1]
        if spec.layer == Layer.COMMITTEE:  # the committee's tour: the inspection office and discipline
            helpers.append(ctx.user("inspector").person)
        inspections[spec.key] = inspection_create(
            actor=creator,
            kind=spec.kind,
            layer=spec.layer,
            inspection_date=spec.day,
            theme=spec.theme,
            organizing_unit=organiser,
            target_units=[ctx.units[code] for code in spec.targets],
            inspectors=[lead, *helpers],
            summary=spec.summary,
        )
        creators[spec.key] = spec.creator

    findings: dict[str, Finding] = {}
    for spec in FINDINGS:
        inspection = inspections[spec.inspection] if spec.inspection else None
        found_on = spec.found_on or inspection.inspection_date
        unit = ctx.units[spec.unit]
        finding = finding_create(
            actor=ctx.user(spec.creator or creators[spec.inspection]),
            unit=unit,
            category=categories[spec.category],
            severity=spec.severity,
            description=spec.description,
            found_on=ctx.not_after_today(found_on),
            source=spec.source,
            business_area=areas[spec.area],
            inspection=inspection,
            persons=ctx.pick(unit, spec.persons),
            files=[demo_upload(name) for name in spec.files],
        )
        ctx.fix_later(finding, "found_on", found_on)
        findings[spec.key] = finding

    for spec in CLUES:
        clue = clue_transfer(actor=ctx.user(spec.transferred_by), finding=findings[spec.finding], reason=spec.reason)
        if spec.disposal:
            clue_dispose(actor=ctx.user("inspector"), clue=clue, disposal=spec.disposal)
    return findings


def supervision_counts() -> dict[str, int]:
    return {
        "inspections": Inspection.objects.count(),
        "findings": Finding.objects.count(),
        "clues": ClueTransfer.objects.count(),
    }
