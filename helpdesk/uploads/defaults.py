"""The guidance the desk starts with: what each failure means and the steps to retry.

This is data, not code: the migration 0006 and the demo seeder copy it into the
upload_guidance table once, and supervisors edit it there (/staff/uploads/guidance), so a
new failure code needs no release. The failure codes below are the ones the clients are
known to show; "OTHER" covers a screen without a code.
"""

from __future__ import annotations

from typing import Any

EVIDENCE = "evidence_video"
ANSWERS = "answer_data"


def _failure(
    artifact: str,
    code: str,
    title_zh: str,
    title_en: str,
    body_zh: str,
    body_en: str,
    position: int,
) -> dict[str, Any]:
    return {
        "artifact": artifact,
        "kind": "failure",
        "code": code,
        "position": position,
        "title_zh": title_zh,
        "title_en": title_en,
        "body_zh": body_zh,
        "body_en": body_en,
        "is_retry": False,
        "active": True,
    }


def _step(
    artifact: str,
    code: str,
    position: int,
    title_zh: str,
    title_en: str,
    body_zh: str,
    body_en: str,
    is_retry: bool = False,
) -> dict[str, Any]:
    return {
        "artifact": artifact,
        "kind": "step",
        "code": code,
        "position": position,
        "title_zh": title_zh,
        "title_en": title_en,
        "body_zh": body_zh,
        "body_en": body_en,
        "is_retry": is_retry,
        "active": True,
    }


def _note(artifact: str, client_zh: str, client_en: str) -> dict[str, Any]:
    return {
        "artifact": artifact,
        "kind": "note",
        "code": "never_uninstall",
        "position": 0,
        "title_zh": "不要卸载，不要清除数据",
        "title_en": "Do not uninstall, do not clear data",
        "body_zh": f"成绩公布前，不要卸载{client_zh}，不要清除它的数据或缓存，"
        "也不要删除安装包：未上传的文件只保存在这台设备上。",
        "body_en": f"Until the results are published, do not uninstall {client_en}, do not "
        "clear its data or cache, and do not delete the installer: the files "
        "not yet uploaded exist only on this device.",
        "is_retry": False,
        "active": True,
    }


def _failures(artifact: str, device_zh: str, device_en: str) -> list[dict[str, Any]]:
    return [
        _failure(
            artifact,
            "E_NETWORK",
            "网络连接失败（E_NETWORK）",
            "Network connection failed (E_NETWORK)",
            f"{device_zh}连不上上传服务器，多半是网络不稳定或断开。先检查网络，再重试。",
            f"The {device_en} cannot reach the upload server, usually because the network "
            "is unstable or down. Check the network, then retry.",
            10,
        ),
        _failure(
            artifact,
            "E_TIMEOUT",
            "上传超时（E_TIMEOUT）",
            "Upload timed out (E_TIMEOUT)",
            "网络太慢，文件没能在规定时间内传完。换用更稳定、更快的网络后重试。",
            "The network is too slow for the file to finish in time. Move to a faster, "
            "more stable network and retry.",
            20,
        ),
        _failure(
            artifact,
            "E_STORAGE",
            "存储空间不足（E_STORAGE）",
            "Not enough storage (E_STORAGE)",
            f"{device_zh}的可用空间不足，客户端无法准备上传。删除其他应用的照片、视频或缓存"
            "（不要删除考试客户端的数据），再重试。",
            f"The {device_en} is short of free space, so the client cannot prepare the "
            "upload. Delete other apps' photos, videos or caches (never the exam client's "
            "data), then retry.",
            30,
        ),
        _failure(
            artifact,
            "E_AUTH",
            "登录已失效（E_AUTH）",
            "Sign-in expired (E_AUTH)",
            "客户端的登录已过期。关闭并重新打开客户端，按提示用原来的身份重新登录，"
            "登录后选择重新上传。",
            "The client's sign-in has expired. Close and reopen the client, sign in again "
            "with the same identity when asked, then choose re-upload.",
            40,
        ),
        _failure(
            artifact,
            "E_SERVER",
            "服务器繁忙（E_SERVER）",
            "Server busy (E_SERVER)",
            "上传服务器暂时繁忙，不是您的设备有问题。保持客户端打开，等两三分钟再重试。",
            "The upload server is busy for a moment; nothing is wrong with your device. "
            "Keep the client open, wait two or three minutes, then retry.",
            50,
        ),
        _failure(
            artifact,
            "OTHER",
            "其他提示，或没有错误代码",
            "Another message, or no code",
            "屏幕上的提示不在上面，或一直停在“上传中”。按下面的步骤逐一检查。",
            "The screen shows something not listed above, or stays at “uploading”. Go "
            "through the steps below one by one.",
            90,
        ),
    ]


def _steps(
    artifact: str,
    client_zh: str,
    client_en: str,
    device_zh: str,
    device_en: str,
    retry_zh: str,
    retry_en: str,
) -> list[dict[str, Any]]:
    return [
        _step(
            artifact,
            "keep_open",
            10,
            f"保持{client_zh}打开，设备不休眠并接上电源",
            f"Keep {client_en} open, the {device_en} awake and charging",
            f"让{client_zh}停留在上传页面，不要切到其他应用；把{device_zh}接上充电器，"
            "关闭省电模式和自动锁屏。",
            f"Leave {client_en} on its upload page and do not switch to other apps; plug "
            f"the {device_en} into a charger and turn off power saving and auto-lock.",
        ),
        _step(
            artifact,
            "network",
            20,
            "检查网络",
            "Check the network",
            "如果正在用手机热点，换成稳定的 Wi-Fi 或网线；如果 Wi-Fi 本身不稳定，"
            "换一个 Wi-Fi 或改用手机流量。打开一个网页确认能上网。",
            "If you are on a mobile hotspot, switch to a stable Wi-Fi or a cable; if the "
            "Wi-Fi itself is the problem, switch to another Wi-Fi or to mobile data. Open a "
            "web page to check that the internet works.",
        ),
        _step(
            artifact,
            "storage",
            30,
            "释放存储空间",
            "Free some storage",
            f"在{device_zh}的设置里查看可用空间，至少留出 2 GB。删除其他应用的照片、视频或缓存，"
            "不要删除考试客户端的任何文件。",
            f"Check the free space in the {device_en}'s settings and leave at least 2 GB. "
            "Delete other apps' photos, videos or caches, never any file of the exam "
            "client.",
        ),
        _step(
            artifact,
            "retry",
            40,
            retry_zh,
            retry_en,
            f"在{client_zh}里点“重试”（或“重新上传”），等进度走完，不要中途退出。",
            f"In {client_en}, press 重试 (retry) or 重新上传 (re-upload) and wait for the "
            "progress to finish without leaving the page.",
            is_retry=True,
        ),
        _step(
            artifact,
            "restart",
            50,
            f"重启{client_zh}后重新上传",
            f"Restart {client_en} and upload again",
            f"完全退出{client_zh}（不是卸载），重新打开并登录，进入上传页面选择重新上传。",
            f"Quit {client_en} completely (do not uninstall it), open it again, sign in and "
            "choose re-upload on its upload page.",
            is_retry=True,
        ),
    ]


def rows() -> list[dict[str, Any]]:
    """Every default guidance entry, as column values."""
    return [
        *_failures(EVIDENCE, "手机", "phone"),
        *_steps(EVIDENCE, "智考通", "智考通", "手机", "phone", "点“重新上传”", "Choose re-upload"),
        _note(EVIDENCE, "智考通", "智考通"),
        *_failures(ANSWERS, "电脑", "PC"),
        *_steps(ANSWERS, "智考云", "智考云", "电脑", "PC", "点“重试”", "Press 重试 (retry)"),
        _note(ANSWERS, "智考云", "智考云"),
    ]
