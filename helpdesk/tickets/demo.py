"""Canned replies from the notice, seeded by `flask demo seed` (organiser's Chinese text)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.tickets.models import CannedReply

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
]


def seed(session: Session, now: datetime) -> str:
    """Create or refresh the canned replies (by key)."""
    for key, category, title, body in REPLIES:
        reply = session.scalar(select(CannedReply).where(CannedReply.key == key))
        if reply is None:
            reply = CannedReply(key=key, created_at=now)
            session.add(reply)
        reply.category, reply.title, reply.body = category, title, body
    session.flush()
    return f"{len(REPLIES)} canned replies"
