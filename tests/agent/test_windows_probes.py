"""The Windows probes read each fact from recorded Windows 7, 10 and 11 machines, and a fact they
cannot read is reported unknown while the other probes still answer."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from diagnostics.probes import collect, winsys
from diagnostics.probes import windows as w
from diagnostics.probes.common import run_probes
from diagnostics.profile import DEFAULT_PROFILE
from diagnostics.rules import judge


def facts_of(machine):
    return collect(DEFAULT_PROFILE, family="windows", system=machine)


def status(facts, check_id):
    return next(c["status"] for c in judge(facts, DEFAULT_PROFILE)["checks"] if c["id"] == check_id)


def test_a_clean_windows_10_laptop_passes_every_check_it_can_make(make_windows):
    facts = facts_of(make_windows("windows10"))
    facts["bandwidth"] = {"download_mbps_p10": 20.0, "upload_mbps_p10": 8.0}

    result = judge(facts, DEFAULT_PROFILE)

    assert facts["os"] == {
        "family": "windows",
        "version": "10",
        "build": 19045,
        "name": "Windows 10 Pro",
        "display_version": "22H2",
    }
    assert facts["microphones"] == {"count": 1, "names": ["麦克风 (Realtek(R) Audio)"]}
    assert facts["network"]["type"] == "wifi"
    assert [c["id"] for c in result["checks"] if c["status"] != "pass"] == []
    assert result["verdict"] == "pass"


def test_windows_11_is_recognised_by_its_build_although_it_calls_itself_windows_10(make_windows):
    facts = facts_of(make_windows("windows11"))

    assert facts["os"]["version"] == "11"
    assert facts["os"]["name"] == "Windows 11 Pro"
    assert status(facts, "os") == "warn"


def test_a_windows_7_desktop_is_read_without_windows_8_apis(make_windows):
    facts = facts_of(make_windows("windows7"))

    assert facts["os"]["version"] == "7"
    assert facts["os"]["build"] == 7601
    assert facts["cameras"] == {"count": 1, "names": ["USB 视频设备"]}
    assert facts["network"]["type"] == "ethernet"  # MSFT_NetAdapter missing: from the description
    assert facts["battery"]["present"] is False
    assert facts["auto_updates"]["enabled"] is False  # "Never check for updates"
    assert status(facts, "os") == "pass"
    assert status(facts, "battery") == "warn"


def test_a_machine_with_360_installed_fails_the_antivirus_check(make_windows):
    machine = make_windows("windows10")
    machine.key(
        winsys.HKLM,
        w.UNINSTALL + r"\360安全卫士",
        views=(32,),
        DisplayName="360安全卫士",
        Publisher="360安全中心",
    )
    machine.key(winsys.HKLM, w.SERVICES + r"\ZhuDongFangYu", views=(64,), Start=2)
    machine.processes = [*machine.processes, "360Tray.exe"]

    facts = facts_of(machine)

    sources = {m["source"] for m in facts["security_software"]["matches"]}
    assert {m["product"] for m in facts["security_software"]["matches"]} == {"360安全卫士"}
    assert sources == {"registry", "service", "process"}
    assert status(facts, "security_software") == "fail"


def test_tencent_pc_manager_found_only_in_the_64_bit_view_or_per_user_is_reported(make_windows):
    machine = make_windows("windows10")
    machine.key(winsys.HKLM, w.UNINSTALL + r"\QQPCMgr", views=(64,), DisplayName="腾讯电脑管家")
    machine.key(winsys.HKCU, w.UNINSTALL + r"\{A1B2}", views=(64,), DisplayName="McAfee WebAdvisor")

    facts = facts_of(machine)

    products = {m["product"] for m in facts["security_software"]["matches"]}
    assert products == {"腾讯电脑管家", "McAfee"}
    assert status(facts, "security_software") == "fail"


def test_only_matches_are_reported_never_the_software_list(make_windows):
    facts = facts_of(make_windows("windows10"))

    text = repr(facts)

    assert facts["security_software"]["matches"] == []
    assert "微信" not in text
    assert "Office" not in text
    assert "2345看图王" not in text


def test_a_machine_with_two_displays_fails(make_windows):
    machine = make_windows("windows10")
    machine.monitors = 2

    facts = facts_of(machine)

    assert facts["displays"] == {"count": 2}
    assert status(facts, "displays") == "fail"


def test_automatic_updates_left_on_fail(make_windows):
    machine = make_windows("windows10")
    machine.key(winsys.HKLM, w.SERVICES + r"\wuauserv", views=(64,), Start=3)

    facts = facts_of(machine)

    assert facts["auto_updates"]["service_start"] == "manual"
    assert facts["auto_updates"]["enabled"] is True
    assert status(facts, "auto_updates") == "fail"


def test_the_no_auto_update_policy_turns_updates_off(make_windows):
    machine = make_windows("windows10")
    machine.key(winsys.HKLM, w.SERVICES + r"\wuauserv", views=(64,), Start=3)
    machine.key(winsys.HKLM, w.AU_POLICY, views=(64,), NoAutoUpdate=1)

    facts = facts_of(machine)

    assert facts["auto_updates"]["enabled"] is False


def test_dual_boot_is_read_from_the_boot_menu_when_readable(make_windows):
    machine = make_windows("windows10")
    machine.key(
        winsys.HKLM,
        w.BCD_OBJECTS + "\\" + w.BOOT_MANAGER + r"\Elements\24000001",
        Element=["{current-guid}", "{ubuntu-guid}"],
    )
    machine.key(winsys.HKLM, w.BCD_OBJECTS + r"\{ubuntu-guid}\Elements\12000004", Element="ubuntu")

    facts = facts_of(machine)

    assert facts["dual_boot"]["detected"] is True
    assert facts["dual_boot"]["entries"] == ["Windows 10", "ubuntu"]
    assert status(facts, "dual_boot") == "fail"


def test_dual_boot_is_unknown_without_administrator_rights(make_windows):
    machine = make_windows("windows10")
    machine.denied.append(w.BCD_OBJECTS)

    facts = facts_of(machine)

    assert "unknown" in facts["dual_boot"]
    assert status(facts, "dual_boot") == "unknown"


def test_available_memory_is_the_lowest_of_three_samples(make_windows):
    machine = make_windows("windows10")

    facts = facts_of(machine)

    assert facts["memory"]["available_bytes"] == 3 * 1024**3
    assert facts["memory"]["installed_bytes"] == 8 * 1024**3
    assert len(machine.sleeps) == 2


def test_virtual_cameras_are_found_in_directshow_sources_of_either_view(make_windows):
    machine = make_windows("windows10")
    machine.key(
        winsys.HKLM,
        w.DIRECTSHOW_VIDEO_INPUTS + r"\{A3FCE0F5-3493-419F-958A-ABA1250EC20B}",
        views=(32,),
        FriendlyName="OBS Virtual Camera",
    )
    machine.key(
        winsys.HKLM,
        w.DIRECTSHOW_VIDEO_INPUTS + r"\{1111}",
        views=(64,),
        FriendlyName="Integrated Camera",
    )

    facts = facts_of(machine)

    assert facts["virtual_cameras"] == {"names": ["OBS Virtual Camera"]}
    assert status(facts, "virtual_camera") == "warn"


def test_sleep_while_plugged_in_warns(make_windows):
    machine = make_windows("windows10")
    machine.timeouts = dict(machine.timeouts, ac_sleep_seconds=1800)

    facts = facts_of(machine)

    result = judge(facts, DEFAULT_PROFILE)
    power = next(c for c in result["checks"] if c["id"] == "power")
    assert power["status"] == "warn"
    assert "30" in power["message"]


def test_an_iphone_hotspot_is_recognised_by_its_gateway(make_windows):
    machine = make_windows("windows10")
    machine.wmi_rows["Win32_NetworkAdapterConfiguration"][0]["DefaultIPGateway"] = ["172.20.10.1"]

    facts = facts_of(machine)

    assert facts["network"]["hotspot"] is True
    assert status(facts, "network") == "warn"


def test_a_phone_tethered_over_usb_is_a_hotspot(make_windows):
    machine = make_windows("windows7")
    machine.wmi_rows["Win32_NetworkAdapterConfiguration"] = [
        {
            "InterfaceIndex": 20,
            "Description": "Remote NDIS based Internet Sharing Device",
            "DefaultIPGateway": ["192.168.42.129"],
            "IPConnectionMetric": 25,
        }
    ]

    facts = facts_of(machine)

    assert facts["network"]["hotspot"] is True


def test_a_vmware_guest_warns(make_windows):
    machine = make_windows("windows10")
    machine.key(
        winsys.HKLM,
        w.BIOS,
        views=(64,),
        SystemManufacturer="VMware, Inc.",
        SystemProductName="VMware7,1",
        BIOSVendor="VMware, Inc.",
    )

    facts = facts_of(machine)

    assert facts["virtual_machine"] == {"detected": True, "evidence": ["VMware"]}
    assert status(facts, "virtual_machine") == "warn"


def test_a_probe_that_crashes_becomes_unknown_and_the_rest_still_run(make_windows):
    machine = make_windows("windows10")
    machine.monitors = OSError("user32 missing")
    machine.wmi_rows[w.CAMERA_QUERY] = RuntimeError("WMI repository corrupt")
    machine.timeouts = {"ac_sleep_seconds": 0}

    facts = facts_of(machine)

    assert facts["displays"] == {"unknown": "OSError"}
    assert facts["cameras"] == {"unknown": "RuntimeError"}
    assert facts["power"]["ac_display_seconds"] == {"unknown": "not readable"}
    assert facts["memory"]["total_bytes"] > 0
    assert status(facts, "displays") == "unknown"


def test_without_psutil_processes_are_skipped_but_registry_and_services_still_answer(make_windows):
    machine = make_windows("windows10")
    machine.processes = RuntimeError("psutil missing")
    machine.key(winsys.HKLM, w.SERVICES + r"\kxescore", views=(64,), Start=2)

    facts = facts_of(machine)

    assert facts["security_software"]["unavailable"] == {"processes": "RuntimeError"}
    assert [m["product"] for m in facts["security_software"]["matches"]] == ["金山毒霸"]


class Completed:
    def __init__(self, stdout: bytes, returncode: int = 0) -> None:
        self.stdout, self.returncode = stdout, returncode


def powershell_answering(*answers):
    """A WindowsSystem whose PowerShell gives these answers (Completed or an exception)."""
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        answer = answers[min(len(calls), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return winsys.WindowsSystem(run=run), calls


def test_the_powershell_fallback_asks_for_json_rows_without_a_profile():
    row = {"Name": "USB 视频设备", "ClassGuid": w.IMAGE_CLASS, "ConfigManagerErrorCode": 0}
    system, calls = powershell_answering(Completed(json.dumps({"rows": row}).encode()))

    rows = system._wmi_powershell(w.CAMERA_QUERY, r"root\cimv2", ["Name"])

    assert rows == [row]
    assert "-NoProfile" in calls[0]
    assert "Get-CimInstance" in calls[0][-1]
    assert "ConvertTo-Json -InputObject @{rows = $rows}" in calls[0][-1]
    assert "$ErrorActionPreference = 'Stop'" in calls[0][-1]


def test_wmi_answering_zero_rows_is_no_camera():
    system, _calls = powershell_answering(Completed(b'{"rows":[]}'))

    facts = run_probes({"cameras": lambda: w.cameras_fact(system)})

    assert facts["cameras"] == {"count": 0, "names": []}
    assert status(facts, "camera") == "fail"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Completed(b""), "WMI gave no answer"),
        (Completed(b"  \r\n"), "WMI gave no answer"),
        (Completed(b"Get-CimInstance : Invalid class", returncode=1), "WMI query failed"),
        (Completed(b"<html>"), "WMI answer unreadable"),
        (Completed(b'{"Name": "x"}'), "WMI answer unreadable"),
        (FileNotFoundError("powershell.exe"), "PowerShell not found"),
        (subprocess.TimeoutExpired("powershell.exe", 20), "timed out"),
    ],
)
def test_an_empty_or_failed_wmi_answer_is_unknown_never_no_camera(answer, reason):
    system, _calls = powershell_answering(answer)

    facts = run_probes(
        {
            "cameras": lambda: w.cameras_fact(system),
            "network": lambda: w.network_fact(system),
            "virtual_machine": lambda: w.virtual_machine_fact(FailingBios(system)),
        }
    )

    assert facts["cameras"] == {"unknown": reason}
    assert facts["network"] == {"unknown": reason}
    assert facts["virtual_machine"] == {"unknown": reason}
    camera = next(c for c in judge(facts, DEFAULT_PROFILE)["checks"] if c["id"] == "camera")
    assert camera["status"] == "unknown"
    assert "没有找到摄像头" not in camera["message"]
    assert not re.search("[A-Za-z]", camera["message"].replace("PowerShell", ""))


class FailingBios:
    """A system whose registry has no BIOS key, so the VM probe asks WMI."""

    def __init__(self, system):
        self.system = system

    def values(self, hive, path, view=64):
        raise FileNotFoundError(path)

    def wmi(self, query, namespace=r"root\cimv2"):
        return self.system.wmi(query, namespace)
