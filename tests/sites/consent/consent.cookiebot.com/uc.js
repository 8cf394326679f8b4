// Cookiebot stand-in: https://consent.cookiebot.com/uc.js with data-cbid="<domain group id>" (or ?cbid=).
// Written for sitescan's tests from Cookiebot's public developer documentation and its banner's public DOM;
// no Cookiebot code is included.
//
// DOM (current "Swift" template): #CybotCookiebotDialog (role=dialog) with the first-layer buttons
//   #CybotCookiebotDialogBodyButtonDecline "Deny", #CybotCookiebotDialogBodyLevelButtonCustomize "Customize",
//   #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll "Allow all"; Customize reveals the category
//   checkboxes #CybotCookiebotDialogBodyLevelButton{Preferences,Statistics,Marketing} and
//   #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection "Allow selection".
// Cookie: CookieConsent (host only, one year) =
//   {stamp:%27<id>%27%2Cnecessary:true%2Cpreferences:<b>%2Cstatistics:<b>%2Cmarketing:<b>%2Cmethod:%27explicit%27%2Cver:1%2Cutc:<ms>%2Cregion:%27gb%27}
//   (quotes and commas percent-encoded, the rest raw, as the real cookie is). Nothing is stored before a choice.
// Globals: Cookiebot (= CookieConsent) with consent.{necessary,preferences,statistics,marketing,method,stamp},
//   consented, declined, hasResponse, doNotTrack, dialog.visible, show(), hide(), renew(), withdraw(),
//   submitCustomConsent(preferences, statistics, marketing), runScripts(); window events CookiebotOnLoad,
//   CookiebotOnConsentReady, CookiebotOnDialogInit, CookiebotOnDialogDisplay, CookiebotOnAccept, CookiebotOnDecline
//   and the matching CookiebotCallback_On* functions.
// Gated tags: <script type="text/plain" data-cookieconsent="statistics|marketing|preferences"> or
//   data-consent="analytics|marketing|preferences".
(function () {
  "use strict";
  if (window.Cookiebot && window.Cookiebot.__standIn) return;
  var me = document.currentScript;
  var cbid = (me && (me.getAttribute("data-cbid") || new URL(me.src).searchParams.get("cbid"))) || "";
  var YEAR = 365 * 24 * 3600;
  var CATEGORY = { analytics: "statistics", statistics: "statistics", marketing: "marketing",
    preferences: "preferences", necessary: "necessary" };

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
    }
    return null;
  }
  function parseCookie() {
    var raw = readCookie("CookieConsent");
    if (!raw) return null;
    var text = decodeURIComponent(raw).replace(/^\{|\}$/g, "");
    var fields = {};
    text.split(",").forEach(function (part) {
      var colon = part.indexOf(":");
      fields[part.slice(0, colon)] = part.slice(colon + 1).replace(/^'|'$/g, "");
    });
    return {
      stamp: fields.stamp, necessary: true, preferences: fields.preferences === "true",
      statistics: fields.statistics === "true", marketing: fields.marketing === "true",
      method: fields.method || "implied", utc: Number(fields.utc) || 0, region: fields.region,
    };
  }
  function randomStamp() {
    var bytes = new Uint8Array(30);
    (window.crypto || {}).getRandomValues ? crypto.getRandomValues(bytes) : bytes.forEach(function (_, i) {
      bytes[i] = Math.floor(Math.random() * 256);
    });
    return btoa(String.fromCharCode.apply(null, bytes));
  }
  function writeCookie(c) {
    var value = "{stamp:%27" + c.stamp + "%27%2Cnecessary:true%2Cpreferences:" + c.preferences +
      "%2Cstatistics:" + c.statistics + "%2Cmarketing:" + c.marketing + "%2Cmethod:%27" + c.method +
      "%27%2Cver:1%2Cutc:" + c.utc + "%2Cregion:%27gb%27}";
    document.cookie = "CookieConsent=" + value + "; path=/; max-age=" + YEAR + "; SameSite=Lax";
  }

  var stored = parseCookie();
  var bot = {
    __standIn: true,
    cbid: cbid,
    consent: { necessary: true, preferences: false, statistics: false, marketing: false, method: null, stamp: "0" },
    consented: false,
    declined: false,
    hasResponse: false,
    doNotTrack: navigator.doNotTrack === "1",
    dialog: { visible: false },
  };
  function applyState(c) {
    bot.consent = { necessary: true, preferences: c.preferences, statistics: c.statistics, marketing: c.marketing,
      method: c.method, stamp: c.stamp };
    bot.hasResponse = true;
    bot.declined = !(c.preferences || c.statistics || c.marketing);
    bot.consented = !bot.declined;
  }
  if (stored) applyState(stored);

  function fire(name) {
    window.dispatchEvent(new Event(name));
    var callback = window["CookiebotCallback_" + name.replace(/^Cookiebot/, "")];
    if (typeof callback === "function") {
      try { callback(); } catch (e) { /* a site's callback must not break the banner */ }
    }
  }

  // -- gated tags ---------------------------------------------------------------------------------------
  function runScripts() {
    var scripts = document.querySelectorAll('script[type="text/plain"]');
    Array.prototype.forEach.call(scripts, function (old) {
      var wanted = (old.getAttribute("data-cookieconsent") || old.getAttribute("data-consent") || "").split(",");
      if (!wanted[0]) return;
      var ok = wanted.every(function (name) {
        var category = CATEGORY[name.trim()];
        return category === "necessary" || (category && bot.consent[category]);
      });
      if (!ok) return;
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

  // -- the dialog ---------------------------------------------------------------------------------------
  var CSS = [
    "#CybotCookiebotDialog{position:fixed;z-index:2147483631;left:50%;bottom:24px;transform:translateX(-50%);",
    "width:900px;max-width:calc(100vw - 32px);background:#fff;color:#141414;border-radius:8px;",
    "box-shadow:0 30px 70px rgba(0,0,0,.3);font:15px/1.5 Helvetica,Arial,sans-serif;padding:24px}",
    "#CybotCookiebotDialogBodyContentTitle{font-size:17px;margin:0 0 8px}",
    "#CybotCookiebotDialogBodyLevelWrapper{margin:12px 0;display:none}",
    "#CybotCookiebotDialog.CybotCookiebotDialogCustomize #CybotCookiebotDialogBodyLevelWrapper{display:block}",
    "#CybotCookiebotDialogBodyLevelButtonsSelectPane label{margin-right:18px}",
    "#CybotCookiebotDialogBodyButtonsWrapper{display:flex;gap:12px;justify-content:flex-end;margin-top:16px}",
    ".CybotCookiebotDialogBodyButton{padding:14px 24px;border:2px solid #1032cf;border-radius:4px;",
    "background:#fff;color:#141414;font-weight:600;cursor:pointer}",
    "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll{background:#1032cf;color:#fff}",
    "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection{display:none}",
    "#CybotCookiebotDialog.CybotCookiebotDialogCustomize #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection{display:inline-block}",
    "#CybotCookiebotDialog.CybotCookiebotDialogCustomize #CybotCookiebotDialogBodyLevelButtonCustomize{display:none}",
  ].join("");
  var dialog = null;
  function checkbox(name, label, disabled) {
    return '<label for="CybotCookiebotDialogBodyLevelButton' + name + '">' + label + '</label>' +
      '<input type="checkbox" id="CybotCookiebotDialogBodyLevelButton' + name + '" ' +
      'class="CybotCookiebotDialogBodyLevelButton' + (disabled ? ' CybotCookiebotDialogBodyLevelButtonDisabled" disabled checked' : '"') +
      ' data-target="CybotCookiebotDialogBodyLevelButton' + name + '">';
  }
  function buildDialog() {
    if (dialog) return dialog;
    var style = document.createElement("style");
    style.id = "CybotCookiebotDialogStyle";
    style.textContent = CSS;
    document.head.appendChild(style);
    dialog = document.createElement("div");
    dialog.id = "CybotCookiebotDialog";
    dialog.setAttribute("name", "CybotCookiebotDialog");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "CybotCookiebotDialogBodyContentTitle");
    dialog.setAttribute("tabindex", "-1");
    dialog.setAttribute("lang", "en");
    dialog.setAttribute("data-template", "slideup");
    dialog.className = "CybotEdge";
    dialog.innerHTML =
      '<div class="CybotCookiebotDialogContentWrapper">' +
      '<div id="CybotCookiebotDialogHeader"><div id="CybotCookiebotDialogPoweredbyCybot">Powered by Cookiebot</div></div>' +
      '<div id="CybotCookiebotDialogTabContent"><div id="CybotCookiebotDialogBody">' +
      '<div id="CybotCookiebotDialogBodyContent">' +
      '<h2 id="CybotCookiebotDialogBodyContentTitle" lang="en">This website uses cookies</h2>' +
      '<div id="CybotCookiebotDialogBodyContentText" lang="en">We use cookies to personalise content and ads, ' +
      'to provide social media features and to analyse our traffic. We also share information about your use of ' +
      'our site with our social media, advertising and analytics partners who may combine it with other ' +
      'information that you\u2019ve provided to them or that they\u2019ve collected from your use of their services.</div>' +
      '</div>' +
      '<div id="CybotCookiebotDialogBodyLevelWrapper"><div id="CybotCookiebotDialogBodyLevelButtonsSelectPane">' +
      checkbox("Necessary", "Necessary", true) + checkbox("Preferences", "Preferences") +
      checkbox("Statistics", "Statistics") + checkbox("Marketing", "Marketing") +
      '</div></div>' +
      '</div></div>' +
      '<div id="CybotCookiebotDialogFooter"><div id="CybotCookiebotDialogBodyButtons">' +
      '<div id="CybotCookiebotDialogBodyButtonsWrapper">' +
      '<button id="CybotCookiebotDialogBodyButtonDecline" class="CybotCookiebotDialogBodyButton">Deny</button>' +
      '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection" class="CybotCookiebotDialogBodyButton">Allow selection</button>' +
      '<button id="CybotCookiebotDialogBodyLevelButtonCustomize" class="CybotCookiebotDialogBodyButton">Customize</button>' +
      '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" class="CybotCookiebotDialogBodyButton">Allow all</button>' +
      '</div></div></div>' +
      '</div>';
    document.body.appendChild(dialog);
    function byId(id) { return dialog.querySelector("#" + id); }
    byId("CybotCookiebotDialogBodyButtonDecline").addEventListener("click", function () { submit(false, false, false); });
    byId("CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll").addEventListener("click", function () {
      submit(true, true, true);
    });
    byId("CybotCookiebotDialogBodyLevelButtonCustomize").addEventListener("click", function () {
      dialog.classList.add("CybotCookiebotDialogCustomize");
    });
    byId("CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection").addEventListener("click", function () {
      submit(byId("CybotCookiebotDialogBodyLevelButtonPreferences").checked,
        byId("CybotCookiebotDialogBodyLevelButtonStatistics").checked,
        byId("CybotCookiebotDialogBodyLevelButtonMarketing").checked);
    });
    fire("CookiebotOnDialogInit");
    return dialog;
  }
  function showDialog() {
    buildDialog();
    dialog.style.display = "";
    dialog.classList.add("CybotCookiebotDialogActive");
    bot.dialog.visible = true;
    fire("CookiebotOnDialogDisplay");
  }
  function hideDialog() {
    if (!dialog) return;
    dialog.style.display = "none";
    dialog.classList.remove("CybotCookiebotDialogActive");
    bot.dialog.visible = false;
  }

  function submit(preferences, statistics, marketing) {
    var c = { stamp: randomStamp(), preferences: !!preferences, statistics: !!statistics, marketing: !!marketing,
      method: "explicit", utc: Date.now() };
    writeCookie(c);
    applyState(c);
    hideDialog();
    runScripts();
    fire("CookiebotOnConsentReady");
    fire(bot.declined ? "CookiebotOnDecline" : "CookiebotOnAccept");
  }

  bot.show = showDialog;
  bot.hide = hideDialog;
  bot.renew = function () { showDialog(); };
  bot.withdraw = function () { submit(false, false, false); };
  bot.submitCustomConsent = function (preferences, statistics, marketing) { submit(preferences, statistics, marketing); };
  bot.runScripts = runScripts;
  bot.dialog.submitConsent = function () {
    if (!dialog) { submit(false, false, false); return; }
    submit(dialog.querySelector("#CybotCookiebotDialogBodyLevelButtonPreferences").checked,
      dialog.querySelector("#CybotCookiebotDialogBodyLevelButtonStatistics").checked,
      dialog.querySelector("#CybotCookiebotDialogBodyLevelButtonMarketing").checked);
  };
  window.Cookiebot = bot;
  window.CookieConsent = bot;

  function start() {
    if (bot.hasResponse) {
      runScripts();
      fire("CookiebotOnConsentReady");
      fire(bot.declined ? "CookiebotOnDecline" : "CookiebotOnAccept");
    } else {
      showDialog();
    }
    fire("CookiebotOnLoad");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
