"""Why a fact could not be read, and why a connection looks like a phone's hotspot, worded
for the candidate in Chinese and English. Pure and standard library only, like the rules."""

from __future__ import annotations

from typing import Any

#: Why a fact could not be read: the reason a probe records (English, kept in the facts for
#: staff) and what the candidate reads in each locale.
REASONS: dict[str, dict[str, str]] = {
    "no data": {"zh-CN": "没有收到这项数据", "en": "no data was received"},
    "unexpected data": {"zh-CN": "收到的数据无法识别", "en": "the data received could not be read"},
    "timed out": {"zh-CN": "检测超时", "en": "the check took too long"},
    "psutil missing": {
        "zh-CN": "这个版本的检测工具读不到这项信息",
        "en": "this build of the agent cannot read it (psutil missing)",
    },
    "boot configuration needs administrator rights": {
        "zh-CN": "读取启动配置需要管理员权限；可以右键点击检测工具，选择“以管理员身份运行”后再检测",
        "en": 'reading the boot configuration needs administrator rights; right-click the agent and choose "Run as administrator" to check it',
    },
    "boot configuration not readable": {
        "zh-CN": "无法读取启动配置",
        "en": "the boot configuration is not readable",
    },
    "WMI gave no answer": {
        "zh-CN": "系统没有返回设备信息",
        "en": "Windows returned no device information (WMI gave no answer)",
    },
    "WMI answer unreadable": {
        "zh-CN": "系统返回的设备信息无法识别",
        "en": "the device information from Windows could not be read",
    },
    "WMI query failed": {
        "zh-CN": "系统查询设备信息时出错",
        "en": "Windows could not list the devices (the WMI query failed)",
    },
    "PowerShell not found": {
        "zh-CN": "这台电脑无法运行系统自带的 PowerShell，读不到设备信息",
        "en": "PowerShell, which reads the device list, could not be started",
    },
    "not readable": {"zh-CN": "无法读取这项设置", "en": "the setting is not readable"},
    "battery status unknown": {
        "zh-CN": "系统报告电池状态未知",
        "en": "Windows reports the battery status as unknown",
    },
    "no default gateway": {
        "zh-CN": "没有找到默认网关，电脑可能没有联网",
        "en": "no default gateway: the computer may be offline",
    },
    "no default route": {
        "zh-CN": "没有找到默认路由，电脑可能没有联网",
        "en": "no default route: the computer may be offline",
    },
    "skipped (--no-bandwidth)": {
        "zh-CN": "本次检测跳过了测速",
        "en": "the speed test was skipped (--no-bandwidth)",
    },
    "no server to measure against": {
        "zh-CN": "没有连接服务器，无法测速",
        "en": "no server to measure against",
    },
    "/sys not mounted": {"zh-CN": "无法读取系统信息", "en": "/sys is not mounted"},
    "/proc not mounted": {"zh-CN": "无法读取系统信息", "en": "/proc is not mounted"},
    "unattended-upgrades configuration not readable": {
        "zh-CN": "无法读取自动更新设置",
        "en": "the unattended-upgrades configuration is not readable",
    },
    "desktop power settings are not read on Linux": {
        "zh-CN": "这个系统上不读取电源设置",
        "en": "desktop power settings are not read on Linux",
    },
    "no DRM connectors (no display or no access)": {
        "zh-CN": "没有检测到显示器接口",
        "en": "no display connector was found (no display or no access)",
    },
    "iwgetid not installed": {
        "zh-CN": "读不到无线网络名称",
        "en": "the Wi-Fi name is not readable (iwgetid not installed)",
    },
    "not connected": {"zh-CN": "没有连接无线网络", "en": "not connected to Wi-Fi"},
    "not readable without WinRT": {
        "zh-CN": "这个系统上读不到这项信息",
        "en": "not readable without WinRT",
    },
    "not read on macOS": {"zh-CN": "这个系统上不读取这项信息", "en": "not read on macOS"},
    "not read on Linux": {"zh-CN": "这个系统上不读取这项信息", "en": "not read on Linux"},
    "not read on Windows": {"zh-CN": "这个系统上不读取这项信息", "en": "not read on Windows"},
}
#: A probe that raised records the exception's class name; these say what it means.
EXCEPTION_REASONS: dict[str, dict[str, str]] = {
    "PermissionError": {"zh-CN": "没有读取权限", "en": "no permission to read it"},
    "FileNotFoundError": {
        "zh-CN": "系统中没有找到这项信息",
        "en": "Windows has no such information",
    },
    "TimeoutExpired": {"zh-CN": "读取超时", "en": "reading it took too long"},
    "": {"zh-CN": "读取时出错", "en": "reading it failed"},
}
#: Gateways a phone hands out when it shares its connection, as the network check explains them.
HOTSPOT_GATEWAYS = {
    "192.168.43.1": {"zh-CN": "Android 手机热点", "en": "an Android hotspot"},
    "172.20.10.1": {"zh-CN": "iPhone 个人热点", "en": "an iPhone hotspot"},
    "192.168.42.129": {"zh-CN": "Android 手机 USB 共享网络", "en": "Android USB tethering"},
}


def reason_text(reason: Any, locale: str) -> str:
    """Why a check could not be made, in the candidate's language.

    A Chinese text never carries an English fragment: a reason the catalogue does not know
    is worded generically there (the recorded reason stays in the facts for staff).
    """
    raw = str(reason)
    known = REASONS.get(raw)
    if known is not None:
        return known[locale]
    if raw.isidentifier() and raw[:1].isupper():  # an exception class name
        fallback = EXCEPTION_REASONS.get(raw, EXCEPTION_REASONS[""])[locale]
        return (
            fallback if locale != "en" or raw in EXCEPTION_REASONS else "%s (%s)" % (fallback, raw)
        )
    if locale != "en" and any("a" <= ch.lower() <= "z" for ch in raw):
        return EXCEPTION_REASONS[""][locale]
    return raw


def hotspot_text(reason: str, locale: str) -> str:
    """Why the connection looks like a phone's hotspot (see probes.common.hotspot_heuristic)."""
    for gateway, kind in HOTSPOT_GATEWAYS.items():
        if gateway in reason:
            if locale == "en":
                return "gateway %s is the default of %s" % (gateway, kind["en"])
            return "网关 %s 是%s的默认地址" % (gateway, kind["zh-CN"])
    if reason.startswith("SSID "):
        ssid = reason[len("SSID ") :]
        return "network name %s" % ssid if locale == "en" else "无线网络名称为 %s" % ssid
    if reason.startswith("USB tethering: "):
        adapter = reason[len("USB tethering: ") :]
        return (
            "USB tethering: %s" % adapter
            if locale == "en"
            else "通过 USB 共享手机网络：%s" % adapter
        )
    return reason
