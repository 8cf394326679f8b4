// InMobi Choice (formerly Quantcast Choice) stand-in:
// https://cmp.inmobi.com/choice/<pCode>/<host>/choice.js?tag_version=V3. Written for sitescan's tests from the
// CMP's public DOM and the IAB TCF specifications; no InMobi code is included.
//
// DOM: #qc-cmp2-container > #qc-cmp2-main.qc-cmp2-main > #qc-cmp2-ui (role=dialog).
//   First layer: .qc-cmp2-summary-section with .qc-cmp2-summary-buttons holding
//     button[mode=secondary] "MORE OPTIONS" and button[mode=primary] "AGREE". There is NO reject on it.
//   Second layer (after MORE OPTIONS): .qc-cmp2-consent-info with .qc-cmp2-header-links holding
//     button#disagree-btn[mode=link] "REJECT ALL" and button[mode=link] "ACCEPT ALL" (both only flip every
//     toggle, they do not save), a toggle per purpose group (.qc-cmp2-toggle-switch >
//     button[role=switch][aria-checked], all off at first) and .qc-cmp2-footer .qc-cmp2-buttons-desktop >
//     button[mode=primary] "SAVE & EXIT", which stores the toggles and closes. Reject = MORE OPTIONS, then
//     REJECT ALL (or leave the toggles off), then SAVE & EXIT.
// Storage (after a choice only; cookies on the registrable domain, 395 days): euconsent-v2 (IAB TCF v2.2 TC
//   string, CMP id 10) and addtl_consent (Google Additional Consent, "1~<ids>" when accepted, "1~" when not).
// Globals: __tcfapi (ping, addEventListener, removeEventListener, getTCData) and the __tcfapiLocator frame.
// Gated tags: <script type="text/plain" data-consent="analytics|marketing">: analytics needs purposes 1 and 8-10,
//   marketing purposes 1-4 and 7 (the stand-in maps its two toggles groups onto those purposes).
(function () {
  "use strict";
  if (window.__tcfapi && window.__tcfapi.__standIn) return;
  var YEAR13 = 395 * 24 * 3600;
  var AC_ACCEPTED = "1~89.2008.2072.2253.2299";
  var GROUPS = [
    { key: "analytics", label: "Measure content performance and understand audiences" },
    { key: "marketing", label: "Use profiles to select personalised advertising" },
  ];

  function baseDomain() {
    return location.hostname.split(".").slice(-2).join(".");
  }
  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
    }
    return null;
  }
  function writeCookie(name, value) {
    document.cookie = name + "=" + value + "; path=/; domain=." + baseDomain() + "; max-age=" + YEAR13 +
      "; SameSite=Lax";
  }

  // The stored TC string is the source of truth: decode the purpose bits we wrote.
  function decodePurposes(text) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    var bits = "";
    for (var i = 0; i < text.length; i++) {
      var index = alphabet.indexOf(text[i]);
      if (index < 0) return null;
      var b = index.toString(2);
      while (b.length < 6) b = "0" + b;
      bits += b;
    }
    var start = 6 + 36 + 36 + 12 + 12 + 6 + 12 + 12 + 6 + 1 + 1 + 12; // PurposesConsent starts at bit 152
    if (bits.length < start + 24) return null;
    var purposes = {};
    for (var p = 1; p <= 24; p++) purposes[p] = bits[start + p - 1] === "1";
    return purposes;
  }
  var tc = readCookie("euconsent-v2");
  var ac = readCookie("addtl_consent");
  var choice = null;
  if (tc) {
    var stored = decodePurposes(tc);
    if (stored) choice = { analytics: stored[8] && stored[9], marketing: stored[3] && stored[4] };
  }
  var uiShown = false;

  var TCF = {
    cmpId: 10,
    cmpVersion: 3,
    gvlVersion: 120,
    publisherCC: "GB",
    choice: function () { return choice; },
    tcString: function () { return tc || ""; },
    uiShown: function () { return uiShown; },
    addtlConsent: function () { return ac || ""; },
  };
  // -- IAB TCF v2.2 (own code, written from the public TC string and __tcfapi specifications) -------------
  // Purposes: 1 store/access, 2-4 and 7 advertising, 5-6 content personalisation, 8-10 measurement and
  // research, 11 limited data for content. analytics -> 1, 8, 9, 10; marketing -> 1-7, 11; Google = vendor 755.
  function tcfPurposes(choice) {
    var p = {};
    for (var i = 1; i <= 11; i++) p[i] = false;
    if (choice.analytics || choice.marketing) p[1] = true;
    if (choice.analytics) p[8] = p[9] = p[10] = true;
    if (choice.marketing) p[2] = p[3] = p[4] = p[5] = p[6] = p[7] = p[11] = true;
    return p;
  }
  function tcfVendors(choice) {
    var v = {};
    v[755] = !!(choice.analytics || choice.marketing);
    return v;
  }
  function tcString(choice, created) {
    var bits = "";
    function int(value, width) {
      var b = Math.max(0, Math.floor(value)).toString(2);
      while (b.length < width) b = "0" + b;
      bits += b.slice(-width);
    }
    function bool(value) { bits += value ? "1" : "0"; }
    function letters(code) { int(code.charCodeAt(0) - 65, 6); int(code.charCodeAt(1) - 65, 6); }
    var day = Math.floor(created / 86400000) * 864000; // deciseconds, rounded to the day (TCF 2.2)
    var purposes = tcfPurposes(choice);
    var vendors = tcfVendors(choice);
    var consented = Object.keys(vendors).filter(function (id) { return vendors[id]; }).map(Number);
    var maxVendor = consented.length ? Math.max.apply(null, consented) : 0;
    int(2, 6); int(day, 36); int(day, 36); int(TCF.cmpId, 12); int(TCF.cmpVersion, 12); int(1, 6);
    letters("EN"); int(TCF.gvlVersion, 12); int(4, 6); bool(true); bool(false); int(0, 12);
    for (var p = 1; p <= 24; p++) bool(purposes[p]);
    for (p = 1; p <= 24; p++) bool(false); // no legitimate-interest transparency
    bool(false); letters(TCF.publisherCC);
    int(maxVendor, 16); bool(false);
    for (var v = 1; v <= maxVendor; v++) bool(vendors[v]);
    int(0, 16); bool(false); // no vendor legitimate interests
    int(0, 12); // no publisher restrictions
    while (bits.length % 8) bits += "0";
    while (bits.length % 6) bits += "0";
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    var out = "";
    for (var i = 0; i < bits.length; i += 6) out += alphabet[parseInt(bits.slice(i, i + 6), 2)];
    return out;
  }
  var tcfListeners = {};
  var tcfNextListener = 1;
  function tcData(eventStatus, listenerId) {
    var choice = TCF.choice();
    var purposes = choice ? tcfPurposes(choice) : tcfPurposes({});
    var vendors = choice ? tcfVendors(choice) : tcfVendors({});
    var data = {
      tcString: choice ? TCF.tcString() : "",
      tcfPolicyVersion: 4,
      cmpId: TCF.cmpId,
      cmpVersion: TCF.cmpVersion,
      gdprApplies: true,
      eventStatus: eventStatus,
      cmpStatus: "loaded",
      isServiceSpecific: true,
      useNonStandardTexts: false,
      publisherCC: TCF.publisherCC,
      purposeOneTreatment: false,
      purpose: { consents: purposes, legitimateInterests: {} },
      vendor: { consents: vendors, legitimateInterests: {} },
      specialFeatureOptins: {},
      publisher: { consents: {}, legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} },
        restrictions: {} },
    };
    if (listenerId !== undefined) data.listenerId = listenerId;
    if (TCF.addtlConsent) data.addtlConsent = TCF.addtlConsent();
    return data;
  }
  function tcfStatus() {
    return TCF.choice() ? "tcloaded" : (TCF.uiShown() ? "cmpuishown" : "tcloaded");
  }
  function tcfNotify(eventStatus) {
    Object.keys(tcfListeners).forEach(function (id) {
      try { tcfListeners[id](tcData(eventStatus, Number(id)), true); } catch (e) { /* a listener must not break us */ }
    });
  }
  function tcfApi(command, version, callback, parameter) {
    if (typeof callback !== "function") return;
    if (command === "ping") {
      callback({ gdprApplies: true, cmpLoaded: true, cmpStatus: "loaded",
        displayStatus: TCF.uiShown() ? "visible" : (TCF.choice() ? "hidden" : "disabled"), apiVersion: "2.2",
        cmpVersion: TCF.cmpVersion, cmpId: TCF.cmpId, gvlVersion: TCF.gvlVersion, tcfPolicyVersion: 4 });
    } else if (command === "addEventListener") {
      var id = tcfNextListener++;
      tcfListeners[id] = callback;
      callback(tcData(tcfStatus(), id), true);
    } else if (command === "removeEventListener") {
      var known = Object.prototype.hasOwnProperty.call(tcfListeners, parameter);
      delete tcfListeners[parameter];
      callback(known);
    } else if (command === "getTCData") { // deprecated in TCF 2.2, still answered
      callback(tcData(tcfStatus()), true);
    } else {
      callback(null, false);
    }
  }
  function tcfInstall() {
    var queued = window.__tcfapi && window.__tcfapi.a ? window.__tcfapi.a : [];
    window.__tcfapi = tcfApi;
    queued.forEach(function (args) { tcfApi.apply(null, args); });
    // Frames find the CMP through a hidden iframe named __tcfapiLocator and talk to it with postMessage.
    function addLocator() {
      if (window.frames.__tcfapiLocator) return;
      var frame = document.createElement("iframe");
      frame.name = "__tcfapiLocator";
      frame.style.display = "none";
      frame.title = "";
      (document.body || document.documentElement).appendChild(frame);
    }
    if (document.body) addLocator(); else document.addEventListener("DOMContentLoaded", addLocator);
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (typeof data === "string") { try { data = JSON.parse(data); } catch (e) { return; } }
      var call = data && data.__tcfapiCall;
      if (!call || !event.source) return;
      tcfApi(call.command, call.version, function (value, success) {
        event.source.postMessage({ __tcfapiReturn: { returnValue: value, success: success, callId: call.callId } }, "*");
      }, call.parameter);
    });
  }
  tcfInstall();
  window.__tcfapi.__standIn = true;

  function save(next) {
    choice = { analytics: !!next.analytics, marketing: !!next.marketing };
    tc = tcString(choice, Date.now());
    ac = choice.marketing ? AC_ACCEPTED : "1~";
    writeCookie("euconsent-v2", tc);
    writeCookie("addtl_consent", ac);
    closeUi();
    activateScripts();
    tcfNotify("useractioncomplete");
  }

  // -- gated tags ---------------------------------------------------------------------------------------
  function activateScripts() {
    if (!choice) return;
    var scripts = document.querySelectorAll('script[type="text/plain"][data-consent]');
    Array.prototype.forEach.call(scripts, function (old) {
      if (!choice[old.getAttribute("data-consent")]) return;
      var fresh = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (attr) {
        if (attr.name !== "type" && attr.name !== "data-src") fresh.setAttribute(attr.name, attr.value);
      });
      fresh.type = "text/javascript";
      if (old.getAttribute("data-src")) fresh.src = old.getAttribute("data-src");
      else fresh.text = old.text;
      old.parentNode.replaceChild(fresh, old);
    });
  }

  // -- DOM ----------------------------------------------------------------------------------------------
  var CSS = [
    "#qc-cmp2-container{font:14px/1.5 Arial,sans-serif;color:#212121}",
    "#qc-cmp2-main{position:fixed;inset:0;z-index:2147483647;background:rgba(33,41,52,.66);display:flex;",
    "align-items:center;justify-content:center}",
    "#qc-cmp2-ui{background:#fff;width:770px;max-width:95vw;max-height:90vh;overflow:auto;border-radius:5px;padding:24px}",
    "#qc-cmp2-ui h2{font-size:20px;margin:0 0 10px}",
    ".qc-cmp2-summary-buttons,.qc-cmp2-buttons-desktop,.qc-cmp2-header-links{display:flex;gap:10px;",
    "justify-content:flex-end;margin-top:16px}",
    "#qc-cmp2-ui button[mode=primary],#qc-cmp2-ui button[mode=secondary]{padding:12px 26px;border-radius:4px;",
    "font-weight:700;letter-spacing:.1em;cursor:pointer;border:2px solid #206dc5}",
    "#qc-cmp2-ui button[mode=primary]{background:#206dc5;color:#fff}",
    "#qc-cmp2-ui button[mode=secondary]{background:#fff;color:#206dc5}",
    "#qc-cmp2-ui button[mode=link]{background:none;border:0;color:#206dc5;font-weight:700;cursor:pointer}",
    ".qc-cmp2-list-item{display:flex;justify-content:space-between;align-items:center;border-top:1px solid #ddd;",
    "padding:10px 0}",
    ".qc-cmp2-toggle{width:44px;height:22px;border-radius:11px;border:0;background:#c4c4c4}",
    ".qc-cmp2-toggle[aria-checked=true]{background:#206dc5}",
  ].join("");
  var container = null;
  var ui = null;
  function ensureContainer() {
    if (container) return;
    var style = document.createElement("style");
    style.id = "qc-cmp2-style";
    style.textContent = CSS;
    document.head.appendChild(style);
    container = document.createElement("div");
    container.id = "qc-cmp2-container";
    container.setAttribute("data-nosnippet", "");
    document.body.appendChild(container);
  }
  function renderFirstLayer() {
    ensureContainer();
    container.innerHTML =
      '<div id="qc-cmp2-main" class="qc-cmp2-main"><div id="qc-cmp2-ui" role="dialog" aria-label="qc-cmp2-ui" ' +
      'aria-modal="true" tabindex="0" class="qc-cmp2-ui">' +
      '<div class="qc-cmp2-summary-section"><div class="qc-cmp2-summary-info">' +
      "<h2>We value your privacy</h2>" +
      "<p>We and our partners store and/or access information on a device, such as cookies, and process " +
      "personal data, such as unique identifiers and standard information sent by a device, for personalised " +
      "advertising and content, advertising and content measurement, audience research and services " +
      "development. With your permission we and our partners may use precise geolocation data. You may click " +
      "to consent to our and our partners\u2019 processing as described above. Alternatively you may access " +
      "more detailed information and change your preferences before consenting.</p>" +
      "</div>" +
      '<div class="qc-cmp2-summary-buttons">' +
      '<button mode="secondary" size="large" class="css-more-options" aria-pressed="false">MORE OPTIONS</button>' +
      '<button mode="primary" size="large" class="css-agree" aria-pressed="false">AGREE</button>' +
      "</div></div></div></div>";
    ui = container.querySelector("#qc-cmp2-ui");
    var buttons = container.querySelectorAll(".qc-cmp2-summary-buttons > button");
    buttons[0].addEventListener("click", renderSecondLayer);
    buttons[1].addEventListener("click", function () { save({ analytics: true, marketing: true }); });
    if (!uiShown) {
      uiShown = true;
      tcfNotify("cmpuishown");
    }
  }
  function renderSecondLayer() {
    ensureContainer();
    var items = GROUPS.map(function (group) {
      return '<div class="qc-cmp2-list-item"><span class="qc-cmp2-list-item-title">' + group.label + "</span>" +
        '<div class="qc-cmp2-toggle-switch"><button role="switch" aria-checked="false" aria-label="' +
        group.label + '" class="qc-cmp2-toggle" data-group="' + group.key + '"></button></div></div>';
    }).join("");
    container.innerHTML =
      '<div id="qc-cmp2-main" class="qc-cmp2-main"><div id="qc-cmp2-ui" role="dialog" aria-label="qc-cmp2-ui" ' +
      'aria-modal="true" tabindex="0" class="qc-cmp2-ui">' +
      '<div class="qc-cmp2-consent-info"><h2>We value your privacy</h2>' +
      "<p>You can set your consent preferences and determine how you want your data to be used based on the " +
      "purposes below.</p>" +
      '<div class="qc-cmp2-header-links">' +
      '<button mode="link" size="small" id="disagree-btn" class="css-reject-all">REJECT ALL</button>' +
      '<button mode="link" size="small" class="css-accept-all">ACCEPT ALL</button>' +
      "</div>" +
      '<div class="qc-cmp2-scrollable-section">' + items + "</div></div>" +
      '<div class="qc-cmp2-footer"><div class="qc-cmp2-buttons-desktop">' +
      '<button mode="secondary" size="large" class="css-partners">PARTNERS</button>' +
      '<button mode="primary" size="large" class="css-save-exit">SAVE &amp; EXIT</button>' +
      "</div></div></div></div>";
    ui = container.querySelector("#qc-cmp2-ui");
    Array.prototype.forEach.call(container.querySelectorAll(".qc-cmp2-toggle"), function (toggle) {
      toggle.addEventListener("click", function () {
        toggle.setAttribute("aria-checked", toggle.getAttribute("aria-checked") === "true" ? "false" : "true");
      });
    });
    function setAll(on) {
      Array.prototype.forEach.call(container.querySelectorAll(".qc-cmp2-toggle"), function (toggle) {
        toggle.setAttribute("aria-checked", on ? "true" : "false");
      });
    }
    container.querySelector("#disagree-btn").addEventListener("click", function () { setAll(false); });
    container.querySelector(".css-accept-all").addEventListener("click", function () { setAll(true); });
    container.querySelector(".css-save-exit").addEventListener("click", function () {
      var next = {};
      Array.prototype.forEach.call(container.querySelectorAll(".qc-cmp2-toggle"), function (toggle) {
        next[toggle.getAttribute("data-group")] = toggle.getAttribute("aria-checked") === "true";
      });
      save(next);
    });
  }
  function closeUi() {
    if (container) container.innerHTML = "";
    ui = null;
    uiShown = false;
  }

  function start() {
    if (choice) activateScripts();
    else renderFirstLayer();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
