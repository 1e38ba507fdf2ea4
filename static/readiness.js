// The phone self-check: collects what the phone's browser can tell, posts it to the desk,
// which judges it (Android 8+ or HarmonyOS, camera, microphone, recording, storage, battery).
(function () {
  "use strict";
  var RECORD_MS = 3000;

  function text(root, key) { return root.getAttribute("data-text-" + key) || key; }

  function inAppBrowser() {
    var ua = navigator.userAgent || "";
    return ua.indexOf("MicroMessenger") >= 0 || ua.indexOf("QQ/") >= 0;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var out = "";
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes.forEach(function (b) { out += (b + 256).toString(16).slice(1); });
    return out;
  }

  function clientHints() {
    var data = navigator.userAgentData;
    if (!data || !data.getHighEntropyValues) { return Promise.resolve({ unknown: "not supported" }); }
    return data.getHighEntropyValues(["platformVersion", "model"]).then(function (h) {
      return { platform: h.platform || data.platform || "", platform_version: h.platformVersion || "",
               mobile: !!data.mobile, model: (h.model || "").slice(0, 60) };
    }, function (e) { return { unknown: String(e && e.name) }; });
  }

  function media(kind) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.resolve({ stream: null, error: "NotSupportedError" });
    }
    var constraints = kind === "both" ? { video: { facingMode: "environment" }, audio: true }
      : kind === "video" ? { video: true } : { audio: true };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      return { stream: stream, error: null };
    }, function (e) { return { stream: null, error: (e && e.name) || "Error" }; });
  }

  function devices(facts) {
    return media("both").then(function (both) {
      if (both.stream) { return both; }
      // One of the two may work on its own: ask separately to tell which one fails.
      return media("video").then(function (video) {
        return media("audio").then(function (audio) {
          return { stream: video.stream || audio.stream, videoError: video.error, audioError: audio.error,
                   extra: video.stream && audio.stream ? audio.stream : null };
        });
      });
    }).then(function (got) {
      var stream = got.stream;
      var hasVideo = !!(stream && stream.getVideoTracks().length);
      var hasAudio = !!((stream && stream.getAudioTracks().length) || got.extra);
      facts.camera = { ok: hasVideo, error: hasVideo ? null : (got.videoError || got.error) };
      facts.microphone = { ok: hasAudio, error: hasAudio ? null : (got.audioError || got.error) };
      if (got.extra) { got.extra.getTracks().forEach(function (t) { t.stop(); }); }
      return stream;
    });
  }

  function record(stream, facts) {
    if (!window.MediaRecorder) { facts.recording = { supported: false, bytes: 0 }; return Promise.resolve(); }
    if (!stream) { facts.recording = { unknown: "no camera or microphone" }; return Promise.resolve(); }
    return new Promise(function (resolve) {
      var size = 0;
      var started = Date.now();
      var recorder;
      try { recorder = new MediaRecorder(stream); } catch (e) {
        facts.recording = { supported: false, bytes: 0, error: String(e && e.name) };
        resolve(); return;
      }
      recorder.ondataavailable = function (event) { size += (event.data && event.data.size) || 0; };
      recorder.onstop = function () {
        facts.recording = { supported: true, bytes: size, seconds: (Date.now() - started) / 1000,
                            mime_type: recorder.mimeType || "" };
        resolve();
      };
      recorder.start(500);
      setTimeout(function () { if (recorder.state !== "inactive") { recorder.stop(); } }, RECORD_MS);
    });
  }

  function storage(facts) {
    if (!navigator.storage || !navigator.storage.estimate) { facts.storage = { unknown: "not supported" }; return Promise.resolve(); }
    return navigator.storage.estimate().then(function (e) {
      facts.storage = { quota_bytes: e.quota || 0, usage_bytes: e.usage || 0 };
    }, function (e) { facts.storage = { unknown: String(e && e.name) }; });
  }

  function battery(facts) {
    if (!navigator.getBattery) { facts.battery = { unknown: "not supported" }; return Promise.resolve(); }
    return navigator.getBattery().then(function (b) {
      facts.battery = { level: b.level, charging: !!b.charging };
    }, function (e) { facts.battery = { unknown: String(e && e.name) }; });
  }

  function show(root, answer) {
    var outcome = document.getElementById("phone-outcome");
    outcome.textContent = "";
    var head = document.createElement("p");
    var verdict = document.createElement("strong");
    verdict.className = "status-" + answer.verdict;
    verdict.textContent = text(root, "verdict-" + answer.verdict);
    head.appendChild(verdict);
    head.appendChild(document.createTextNode(" · " + text(root, "code") + " "));
    var code = document.createElement("strong");
    code.className = "mono report-code";
    code.textContent = answer.report_code;
    head.appendChild(code);
    outcome.appendChild(head);
    var list = document.createElement("ul");
    list.className = "checks";
    answer.checks.forEach(function (check) {
      var item = document.createElement("li");
      item.className = "check status-" + check.status;
      item.setAttribute("data-check", check.id);
      var title = document.createElement("strong");
      title.textContent = check.title;
      item.appendChild(title);
      item.appendChild(document.createTextNode(" · " + text(root, check.status)));
      var message = document.createElement("div");
      message.textContent = check.message;
      item.appendChild(message);
      if (check.status !== "pass" && check.fix) {
        var fix = document.createElement("div");
        fix.className = "fix";
        fix.textContent = text(root, "fix") + " " + check.fix;
        item.appendChild(fix);
      }
      list.appendChild(item);
    });
    outcome.appendChild(list);
  }

  function run(root, button) {
    var status = document.getElementById("phone-status");
    var preview = document.getElementById("phone-preview");
    var facts = { in_app_browser: inAppBrowser() };
    var stream = null;
    button.disabled = true;
    status.textContent = text(root, "running");
    clientHints().then(function (hints) {
      facts.client_hints = hints;
      return devices(facts);
    }).then(function (s) {
      stream = s;
      if (stream && stream.getVideoTracks().length) { preview.srcObject = stream; preview.hidden = false; }
      status.textContent = text(root, "recording");
      return record(stream, facts);
    }).then(function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      preview.hidden = true;
      return Promise.all([storage(facts), battery(facts)]);
    }).then(function () {
      status.textContent = text(root, "sending");
      return fetch(root.getAttribute("data-post-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.getAttribute("data-csrf"),
                   "Idempotency-Key": newKey(), "Accept": "application/json" },
        body: JSON.stringify({ facts: facts })
      });
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (answer) {
      status.textContent = "";
      show(root, answer);
    }).catch(function () {
      status.textContent = text(root, "failed");
    }).then(function () { button.disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("phone-check");
    if (!root) { return; }
    if (inAppBrowser()) { document.getElementById("in-app-notice").hidden = false; }
    var button = document.getElementById("phone-start");
    button.addEventListener("click", function () { run(root, button); });
  });
})();
