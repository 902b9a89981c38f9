"""The public page's part of the demo (called by `manage.py seed_demo`, after the other demos).

One published summary of a notice under rectification and one of a closed-out notice, written by the
demo supervisor through the services (so the no-names check runs), and one piece of public feedback
waiting on the supervisors' workbench. Written once.
"""

from accounts.models import User
from public.models import PublicFeedback, PublicSummary
from public.services import feedback_submit, summary_publish
from rectification.models import RectificationNotice

DEMO_SUPERVISOR = "supervisor"
PLANS = (
    (
        RectificationNotice.Status.RECTIFYING,
        "窗口服务规范整改进展",
        "督查发现部分窗口存在办事指南未及时更新、收费公示不完整等问题。",
        "已重新制作办事指南和收费公示牌，并建立每月自查制度。",
    ),
    (
        RectificationNotice.Status.CLOSED,
        "路面执法规范整改情况",
        "督查发现执法记录仪使用不规范、执法过程记录不完整。",
        "已组织全员培训，执法记录仪实行每日检查和每周抽查，整改已销号。",
    ),
)


def seed_public_demo() -> str:
    if PublicSummary.objects.exists():
        return "Public page demo: already present, nothing written."
    supervisor = User.objects.get(username=DEMO_SUPERVISOR)
    published = []
    for status, title, problems, measures in PLANS:
        notice = RectificationNotice.objects.filter(status=status).order_by("pk").first()
        if notice is not None:
            published.append(
                summary_publish(actor=supervisor, title=title, problems=problems, measures=measures, notice=notice)
            )
    if published:
        feedback_submit(
            summary=published[0],
            text="建议在窗口增加老年人办事引导，整改后的办事指南字体偏小。",
            client_ip="192.0.2.10",
        )
    return (
        f"Public page demo: {len(published)} published summaries, "
        f"{PublicFeedback.objects.count()} piece(s) of public feedback."
    )
