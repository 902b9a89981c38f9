"""Demo rectification (双交办 → 整改 → 销号 → 回头看), written by `manage.py seed_demo`.

`seed_rectification_demo()` loads the working-day calendar, then (once) the demo inspections and
findings of supervision.demo and the notices below, so that every demo login's workbench has
something to do on the demo's "today" (DEMO_TODAY, 2026-11-23):

- party_secretary and biz_lead: notices to acknowledge (签收), each on their own side;
- squad_leader: items to rectify, overdue first, and notices to break into items;
- supervisor and centre: submitted items to verify, an extension to decide, a look-back due this week;
- inspector: transferred clues to dispose of; committee: a "cannot be rectified" request;
- squad_leader2 (二大队一中队): its own findings and notice, and nothing of 一大队.

Every step goes through rectification.services with the demo login who would take it, so the
audit trail and notifications are real. The one exception is dates the services rightly refuse
(deadlines in the past, a look-back due before its 90 days): the demo sets those afterwards with a
queryset update, see DemoContext.fix_dates and _schedule_look_back. Then the daily deadline scan
runs for DEMO_TODAY, which colours items (due soon / overdue), reminds and escalates.

Idempotent: if the first demo inspection exists, nothing is written (the calendar import is
idempotent on its own). Everything runs in one transaction: all of it is written, or none.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from accounts.demo_data import DEMO_TODAY
from core.models import CalendarDay
from core.services import calendar_import, calendar_rows_parse
from rectification.models import Handover, ItemRequest, LookBack, RectificationItem, RectificationNotice
from rectification.services import (
    deadline_scan,
    handover_acknowledge,
    item_create,
    item_request_create,
    item_request_decide,
    item_submit,
    item_verify,
    look_back_record,
    notice_create,
    notice_issue,
    progress_add,
)
from supervision.demo import MARKER_THEME, DemoContext, demo_upload, seed_supervision, supervision_counts
from supervision.models import Evidence, Finding, Inspection

CALENDAR_FILE = Path(settings.BASE_DIR) / "core" / "data" / "calendar_2026.csv"

Item = RectificationItem
Notice = RectificationNotice
PARTY, BUSINESS = Handover.Side.PARTY, Handover.Side.BUSINESS


def day(offset: int) -> date:
    """A day relative to the demo's today (never the real clock)."""
    return DEMO_TODAY + timedelta(days=offset)


# What happens to an item after it is created.
OPEN = "open"  # being rectified (a progress report, perhaps)
SUBMITTED = "submitted"  # submitted with evidence, awaiting verification
REJECTED = "rejected"  # submitted, rejected by the verifier, back to rectifying
CLOSED = "closed"  # submitted and closed out (销号)
EXTENSION_PENDING = "extension_pending"  # an extension awaits the supervisor
EXTENSION_APPROVED = "extension_approved"  # an extension granted by the supervisor
UNRECTIFIABLE_PENDING = "unrectifiable_pending"  # "cannot be rectified" awaits the committee
UNRECTIFIABLE_APPROVED = "unrectifiable_approved"  # closed as "cannot be rectified" by the committee
SUBMITTING = {SUBMITTED, REJECTED, CLOSED}


@dataclass(frozen=True)
class ItemSpec:
    finding: str  # key of one of the notice's findings
    problem: str
    measures: str
    deadline: date  # as the demo shows it; may be in the past (an overdue item)
    fate: str = OPEN
    progress: str = ""  # a progress report before the fate
    files: tuple[str, ...] = ()  # evidence attached to that report
    note: str = ""  # the submission note, or the reason of a request
    comment: str = ""  # the verifier's or decider's comment
    new_deadline: date | None = None  # requested by an extension
    after: str = ""  # a progress report after a rejection


@dataclass(frozen=True)
class LookBackSpec:
    scheduled_for: date
    passed: bool | None = None  # None: still scheduled
    result: str = ""
    new_deadline: date | None = None  # a failed look-back reopens the notice until then


@dataclass(frozen=True)
class NoticeSpec:
    unit: str
    findings: tuple[str, ...]
    title: str
    requirements: str
    deadline: date
    issuer: str  # also drafts it, and is assigned the look-back
    issue: bool = True
    acknowledged: tuple[str, ...] = ()  # sides acknowledged (party_secretary / biz_lead)
    leader: str = "squad_leader"  # breaks it into items, reports and submits
    verifier: str = "centre"  # never the submitter
    items: tuple[ItemSpec, ...] = ()
    look_back: LookBackSpec | None = None


ACKNOWLEDGERS = {PARTY: "party_secretary", BUSINESS: "biz_lead"}
OPINIONS = {
    PARTY: "已签收。党总支将整改纳入支部组织生活会内容，督促中队按期整改到位。",
    BUSINESS: "已签收。车管科将对整改措施进行业务指导，并纳入月度业务考评。",
}
REQUIREMENTS = (
    "请收到本通知后立即组织整改，逐项明确整改措施、责任部门、责任人、责任领导和完成时限，按期报送整改情况"
    "及佐证材料；对涉及的责任人员依规提出处理意见。"
)

NOTICES = [
    # --- draft: not yet issued ---
    NoticeSpec(
        "ZD-WFCL-CK01",
        ("wfck_query",),
        "关于违法处理大厅窗口违规查询处理他人车辆违法问题的整改通知",
        REQUIREMENTS + "严格执行委托代理手续核验，规范违法信息查询权限。",
        day(15),
        "centre",
        issue=False,
    ),
    # --- issued, both handovers pending ---
    NoticeSpec(
        "DD01-ZD01",
        ("dd01z1_points",),
        "关于直属一大队一中队违规使用免计分权限问题的整改通知",
        REQUIREMENTS + "立即关闭中队免计分权限，对2026年以来不记分处理的记录逐条复核。",
        day(14),
        "centre",
    ),
    NoticeSpec(
        "DD05-CK01",
        ("dd05ck_games",),
        "关于鼎城区大队车管所业务窗口工作人员上班玩手机游戏问题的整改通知",
        REQUIREMENTS,
        day(21),
        "supervisor",
    ),
    NoticeSpec(
        "DD02-ZD01",
        ("dd02z1_post", "dd02z1_property", "dd02z1_complaint"),
        "关于直属二大队一中队执勤纪律和涉案财物管理问题的整改通知",
        REQUIREMENTS,
        day(21),
        "supervisor",
    ),
    # --- issued, one side acknowledged ---
    NoticeSpec(
        "DD01-ZD03",
        ("dd01z3_plates",),
        "关于直属一大队三中队集中上牌登记审核不严问题的整改通知",
        REQUIREMENTS + "对集中上牌期间登记的车辆资料逐份复核。",
        day(14),
        "supervisor",
        acknowledged=(BUSINESS,),
    ),
    NoticeSpec(
        "ZD-CG-CK01",
        ("cg1_broker", "cg1_video"),
        "关于车管所机动车登记窗口非法中介和工作纪律问题的整改通知",
        REQUIREMENTS + "联合属地派出所清理窗口周边非法中介，严格核验代理委托手续。",
        day(14),
        "supervisor",
        acknowledged=(BUSINESS,),
    ),
    NoticeSpec(
        "DD01-ZD04",
        ("dd01z4_cancel",),
        "关于直属一大队四中队违规撤销亲属车辆交通违法问题的整改通知",
        REQUIREMENTS + "严格执行回避规定，撤销处理一律报大队审批。",
        day(14),
        "centre",
        acknowledged=(PARTY,),
    ),
    # --- acknowledged by both sides, not yet broken into items ---
    NoticeSpec(
        "DD01-ZD01",
        ("dd01z1_ledger",),
        "关于直属一大队一中队代办驾驶证业务台账缺失问题的整改通知",
        REQUIREMENTS,
        day(21),
        "supervisor",
        acknowledged=(PARTY, BUSINESS),
    ),
    # --- rectifying ---
    NoticeSpec(
        "DD01-ZD01",
        ("dd01z1_dui", "dd01z1_study"),
        "关于直属一大队一中队酒驾案件驾驶证处理不规范及代学代答问题的整改通知",
        REQUIREMENTS + "对公职人员酒驾案件逐案核查移送情况。",
        day(11),
        "supervisor",
        acknowledged=(PARTY, BUSINESS),
        items=(
            ItemSpec(
                "dd01z1_dui",
                "3起酒驾案件当事人驾驶证未录入暂扣、吊销信息",
                "逐案核查2026年以来查处的酒驾案件，补录驾驶证暂扣、吊销信息，并向公职人员所在单位补发通报。",
                day(-12),
                progress="已核查酒驾案件41起，补录2起；剩余1起当事人户籍在外省，正在协调当地车管所。",
            ),
            ItemSpec(
                "dd01z1_dui",
                "酒驾案件驾驶证处理缺少跟踪台账",
                "建立酒驾案件驾驶证处理台账，由内勤每周与车驾管系统比对一次。",
                day(-3),
            ),
            ItemSpec(
                "dd01z1_study",
                "代学代答问题涉及的民警未受到处理",
                "对涉及的2名民警进行提醒谈话，责令书面检查，并在中队通报。",
                day(4),
                SUBMITTED,
                progress="已对2名民警提醒谈话，2人已提交书面检查，中队已在周例会上通报。",
                files=("谈话记录.pdf", "书面检查.jpg"),
                note="整改已完成，请予核验。",
            ),
            ItemSpec(
                "dd01z1_study",
                "满分学习、审验教育现场签到核验不严",
                "满分学习、审验教育现场实行人脸核验签到，签到表每日存档。",
                day(11),
                REJECTED,
                progress="已制定《满分学习现场签到核验规定》。",
                files=("签到核验规定.pdf",),
                note="已建立制度，申请销号。",
                comment="只提供了制度文本，未见人脸核验签到的落实记录，请补充11月以来的签到存档后再报。",
                after="已调取11月以来的人脸核验签到存档，正在整理，本周内补报。",
            ),
            ItemSpec(
                "dd01z1_study",
                "民辅警对记分管理规定掌握不准",
                "组织中队全体民辅警学习《道路交通安全违法行为记分管理办法》并闭卷测试。",
                day(4),
                CLOSED,
                progress="11月18日组织全体民辅警集中学习并闭卷测试，参学31人，全部合格。",
                files=("学习签到表.png", "测试成绩.pdf"),
                note="学习测试已完成。",
                comment="学习记录和测试成绩齐全，同意销号。",
            ),
            ItemSpec(
                "dd01z1_dui",
                "中队执法过错责任追究制度未落实",
                "修订中队执法过错责任追究办法，每月通报执法不规范问题。",
                day(2),
                progress="责任追究办法修订稿已报大队法制员审核。",
            ),
        ),
    ),
    NoticeSpec(
        "DD01-ZD01",
        ("dd01z1_broker", "dd01z1_property"),
        "关于直属一大队一中队与车驾管“黄牛”往来及扣押车辆管理问题的整改通知",
        REQUIREMENTS + "对扣押车辆随车物品逐车清点、拍照登记。",
        day(18),
        "centre",
        acknowledged=(PARTY, BUSINESS),
        verifier="supervisor",
        items=(
            ItemSpec(
                "dd01z1_broker",
                "民警与“黄牛”往来情况未全面排查",
                "逐人排查中队民辅警与车驾管代办人员往来情况，签订《不与非法中介往来承诺书》。",
                day(1),
                EXTENSION_PENDING,
                progress="已完成在岗民辅警27人的排查和承诺书签订。",
                note="另有2名民警借调市局专班，需待其12月上旬归队后谈话排查，申请延期至12月15日。",
                new_deadline=day(22),
            ),
            ItemSpec(
                "dd01z1_property",
                "丢失的随车行车记录仪无法追回",
                "查找丢失的随车行车记录仪下落；确实无法追回的，依法向当事人赔偿。",
                day(11),
                UNRECTIFIABLE_PENDING,
                progress="经调取停车场监控（仅保存30日）、走访当班人员，无法查明去向；已按价赔偿当事人1280元。",
                files=("赔偿收条.jpg",),
                note="行车记录仪丢失已超过监控保存期限，确实无法追回，已赔偿当事人并取得谅解，申请按“无法整改”销号。",
            ),
            ItemSpec(
                "dd01z1_property",
                "扣押车辆入场登记不全",
                "完善扣押车辆入场登记和随车物品清点拍照制度，实行双人清点、当事人签字确认。",
                day(4),
                CLOSED,
                progress="已修订扣押车辆入场登记表，11月以来入场的14辆车均已双人清点拍照。",
                files=("入场登记表.pdf",),
                note="制度已落实。",
                comment="抽查入场登记和照片，与在场车辆一致，同意销号。",
            ),
            ItemSpec(
                "dd01z1_property",
                "停车场视频监控存在盲区",
                "停车场增设2个监控点位，实现视频监控全覆盖，录像保存90日。",
                day(4),
                EXTENSION_APPROVED,
                note="监控设备须走政府采购程序，申请延期至12月18日。",
                comment="同意延期，请同步落实人工巡查。",
                new_deadline=day(25),
            ),
            ItemSpec(
                "dd01z1_broker",
                "未开展车驾管领域警示教育",
                "召开警示教育会，通报车驾管领域“黄牛”勾连案例，以案促改。",
                day(-7),
            ),
        ),
    ),
    NoticeSpec(
        "DD01-ZD02",
        ("dd01z2_schoolbus",),
        "关于直属一大队二中队校车及农村面包车源头检查记录不实问题的整改通知",
        REQUIREMENTS,
        day(15),
        "supervisor",
        acknowledged=(PARTY, BUSINESS),
        leader="brigade_leader",
        items=(
            ItemSpec(
                "dd01z2_schoolbus",
                "源头检查记录弄虚作假",
                "对2026年以来校车、农村面包车源头检查记录逐份复核，记录不实的重新检查。",
                day(7),
                SUBMITTED,
                progress="已复核检查记录126份，9份不实记录对应车辆已重新检查。",
                files=("复核台账.pdf",),
                note="复核和重新检查已完成，请核验。",
            ),
            ItemSpec(
                "dd01z2_schoolbus",
                "源头检查未落实双人检查和拍照留存",
                "源头检查实行双人检查、执法记录仪全程拍摄，检查照片上传系统。",
                day(-5),
            ),
        ),
    ),
    # --- closed, look-back due this week ---
    NoticeSpec(
        "DD01-ZD01",
        ("dd01z1_games",),
        "关于直属一大队一中队值班期间玩手机游戏问题的整改通知",
        REQUIREMENTS,
        day(8),
        "supervisor",
        acknowledged=(PARTY, BUSINESS),
        items=(
            ItemSpec(
                "dd01z1_games",
                "值班期间玩手机游戏",
                "对涉事民警进行提醒谈话，值班期间个人手机统一存放。",
                day(3),
                CLOSED,
                progress="已对涉事民警提醒谈话，值班室设置手机存放柜。",
                files=("谈话记录.pdf", "手机存放柜.jpg"),
                comment="整改到位，同意销号。",
            ),
            ItemSpec(
                "dd01z1_games",
                "车驾管业务咨询电话无人接听",
                "值班电话无人接听时自动转接带班领导手机，实行接听登记。",
                day(3),
                CLOSED,
                progress="已开通呼叫转移，建立接听登记本。",
                files=("接听登记表.png",),
                comment="电话抽测正常接听，同意销号。",
            ),
        ),
        look_back=LookBackSpec(day(4)),
    ),
    NoticeSpec(
        "DD01-ZD05",
        ("dd01z5_attitude",),
        "关于直属一大队五中队执法用语不规范问题的整改通知",
        REQUIREMENTS,
        day(8),
        "centre",
        acknowledged=(PARTY, BUSINESS),
        leader="brigade_leader",
        verifier="supervisor",
        items=(
            ItemSpec(
                "dd01z5_attitude",
                "辅警执法用语不规范",
                "组织执法用语规范培训，辅警上岗前考核。",
                day(3),
                CLOSED,
                progress="已组织培训2场，辅警12人考核合格。",
                files=("培训签到表.jpg",),
                comment="培训考核记录齐全，同意销号。",
            ),
            ItemSpec(
                "dd01z5_attitude",
                "被投诉群众未回访",
                "对反映问题的群众上门回访并道歉，建立执法回访制度。",
                day(3),
                CLOSED,
                progress="已上门回访并道歉，群众表示满意。",
                files=("回访记录.pdf",),
                comment="回访记录属实，同意销号。",
            ),
        ),
        look_back=LookBackSpec(day(2)),
    ),
    # --- closed: one item closed out by the committee as "cannot be rectified"; look-back passed ---
    NoticeSpec(
        "DD01-ZD02",
        ("dd01z2_licences",),
        "关于直属一大队二中队扣押驾驶证丢失问题的整改通知",
        REQUIREMENTS,
        day(8),
        "supervisor",
        acknowledged=(PARTY, BUSINESS),
        leader="brigade_leader",
        items=(
            ItemSpec(
                "dd01z2_licences",
                "扣押证件保管制度缺失",
                "设立扣押证件保管专柜，实行专人管理、出入库交接登记。",
                day(3),
                CLOSED,
                progress="已设立保管专柜，指定内勤专人管理，建立出入库交接登记本。",
                files=("保管专柜照片.jpg",),
                comment="现场查看专柜和登记本，同意销号。",
            ),
            ItemSpec(
                "dd01z2_licences",
                "3本丢失的扣押驾驶证原件无法追回",
                "查找丢失的扣押驾驶证；确实无法追回的，协调车管所为当事人办理补证。",
                day(8),
                UNRECTIFIABLE_APPROVED,
                progress="经全面查找无果，已协调车管所为3名当事人免费补证，当事人签字确认。",
                files=("补证办理回执.pdf",),
                note="3本驾驶证原件确实无法追回，已为当事人补证，申请按“无法整改”销号。",
                comment="同意按“无法整改”销号，对保管责任人另行追责。",
            ),
        ),
        look_back=LookBackSpec(
            day(-3),
            passed=True,
            result="回头看抽查保管专柜台账及近3个月出入库记录，登记完整，未发现新的证件遗失。",
        ),
    ),
    # --- reopened after a failed look-back ---
    NoticeSpec(
        "DD01-ZD01",
        ("dd01z1_downgrade",),
        "关于直属一大队一中队拆分、降格处罚问题的整改通知",
        REQUIREMENTS + "严禁因考核指标拆分、降格处罚。",
        day(8),
        "supervisor",
        acknowledged=(PARTY, BUSINESS),
        items=(
            ItemSpec(
                "dd01z1_downgrade",
                "5起应记分违法行为降格为警告处理",
                "对降格处理的违法行为重新审核，依法补记分。",
                day(3),
                CLOSED,
                progress="5起降格处理的违法行为已重新审核并依法补记分。",
                files=("复核决定书.pdf",),
                comment="复核材料齐全，同意销号。",
            ),
            ItemSpec(
                "dd01z1_downgrade",
                "考核指标导致拆分处罚",
                "取消中队以处罚数量为主的考核指标，每月抽查处罚记录。",
                day(3),
                CLOSED,
                progress="已修订中队考核办法，取消处罚数量指标。",
                files=("中队考核办法.pdf",),
                comment="同意销号。",
            ),
        ),
        look_back=LookBackSpec(
            day(-3),
            passed=False,
            result="回头看抽查10月非现场违法处理记录，仍有2起应记分违法降格为警告处理，问题反弹，重新整改。",
            new_deadline=day(25),
        ),
    ),
]


def load_calendar() -> int:
    """Import core/data/calendar_2026.csv unless the year's calendar is already there (an
    administrator's later edits are kept). Returns the number of days created."""
    rows = calendar_rows_parse(CALENDAR_FILE.read_text(encoding="utf-8"))
    years = {row["date"].year for row in rows}
    if CalendarDay.objects.filter(date__year__in=years).exists():
        return 0
    return calendar_import(actor=None, rows=rows)["created"]


class _NoticeWriter:
    def __init__(self, ctx: DemoContext, findings: dict[str, Finding]) -> None:
        self.ctx = ctx
        self.findings = findings

    def write(self, spec: NoticeSpec) -> Notice:
        ctx = self.ctx
        issuer = ctx.user(spec.issuer)
        notice = notice_create(
            actor=issuer,
            unit=ctx.units[spec.unit],
            findings=[self.findings[key] for key in spec.findings],
            title=spec.title,
            requirements=spec.requirements,
            deadline=ctx.after_today(spec.deadline),
        )
        ctx.fix_later(notice, "deadline", spec.deadline)
        if not spec.issue:
            return notice
        notice_issue(actor=issuer, notice=notice)
        for side in spec.acknowledged:
            handover_acknowledge(
                actor=ctx.user(ACKNOWLEDGERS[side]), handover=notice.handovers.get(side=side), opinion=OPINIONS[side]
            )
        notice.refresh_from_db()
        if spec.items:
            leader = ctx.user(spec.leader)
            # All items first: closing the last open item closes the notice.
            items = [self.create_item(notice, leader, item_spec) for item_spec in spec.items]
            for item, item_spec in zip(items, spec.items, strict=True):
                self.apply_fate(item, item_spec, leader, ctx.user(spec.verifier))
        if spec.look_back:
            self.look_back(notice, issuer, spec.look_back)
        return notice

    def create_item(self, notice: Notice, leader, spec: ItemSpec) -> Item:
        ctx = self.ctx
        unit = notice.unit
        item = item_create(
            actor=leader,
            notice=notice,
            finding=self.findings[spec.finding],
            problem=spec.problem,
            measures=spec.measures,
            responsible_department=unit,
            responsible_person=ctx.rng.choice(ctx.officers(unit)),
            responsible_leader=ctx.head(unit),
            # The services refuse a deadline in the past: an overdue item is created with a valid
            # one and moved into the past afterwards (demo only, see DemoContext.fix_dates).
            deadline=min(notice.deadline, ctx.not_before_today(spec.deadline)),
        )
        ctx.fix_later(item, "deadline", spec.deadline)
        return item

    def apply_fate(self, item: Item, spec: ItemSpec, leader, verifier) -> None:
        ctx = self.ctx
        if spec.progress:
            progress_add(actor=leader, item=item, text=spec.progress, files=[demo_upload(n) for n in spec.files])
        if spec.fate in SUBMITTING:
            item_submit(actor=leader, item=item, note=spec.note)
        if spec.fate in (REJECTED, CLOSED):
            item_verify(actor=verifier, item=item, accept=spec.fate == CLOSED, comment=spec.comment)
        if spec.fate == REJECTED and spec.after:
            progress_add(actor=leader, item=item, text=spec.after)
        if spec.fate in (EXTENSION_PENDING, EXTENSION_APPROVED):
            new_deadline = max(spec.new_deadline, item.deadline + timedelta(days=1))
            request = item_request_create(
                actor=leader, item=item, kind=ItemRequest.Kind.EXTENSION, reason=spec.note, new_deadline=new_deadline
            )
            if spec.fate == EXTENSION_APPROVED:
                item_request_decide(actor=ctx.user("supervisor"), request=request, approve=True, comment=spec.comment)
                ctx.fix_later(item, "deadline", spec.new_deadline)  # after the item's planned deadline
        if spec.fate in (UNRECTIFIABLE_PENDING, UNRECTIFIABLE_APPROVED):
            request = item_request_create(
                actor=leader, item=item, kind=ItemRequest.Kind.UNRECTIFIABLE, reason=spec.note
            )
            if spec.fate == UNRECTIFIABLE_APPROVED:
                item_request_decide(actor=ctx.user("committee"), request=request, approve=True, comment=spec.comment)

    def look_back(self, notice: Notice, issuer, spec: LookBackSpec) -> None:
        look_back = LookBack.objects.get(notice=notice, status=LookBack.Status.SCHEDULED)
        # Closing schedules the look-back LOOK_BACK_DAYS (90) ahead; the demo brings it into this
        # week so that it shows on the workbench (demo only).
        LookBack.objects.filter(pk=look_back.pk).update(scheduled_for=spec.scheduled_for)
        look_back.refresh_from_db()
        if spec.passed is None:
            return
        new_deadline = self.ctx.after_today(spec.new_deadline) if spec.new_deadline else None
        look_back_record(
            actor=issuer, look_back=look_back, passed=spec.passed, result=spec.result, new_deadline=new_deadline
        )
        if spec.new_deadline:
            notice.refresh_from_db()
            self.ctx.fix_later(notice, "deadline", spec.new_deadline)


def _counts(queryset, field: str) -> dict[str, int]:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by(field))


@transaction.atomic
def seed_rectification_demo() -> dict | None:
    """Write the demo inspections, findings, notices and items; None if they already exist."""
    calendar_days = load_calendar()
    if Inspection.objects.filter(theme=MARKER_THEME).exists():
        return None
    ctx = DemoContext.load()
    findings = seed_supervision(ctx)
    writer = _NoticeWriter(ctx, findings)
    for spec in NOTICES:
        writer.write(spec)
    # Overdue items, look-backs and the like need dates before today, which the services refuse
    # (rightly): set them now, then let the daily scan colour, remind and escalate as of today.
    ctx.fix_dates()
    scan = deadline_scan(today=DEMO_TODAY)
    return {
        "calendar_days": calendar_days,
        **supervision_counts(),
        "evidence": Evidence.objects.count(),
        "notices": _counts(Notice.objects.all(), "status"),
        "items": _counts(Item.objects.all(), "status"),
        "due": _counts(Item.objects.exclude(status=Item.Status.CLOSED), "due_state"),
        "requests": ItemRequest.objects.filter(status=ItemRequest.Status.PENDING).count(),
        "escalations": scan.escalations,
        "notifications": scan.notifications,
    }


def summary_line(result: dict | None) -> str:
    if result is None:
        return "Supervision and rectification demo: already present, nothing written."
    notices = ", ".join(f"{count} {status}" for status, count in result["notices"].items())
    items = ", ".join(f"{count} {status}" for status, count in result["items"].items())
    due = ", ".join(f"{count} {state}" for state, count in result["due"].items())
    return (
        f"Supervision and rectification demo: {result['inspections']} inspections, {result['findings']} findings, "
        f"{result['evidence']} evidence files, {result['clues']} clues; notices: {notices}; items: {items} "
        f"(open: {due}); {result['requests']} pending requests; calendar days loaded: {result['calendar_days']}."
    )
