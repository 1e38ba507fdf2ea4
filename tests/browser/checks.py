"""Checks every page the browser tests open: axe-core (the npm package, pinned in the repo's
package.json) at 1366×768 and at 360×740; a candidate's page no wider than the phone; on a
zh-CN page no snake_case code or untranslated English word in the visible text. A screenshot
of each size goes to build/screenshots/<test>/, which CI keeps.

How: an init script, run in every document before the page's own scripts, covers the page with
an empty veil when its DOM is ready and calls back into Python (a Playwright binding). Python
runs axe on the page at the test's own size, then lays a copy of the page's DOM (its scripts'
work included, scripts removed, styles inlined, no network) out at the other size in a page of
its own and runs axe there, so the test's page is never resized under it. Only then does the
veil go: a test's next click (which waits for nothing to cover its target) and a `goto` (which
waits for the load event, held by a gate image until the check is done) cannot leave a page
unchecked.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
GATE = "/__page_check_gate.gif"
#: A transparent 1×1 GIF: what the gate image gets once the check is done.
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)
BLOCKING = {"serious", "critical"}
#: Staff pages may scroll a wide table sideways on a phone; a candidate's page never does.
STAFF_PATHS = ("/staff", "/admin")

INIT_SCRIPT = """
(() => {
  if (window.top !== window || window.__pageCheck) return;
  window.__pageCheck = "pending";
  document.addEventListener("DOMContentLoaded", () => {
    const veil = document.createElement("div");
    veil.id = "__page_check_veil";
    veil.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:transparent";
    document.documentElement.appendChild(veil);
    const gate = new Image();
    gate.id = "__page_check_gate";
    gate.alt = "";
    gate.style.cssText = "position:absolute;width:1px;height:1px;opacity:0";
    gate.src = "%GATE%?" + Math.random();
    document.documentElement.appendChild(gate);
    window.__pageChecked().then(
      () => { veil.remove(); gate.remove(); window.__pageCheck = "done"; },
      () => { veil.remove(); gate.remove(); window.__pageCheck = "failed"; });
  });
})();
""".replace("%GATE%", GATE)

RUN_AXE = """
async () => {
  while (axe._running) { await new Promise(resolve => setTimeout(resolve, 50)); }
  const result = await axe.run(document, {
    exclude: [["#__page_check_veil"], ["#__page_check_gate"]],
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}
"""

#: The page as it stands (what its scripts made of it), without scripts and the check's parts.
SNAPSHOT = """
() => {
  const clone = document.documentElement.cloneNode(true);
  clone.querySelectorAll("script, #__page_check_veil, #__page_check_gate")
    .forEach(el => el.remove());
  const css = [...document.styleSheets]
    .map(sheet => [...sheet.cssRules].map(r => r.cssText).join("\\n"));
  clone.querySelectorAll('link[rel="stylesheet"]').forEach(el => el.remove());
  const style = document.createElement("style");
  style.textContent = css.join("\\n");
  clone.querySelector("head").appendChild(style);
  clone.querySelectorAll("input, textarea").forEach((el, i) => {
    const live = document.querySelectorAll("input, textarea")[i];
    const secret = live && (live.type === "password" || live.type === "file");
    if (live && !secret) el.setAttribute("value", live.value);
  });
  return "<!doctype html>" + clone.outerHTML;
}
"""

#: The visible text of the page, without what is marked as not to be translated (people's
#: names, usernames, codes a candidate reads off their own screen: translate="no") and
#: without what is in another language on purpose (the "English" button: lang="en").
VISIBLE_TEXT = """
() => {
  const lang = document.documentElement.lang || "";
  const clone = document.body.cloneNode(true);
  const skip = '[translate="no"], [lang]:not([lang^="zh"]), script, style, #__page_check_veil';
  clone.querySelectorAll(skip).forEach(el => el.remove());
  const holder = document.createElement("div");
  holder.style.cssText = "position:absolute;left:-99999px;top:0;width:1000px";
  holder.appendChild(clone);
  document.documentElement.appendChild(holder);
  const text = clone.innerText;
  holder.remove();
  return {lang, text};
}
"""

#: Names and units that are the same in Chinese text: products, systems, file formats.
ALLOWED_WORDS = {
    word.lower()
    for words in (
        "CSV XLSX PDF SHA SHA-256 PC USB Wi-Fi WiFi Windows Android HarmonyOS iOS Apple Mac",
        "Chrome Chromium Edge Safari Firefox QQ WeChat McAfee Twilio API JSON HTTP HTTPS URL",
        "ID GB MB KB Mbps kbps ms SMS TOTP IP OK Python Google Microsoft Authenticator FreeOTP",
    )
    for word in words.split()
}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LATIN = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]")
#: A token with a digit, an @ or a dot in it is data (ZK20230077, video-0110-1, a host name).
DATA_TOKEN = re.compile(r"[A-Za-z0-9_.@:/\-]*[0-9@./:][A-Za-z0-9_.@:/\-]*")


def foreign_words(text: str) -> list[str]:
    """The snake_case codes and English words in a zh-CN page's visible text."""
    found = SNAKE.findall(text)
    stripped = DATA_TOKEN.sub(" ", SNAKE.sub(" ", text))
    for word in LATIN.findall(stripped):
        if word.lower() in ALLOWED_WORDS or word.isupper():
            continue  # an acronym or an error code the client shows (E_NETWORK)
        found.append(word)
    return found


CHECK_DONE = "() => !window.__pageCheck || window.__pageCheck !== 'pending'"


def wait_for_check(page: Any) -> None:
    """Wait until the page's own check has finished: reloading or navigating under a running
    check detaches the page it is evaluating in ("Not attached to an active page")."""
    page.wait_for_function(CHECK_DONE, timeout=15_000)


@dataclass
class PageChecks:
    """What the checks found in one test: each problem names the page and the size."""

    test_name: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    _pending: dict[int, Any] = field(default_factory=dict)
    _shots: int = 0
    _mirrors: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.\-]+", "-", self.test_name)
        shutil.rmtree(self.folder, ignore_errors=True)  # this run's pages only

    def install(self, context: Any) -> None:
        if not AXE.exists():
            raise RuntimeError(f"{AXE} is missing: run `make install` (npm ci) first")
        source = AXE.read_text(encoding="utf-8")
        context.route(f"**{GATE}*", lambda route: self._hold(route))
        context.expose_binding("__pageChecked", lambda src: self._check(src["page"], source))
        context.add_init_script(INIT_SCRIPT)

    def _hold(self, route: Any) -> None:
        page = route.request.frame.page
        self._pending[id(page)] = route

    def _release(self, page: Any) -> None:
        route = self._pending.pop(id(page), None)
        if route is not None:
            with contextlib.suppress(Exception):  # the page has gone: nothing waits
                route.fulfill(status=200, content_type="image/gif", body=GIF)

    def _check(self, page: Any, axe_source: str) -> None:
        path = urlsplit(page.url).path or "/"
        own = page.viewport_size or DESKTOP
        other = PHONE if own["width"] > PHONE["width"] else DESKTOP
        mirror = None
        try:
            page.evaluate(axe_source)
            self._run(page, path, own)
            snapshot = page.evaluate(SNAPSHOT)
            text = page.evaluate(VISIBLE_TEXT)
            if text["lang"].startswith("zh"):
                for word in foreign_words(text["text"]):
                    at = text["text"].find(word)
                    seen = " ".join(text["text"][max(0, at - 30) : at + len(word) + 30].split())
                    self.problems.append(f"{path}: not in Chinese: {word!r} in “{seen}”")
            mirror = self._mirror(page.context, other)
            mirror.set_content(snapshot.replace("<head>", f'<head><base href="{page.url}">', 1))
            mirror.evaluate(axe_source)
            self._run(mirror, path, other)
            self.checked.append(path)
        except Exception as error:  # noqa: BLE001 - navigated away mid-check
            # A page that reloads itself (the device check's refresh) may land between
            # injecting axe and running it: the new document has no axe, and gets its own check.
            gone = ("context was destroyed", "closed", "axe is not defined")
            if not any(words in str(error) for words in gone):
                self.problems.append(f"{path}: the check failed: {error}")
        finally:
            if mirror is not None:
                with contextlib.suppress(Exception):
                    mirror.close()
            self._release(page)

    def _mirror(self, context: Any, size: dict[str, int]) -> Any:
        """A page of the other size, in a context of its own (no checks of its own), where
        a copy of the page's DOM is laid out: the test's page is never resized under it.

        A new page for every check: checks of two pages interleave (one test page's check
        waits on the browser while Playwright calls back for another's), and in a shared
        page the second copy replaced the first before the first was measured, so a staff
        page's width was once reported as the candidate page's ("/readiness at 360x740:
        532 px wide")."""
        key = f"{size['width']}x{size['height']}"
        if key not in self._mirrors:
            mobile = size["width"] < DESKTOP["width"]
            mirror = context.browser.new_context(
                viewport=size, is_mobile=mobile, has_touch=mobile, java_script_enabled=True
            )
            mirror.route("**/*", lambda route: route.abort())  # the copy fetches nothing
            self._mirrors[key] = mirror
        return self._mirrors[key].new_page()

    def _run(self, page: Any, path: str, size: dict[str, int]) -> None:
        label = f"{size['width']}x{size['height']}"
        for violation in page.evaluate(RUN_AXE):
            if violation["impact"] in BLOCKING:
                nodes = "; ".join(violation["nodes"])
                self.problems.append(
                    f"{path} at {label}: axe {violation['impact']} {violation['id']}"
                    f" ({violation['help']}): {nodes}"
                )
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        if size == PHONE and not path.startswith(STAFF_PATHS) and width > PHONE["width"]:
            self.problems.append(f"{path} at {label}: {width} px wide, scrolls sideways")
        self._shots += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
        self.folder.mkdir(parents=True, exist_ok=True)
        shot = self.folder / f"{self._shots:02d}-{slug}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)

    def settle(self, pages: list[Any]) -> None:
        """Wait for the checks of the pages still open (the last page of each)."""
        for page in pages:
            if page.is_closed():
                continue
            try:
                wait_for_check(page)
            except Exception as error:  # noqa: BLE001
                self.problems.append(f"{page.url}: the check did not finish: {error}")

    def close(self) -> None:
        for mirror in self._mirrors.values():
            mirror.close()
