"""The candidate-facing texts of every check, in Chinese and English, and how a judgement is worded.

``diagnostics.rules`` decides: a status, the key of the message that explains it and the values that
message quotes. This module turns that decision into the title, message and fix the candidate reads
(a profile may override each of them per locale). Pure and standard library only, like the rules.
"""

from __future__ import annotations

from typing import Any

from diagnostics.reasons import reason_text

#: Per check and locale: the title, one message per outcome key (``pass``, ``problem`` or a
#: specific one), the fix shown with a problem and the manual check shown when it is unknown.
TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "os": {
        "zh-CN": {
            "title": "操作系统",
            "pass": "{name}（版本 {build}）符合要求。",
            "not_windows": "检测到的系统是 {name}，考试要求 Windows 7 或 Windows 10（不支持苹果系统）。",
            "version_not_allowed": "检测到 {name}，考试要求 Windows 7 或 Windows 10。",
            "windows_11": "检测到 Windows 11（版本 {build}），考试通知只列出了 Windows 7 和 Windows 10。",
            "fix": "请换用一台安装 Windows 7 或 Windows 10 的电脑参加考试。",
            "manual": "请在“设置 > 系统 > 关于”中确认系统是 Windows 7 或 Windows 10。",
        },
        "en": {
            "title": "Operating system",
            "pass": "{name} (build {build}) meets the requirement.",
            "not_windows": "This computer runs {name}; the exam needs Windows 7 or Windows 10 (no Apple systems).",
            "version_not_allowed": "This computer runs {name}; the exam needs Windows 7 or Windows 10.",
            "windows_11": "This computer runs Windows 11 (build {build}); the notice names only Windows 7 and Windows 10.",
            "fix": "Use a computer with Windows 7 or Windows 10 for the exam.",
            "manual": "Check under Settings > System > About that the system is Windows 7 or Windows 10.",
        },
    },
    "dual_boot": {
        "zh-CN": {
            "title": "单一系统（无双系统）",
            "pass": "只发现一个可启动的系统。",
            "problem": "发现多个可启动的系统：{entries}。",
            "fix": "请使用只安装了一个系统的电脑，或删除多余的启动项后再检测。",
            "manual": "开机时如果出现选择系统的菜单，说明是双系统，请换用只有一个系统的电脑。",
        },
        "en": {
            "title": "Single system (no dual boot)",
            "pass": "Only one bootable system was found.",
            "problem": "Several bootable systems were found: {entries}.",
            "fix": "Use a computer with a single operating system, or remove the extra boot entries and check again.",
            "manual": "If a menu to choose a system appears at start-up, the computer is dual-boot; use another one.",
        },
    },
    "memory": {
        "zh-CN": {
            "title": "内存",
            "pass": "内存 {total_gb} GB，可用 {available_gb} GB，符合要求。",
            "total_low": "内存只有 {total_gb} GB，要求 {min_total_gb} GB 及以上。",
            "available_low": "可用内存只有 {available_gb} GB，要求至少 {min_available_gb} GB 可用。",
            "fix": "请关闭其他程序（浏览器、聊天软件、游戏等）后再检测；内存不足 {min_total_gb} GB 的电脑请更换。",
            "manual": "请在任务管理器的“性能 > 内存”中确认内存 {min_total_gb} GB 及以上，可用 {min_available_gb} GB 及以上。",
        },
        "en": {
            "title": "Memory",
            "pass": "{total_gb} GB of memory, {available_gb} GB available: meets the requirement.",
            "total_low": "Only {total_gb} GB of memory; the exam needs {min_total_gb} GB or more.",
            "available_low": "Only {available_gb} GB of memory is available; the exam needs at least {min_available_gb} GB free.",
            "fix": "Close other programs (browsers, chat, games) and check again; replace a computer with less than {min_total_gb} GB.",
            "manual": "In Task Manager > Performance > Memory, check {min_total_gb} GB or more in total and {min_available_gb} GB available.",
        },
    },
    "system_disk": {
        "zh-CN": {
            "title": "C 盘剩余空间",
            "pass": "{path} 剩余 {free_gb} GB，符合要求。",
            "problem": "{path} 只剩 {free_gb} GB，要求 {min_free_gb} GB 及以上。",
            "fix": "请清理 C 盘（清空回收站、删除下载文件夹中不需要的文件、卸载不用的软件），使剩余空间达到 {min_free_gb} GB 以上。",
            "manual": "请在“此电脑”中确认 C 盘剩余空间 {min_free_gb} GB 及以上。",
        },
        "en": {
            "title": "Free space on drive C:",
            "pass": "{path} has {free_gb} GB free: meets the requirement.",
            "problem": "{path} has only {free_gb} GB free; the exam needs {min_free_gb} GB or more.",
            "fix": "Free up drive C: (empty the recycle bin, delete unneeded downloads, uninstall unused programs) to reach {min_free_gb} GB.",
            "manual": "In This PC, check that drive C: has {min_free_gb} GB or more free.",
        },
    },
    "camera": {
        "zh-CN": {
            "title": "摄像头",
            "pass": "找到摄像头：{names}。",
            "problem": "没有找到摄像头。",
            "fix": "请连接摄像头（内置或外接均可），确认已在设备管理器中启用后再检测。",
            "manual": "请打开系统自带的“相机”应用，确认能看到自己的画面。",
        },
        "en": {
            "title": "Camera",
            "pass": "Camera found: {names}.",
            "problem": "No camera was found.",
            "fix": "Connect a camera (built-in or external), make sure it is enabled in Device Manager, and check again.",
            "manual": "Open the Camera app and check that you can see yourself.",
        },
    },
    "microphone": {
        "zh-CN": {
            "title": "麦克风",
            "pass": "找到麦克风：{names}。",
            "problem": "没有找到麦克风。",
            "fix": "请连接麦克风（放在桌面上的外接麦克风，不要用耳机），确认已启用后再检测。",
            "manual": "请在“声音设置 > 输入”中确认有麦克风，对着说话时音量条会跳动。",
        },
        "en": {
            "title": "Microphone",
            "pass": "Microphone found: {names}.",
            "problem": "No microphone was found.",
            "fix": "Connect a microphone (a desk microphone, not headphones), make sure it is enabled, and check again.",
            "manual": "In Sound settings > Input, check that a microphone is listed and its level moves when you speak.",
        },
    },
    "security_software": {
        "zh-CN": {
            "title": "安全软件",
            "pass": "没有发现考试禁止的安全软件。",
            "problem": "发现考试禁止的软件：{products}。",
            "fix": "请在“控制面板 > 程序和功能”中卸载：{products}，重启电脑后再检测。",
            "manual": "请确认电脑没有安装 360安全卫士、360杀毒、2345安全卫士、金山毒霸、腾讯电脑管家、McAfee、鲁大师。",
        },
        "en": {
            "title": "Security software",
            "pass": "None of the security software the exam forbids was found.",
            "problem": "Software the exam forbids was found: {products}.",
            "fix": "Uninstall {products} in Control Panel > Programs and Features, restart, and check again.",
            "manual": "Make sure none of 360 Total Security, 360 Antivirus, 2345 Security, Kingsoft, Tencent PC Manager, McAfee or Ludashi is installed.",
        },
    },
    "auto_updates": {
        "zh-CN": {
            "title": "系统自动更新",
            "pass": "系统自动更新已关闭。",
            "problem": "系统自动更新是开启的，考试中可能自动重启。",
            "fix": "请关闭自动更新：按 Win+R 输入 services.msc，找到“Windows Update”，启动类型改为“禁用”并停止该服务。",
            "manual": "请确认 Windows Update 服务已禁用。",
        },
        "en": {
            "title": "Automatic system updates",
            "pass": "Automatic updates are off.",
            "problem": "Automatic updates are on; the computer may restart during the exam.",
            "fix": 'Turn automatic updates off: press Win+R, run services.msc, set "Windows Update" to Disabled and stop it.',
            "manual": "Make sure the Windows Update service is disabled.",
        },
    },
    "power": {
        "zh-CN": {
            "title": "屏幕与睡眠",
            "pass": "接通电源时屏幕不会关闭，电脑不会睡眠。",
            "problem": "{settings}，考试中屏幕可能熄灭或电脑进入睡眠。",
            "fix": "请在“控制面板 > 电源选项 > 更改计划设置”中把“关闭显示器”和“使计算机进入睡眠状态”都设为“从不”。",
            "manual": "请在电源选项中确认“关闭显示器”和“使计算机进入睡眠状态”都是“从不”。",
            "ac_sleep": "接通电源 {minutes} 分钟后睡眠",
            "ac_display": "接通电源 {minutes} 分钟后关闭显示器",
            "dc_sleep": "用电池 {minutes} 分钟后睡眠",
            "dc_display": "用电池 {minutes} 分钟后关闭显示器",
        },
        "en": {
            "title": "Screen and sleep",
            "pass": "While plugged in, the screen stays on and the computer does not sleep.",
            "problem": "{settings}; the screen may turn off or the computer sleep during the exam.",
            "fix": 'In Control Panel > Power Options > Change plan settings, set both "Turn off the display" and "Put the computer to sleep" to Never.',
            "manual": "Check in Power Options that the display and sleep timeouts are both Never.",
            "ac_sleep": "sleeps after {minutes} min plugged in",
            "ac_display": "display turns off after {minutes} min plugged in",
            "dc_sleep": "sleeps after {minutes} min on battery",
            "dc_display": "display turns off after {minutes} min on battery",
        },
    },
    "displays": {
        "zh-CN": {
            "title": "显示器数量",
            "pass": "只连接了一个显示器。",
            "problem": "连接了 {count} 个显示器，考试只允许一个。",
            "fix": "请拔掉多余的显示器（或投影仪），只保留一个屏幕后再检测。",
            "manual": "请确认电脑只连接了一个屏幕。",
            "none": "没有检测到显示器。",
        },
        "en": {
            "title": "Number of displays",
            "pass": "Exactly one display is connected.",
            "problem": "{count} displays are connected; the exam allows only one.",
            "fix": "Unplug the extra displays (or projectors), keep one screen, and check again.",
            "manual": "Make sure only one screen is connected.",
            "none": "No display was detected.",
        },
    },
    "battery": {
        "zh-CN": {
            "title": "电池（建议使用笔记本）",
            "pass": "电脑有电池（电量 {percent}），停电时也能继续考试。",
            "problem": "没有发现电池，停电时电脑会立即关机。",
            "fix": "建议使用带电池的笔记本电脑，并在考试前充满电、接好电源。",
            "manual": "建议使用带电池的笔记本电脑。",
        },
        "en": {
            "title": "Battery (laptop recommended)",
            "pass": "The computer has a battery (charge {percent}) and keeps running in a power cut.",
            "problem": "No battery was found; the computer turns off at once in a power cut.",
            "fix": "A laptop with a battery is recommended; charge it fully and keep it plugged in.",
            "manual": "A laptop with a battery is recommended.",
        },
    },
    "network": {
        "zh-CN": {
            "title": "网络类型",
            "pass": "网络类型：{type}。",
            "problem": "电脑似乎通过手机热点上网（{reason}），网络可能不稳定。",
            "fix": "建议使用有线网络或家庭宽带 Wi-Fi，不要使用手机热点。",
            "manual": "请确认使用的是有线网络或家庭宽带 Wi-Fi，而不是手机热点。",
        },
        "en": {
            "title": "Network type",
            "pass": "Network type: {type}.",
            "problem": "The computer seems to use a mobile hotspot ({reason}); the connection may be unstable.",
            "fix": "Use a wired connection or home broadband Wi-Fi rather than a mobile hotspot.",
            "manual": "Make sure you use a wired connection or home broadband Wi-Fi, not a mobile hotspot.",
        },
    },
    "bandwidth": {
        "zh-CN": {
            "title": "网速",
            "pass": "下载 {download} Mbps，上传 {upload} Mbps（较慢时段），符合要求。",
            "problem": "网速不足：下载 {download} Mbps，上传 {upload} Mbps（较慢时段），要求 {min_mbps} Mbps 及以上。",
            "fix": "请靠近路由器或改用网线，关闭其他正在下载、看视频的设备和程序后再检测。",
            "manual": "请确认网速稳定在 {min_mbps} Mbps 以上。",
        },
        "en": {
            "title": "Connection speed",
            "pass": "Download {download} Mbps, upload {upload} Mbps (slow moments): meets the requirement.",
            "problem": "Connection too slow: download {download} Mbps, upload {upload} Mbps (slow moments); the exam needs {min_mbps} Mbps or more.",
            "fix": "Move closer to the router or use a cable, stop other downloads and videos, and check again.",
            "manual": "Make sure the connection stays above {min_mbps} Mbps.",
        },
    },
    "virtual_camera": {
        "zh-CN": {
            "title": "虚拟摄像头与滤镜",
            "pass": "没有发现虚拟摄像头或滤镜软件。",
            "problem": "发现虚拟摄像头或滤镜：{names}。",
            "fix": "请卸载或关闭这些软件：{names}，考试时只使用真实摄像头。",
            "manual": "请确认没有安装美颜、滤镜或虚拟摄像头软件。",
        },
        "en": {
            "title": "Virtual cameras and filters",
            "pass": "No virtual camera or filter was found.",
            "problem": "Virtual cameras or filters were found: {names}.",
            "fix": "Uninstall or close {names}; use only a real camera in the exam.",
            "manual": "Make sure no beauty filter or virtual camera software is installed.",
        },
    },
    "virtual_machine": {
        "zh-CN": {
            "title": "虚拟机",
            "pass": "没有发现虚拟机迹象。",
            "problem": "这台电脑似乎是虚拟机（{evidence}）。",
            "fix": "请直接在真实电脑上参加考试，不要使用虚拟机。",
            "manual": "请确认没有在虚拟机中运行考试客户端。",
        },
        "en": {
            "title": "Virtual machine",
            "pass": "No sign of a virtual machine.",
            "problem": "This computer seems to be a virtual machine ({evidence}).",
            "fix": "Take the exam on a real computer, not in a virtual machine.",
            "manual": "Make sure the exam client does not run in a virtual machine.",
        },
    },
}

#: The texts every check shares.
GENERIC = {
    "zh-CN": {
        "unknown": "无法自动检查此项（{reason}）。",
        "unknown_check": "此版本的检测工具不认识这项检查。",
        "unknown_fix": "{manual}",
        "none": "无",
    },
    "en": {
        "unknown": "This could not be checked automatically ({reason}).",
        "unknown_check": "This version of the agent does not know this check.",
        "unknown_fix": "{manual}",
        "none": "none",
    },
}

#: The network types as the network check names them.
NETWORK_TYPES = {
    "zh-CN": {
        "wifi": "Wi-Fi 无线网络",
        "ethernet": "有线网络",
        "cellular": "移动网络",
        "other": "其他",
    },
    "en": {"wifi": "Wi-Fi", "ethernet": "wired", "cellular": "mobile network", "other": "other"},
}


def normalize_locale(locale: Any) -> str:
    """Map a locale tag ("en", "en-US", "zh_CN", ...) onto one the texts speak."""
    return "en" if isinstance(locale, str) and locale.lower().startswith("en") else "zh-CN"


def texts(check_id: str, locale: str) -> dict[str, str]:
    """The texts of one check in one locale (empty for a check the agent does not know)."""
    return TEXTS.get(check_id, {}).get(locale, {})


def join(names: list[str], locale: str) -> str:
    """Names as one phrase ("none" when there are none)."""
    return ("、" if locale == "zh-CN" else ", ").join(names) or GENERIC[locale]["none"]


def _format(template: str, ctx: dict[str, Any]) -> str:
    try:
        return template.format_map(ctx)
    except (KeyError, ValueError, IndexError, AttributeError, TypeError):
        return template


def _override(params: dict[str, Any], key: str, locale: str) -> str | None:
    value = params.get(key)
    if isinstance(value, dict):
        value = value.get(locale)
    return value if isinstance(value, str) else None


def title(check_id: str, params: dict[str, Any], locale: str) -> str:
    """The check's title: the profile's, else the catalogue's, else its id."""
    return _override(params, "title", locale) or texts(check_id, locale).get("title", check_id)


def unknown_check(check_id: str, params: dict[str, Any], locale: str) -> dict[str, str]:
    """Title, message and fix of a check this version of the agent does not know."""
    return {
        "title": _override(params, "title", locale) or check_id,
        "message": GENERIC[locale]["unknown_check"],
        "fix": "",
    }


def words(
    check_id: str, status: str, key: str, ctx: dict[str, Any], params: dict[str, Any], locale: str
) -> dict[str, str]:
    """Title, message and fix of a judged check; a problem or unknown gets a fix, a pass none."""
    catalogue, generic = texts(check_id, locale), GENERIC[locale]
    if status == "unknown" and "reason" in ctx:
        ctx = dict(ctx, reason=reason_text(ctx["reason"], locale))
    message = _format(catalogue.get(key) or generic.get(key) or "", ctx)
    fix = ""
    if status == "unknown":
        fix = _format(generic["unknown_fix"], {"manual": _format(catalogue.get("manual", ""), ctx)})
    elif status != "pass":
        fix = _format(catalogue.get("fix", ""), ctx)
    if status != "pass":
        message = _format(_override(params, "message", locale) or message, ctx)
        fix = _format(_override(params, "fix", locale) or fix, ctx)
    return {"title": title(check_id, params, locale), "message": message, "fix": fix}
