"""tickets: canned replies can be retired, and a fresh desk ships the organiser's Chinese set

Revision ID: i16_canned_replies
Revises: i11_finish_phone_links
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i16_canned_replies"
down_revision = "i11_finish_phone_links"
branch_labels = None
depends_on = None

#: (key, category, title, body): the replies a new deployment starts with. Supervisors
#: edit or retire them in the desk; `flask demo seed` refreshes the same keys.
REPLIES: list[tuple[str, str | None, str, str]] = [
    (
        "antivirus",
        "install",
        "卸载杀毒软件",
        "您好，请先卸载 360安全卫士、360杀毒、2345安全卫士、金山毒霸、腾讯电脑管家、McAfee、"
        "鲁大师等软件，重启电脑后再打开智考云。",
    ),
    (
        "system-updates",
        "install",
        "关闭系统自动更新",
        "您好，请关闭 Windows 自动更新，并把屏幕休眠和睡眠设为“从不”，以免考试中断。",
    ),
    (
        "lighting",
        "face_verification",
        "光线和摄像头角度",
        "您好，请在明亮的房间正面光照下验证，避免背光；摄像头与面部平齐，露出完整面部和上半身。",
    ),
    (
        "no-mask",
        "face_verification",
        "不戴口罩和耳机",
        "您好，验证和考试时请不要佩戴口罩、帽子、首饰或耳机，然后重新进行人脸验证。",
    ),
    (
        "power-loss",
        "cannot_answer",
        "断电后重新登录",
        "您好，停电或断网后请在考试时间内重新登录智考云继续作答（不延长考试时间），"
        "手机上的佐证视频请继续录制。",
    ),
    (
        "keep-installed",
        None,
        "成绩公布前不要卸载",
        "您好，成绩公布前请不要卸载智考云和智考通，也不要删除安装包和手机中的视频。",
    ),
    (
        "retry-upload",
        "answer_upload",
        "重试上传交卷数据",
        "您好，请点击“重试”重新上传交卷数据；如仍失败，请回复本工单并附上截图。",
    ),
    (
        "reupload-video",
        "evidence_upload",
        "重新上传佐证视频",
        "您好，请在智考通中选择“重新上传”，直到所有视频上传成功；上传时保持网络稳定。",
    ),
    (
        "need-screenshot",
        None,
        "请提供截图",
        "您好，为了尽快帮您解决，请回复本工单并附上出错画面的截图，写明出错时间和提示文字。",
    ),
    (
        "callback-numbers",
        None,
        "回拨号码说明",
        "您好，技术人员只会使用 028-63201710 或 028-62093080 给您回电，请注意接听，"
        "不要回拨；其他号码来电均与本次考试无关。",
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("canned_replies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retired_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True)
        )
    table = sa.table(
        "canned_replies",
        sa.column("key", sa.String),
        sa.column("category", sa.String),
        sa.column("title", sa.String),
        sa.column("body", sa.Text),
        sa.column("created_at", helpdesk.db.UTCDateTime(timezone=True)),
    )
    connection = op.get_bind()
    present = set(connection.scalars(sa.select(table.c.key)))
    now = datetime.now(UTC)
    rows = [
        {"key": k, "category": c, "title": t, "body": b, "created_at": now}
        for k, c, t, b in REPLIES
        if k not in present
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    # The shipped replies stay: a supervisor may have edited them since.
    with op.batch_alter_table("canned_replies", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
