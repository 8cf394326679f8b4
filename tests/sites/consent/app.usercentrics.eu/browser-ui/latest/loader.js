// Usercentrics (CMP v2, "Browser UI") stand-in: https://app.usercentrics.eu/browser-ui/latest/loader.js,
// embedded as <script id="usercentrics-cmp" src="..." data-settings-id="<id>" async>. Written for sitescan's
// tests from Usercentrics' public documentation, its public SDK type declarations and its banner's public DOM;
// no Usercentrics code is included.
//
// DOM: <div id="usercentrics-root"> with an OPEN shadow root holding [data-testid=uc-app-container] (a wrapper
//   with no box of its own) > #uc-center-container[data-testid=uc-default-banner] (role=dialog) with the buttons
//   [data-testid=uc-accept-all-button] "Accept All", [data-testid=uc-deny-all-button] "Deny",
//   [data-testid=uc-more-button] "Settings" (second layer with a toggle per service and
//   [data-testid=uc-save-button] "Save Services"). After a choice the banner is removed and the
//   floating [data-testid=uc-privacy-button] ("Privacy settings") stays in the shadow root.
// Storage (localStorage only, no cookie, after a choice only): uc_settings (JSON {controllerId, id, language,
//   services: [{id, processorId, status, history: [{action, language, status, timestamp, type, versions}]}],
//   version}), uc_user_interaction = "true", uc_ui_version, uc_gcm (Google consent mode flags) and ucData
//   ({gcm, consent: {services: {<id>: {name, consent}}}}, the shape newer Usercentrics scripts read).
// Globals: UC_UI (isInitialized, acceptAllConsents, denyAllConsents, areAllConsentsAccepted, closeCMP,
//   showFirstLayer, showSecondLayer, getServicesBaseInfo, getControllerId, isConsentRequired; the actions
//   return promises), window events UC_UI_INITIALIZED, UC_UI_VIEW_CHANGED, UC_UI_CMP_EVENT and ucEvent, and a
//   dataLayer "consent_status" event (action onAcceptAllServices / onDenyAllServices / onUpdateServices).
// Gated tags: <script type="text/plain" data-usercentrics="Google Analytics|Facebook Pixel"> or
//   data-consent="analytics|marketing".
(function () {
  "use strict";
  if (window.UC_UI && window.UC_UI.__standIn) return;
  var me = document.currentScript;
  var settingsId = (me && me.getAttribute("data-settings-id")) || "standin";
  var UI_VERSION = "3.51.0";
  var SERVICES = [
    { id: "H1Vl5NidjWX", name: "Usercentrics Consent Management Platform", categorySlug: "essential", essential: true },
    { id: "HkocEodjb7", name: "Google Analytics", categorySlug: "marketing", consent: "analytics" },
    { id: "ko1w5PpFl", name: "Facebook Pixel", categorySlug: "marketing", consent: "marketing" },
  ];

  function read(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  function write(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* storage may be blocked */ }
  }
  function hex(length) {
    var out = "";
    while (out.length < length) out += Math.floor(Math.random() * 16).toString(16);
    return out;
  }

  var settings = null;
  try { settings = JSON.parse(read("uc_settings") || "null"); } catch (e) { settings = null; }
  var interacted = read("uc_user_interaction") === "true" && settings && settings.id === settingsId;
  function statusOf(service) {
    if (service.essential) return true;
    if (!interacted) return false;
    var entry = (settings.services || []).filter(function (s) { return s.id === service.id; })[0];
    return !!(entry && entry.status);
  }

  function save(statuses, action) {
    var now = Date.now();
    settings = {
      controllerId: (settings && settings.controllerId) || hex(64),
      id: settingsId,
      language: "en",
      services: SERVICES.map(function (service) {
        var status = service.essential ? true : !!statuses[service.id];
        return {
          history: [{ action: action, language: "en", status: status, timestamp: now, type: "explicit",
            versions: { application: "browser-ui@" + UI_VERSION, service: "1.0.0", settings: "1.0.0" } }],
          id: service.id,
          processorId: hex(32),
          status: status,
        };
      }),
      version: "1.0.0",
    };
    interacted = true;
    write("uc_settings", JSON.stringify(settings));
    write("uc_user_interaction", "true");
    write("uc_ui_version", UI_VERSION);
    var analytics = statusOf(SERVICES[1]);
    var ads = statusOf(SERVICES[2]);
    var gcm = { adStorage: ads ? "granted" : "denied", analyticsStorage: analytics ? "granted" : "denied",
      adUserData: ads ? "granted" : "denied", adPersonalization: ads ? "granted" : "denied" };
    write("uc_gcm", JSON.stringify(gcm));
    var services = {};
    SERVICES.forEach(function (service) { services[service.id] = { name: service.name, consent: statusOf(service) }; });
    write("ucData", JSON.stringify({ gcm: gcm, consent: { services: services, type: "EXPLICIT" } }));
    closeBanner();
    activateScripts();
    publishStatus(action);
    window.dispatchEvent(new CustomEvent("UC_UI_CMP_EVENT", { detail: { source: "FIRST_LAYER",
      type: action === "onAcceptAllServices" ? "ACCEPT_ALL" : action === "onDenyAllServices" ? "DENY_ALL" : "SAVE" } }));
  }
  function publishStatus(action) {
    var event = { action: action, event: "consent_status", type: interacted ? "explicit" : "implicit",
      ucCategory: { essential: true, marketing: statusOf(SERVICES[1]) && statusOf(SERVICES[2]) } };
    SERVICES.forEach(function (service) { event[service.name] = statusOf(service); });
    (window.dataLayer = window.dataLayer || []).push(event);
    window.dispatchEvent(new CustomEvent("ucEvent", { detail: event }));
  }

  // -- gated tags ---------------------------------------------------------------------------------------
  function allowed(script) {
    var name = script.getAttribute("data-usercentrics");
    var category = script.getAttribute("data-consent");
    for (var i = 0; i < SERVICES.length; i++) {
      var service = SERVICES[i];
      if ((name && service.name === name) || (category && service.consent === category)) return statusOf(service);
    }
    return false;
  }
  function activateScripts() {
    var scripts = document.querySelectorAll('script[type="text/plain"]');
    Array.prototype.forEach.call(scripts, function (old) {
      if (!old.hasAttribute("data-usercentrics") && !old.hasAttribute("data-consent")) return;
      if (!allowed(old)) return;
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

  // -- DOM (inside an open shadow root) -----------------------------------------------------------------
  var CSS = [
    ":host{all:initial}",
    "[data-testid=uc-app-container]{font:14px/1.5 Helvetica,Arial,sans-serif;color:#303030}",
    "#uc-center-container{position:fixed;z-index:2147483647;left:50%;bottom:24px;transform:translateX(-50%);",
    "width:640px;max-width:calc(100vw - 32px);background:#fff;border-radius:8px;padding:24px;",
    "box-shadow:0 8px 40px rgba(0,0,0,.3)}",
    "#uc-center-container h2{font-size:18px;margin:0 0 8px}",
    "[data-testid=uc-buttons-container]{display:flex;gap:10px;margin-top:16px}",
    "button{flex:1;padding:12px;border-radius:4px;border:0;background:#f5f5f5;color:#333;font-weight:700;cursor:pointer}",
    "button[data-testid=uc-accept-all-button]{background:#0045a5;color:#fff}",
    "[data-testid=uc-second-layer] label{display:block;margin:6px 0}",
    "button[data-testid=uc-privacy-button]{position:fixed;left:16px;bottom:16px;width:48px;height:48px;flex:none;",
    "border-radius:50%;background:#0045a5;color:#fff;z-index:2147483646}",
  ].join("");
  var hostEl, shadow, container, view = "NONE";
  function ensureRoot() {
    if (shadow) return shadow;
    hostEl = document.createElement("div");
    hostEl.id = "usercentrics-root";
    hostEl.setAttribute("data-created-at", String(Date.now()));
    document.body.appendChild(hostEl);
    shadow = hostEl.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);
    container = document.createElement("div");
    container.setAttribute("data-testid", "uc-app-container");
    container.setAttribute("data-nosnippet", "");
    shadow.appendChild(container);
    return shadow;
  }
  function setView(next) {
    var previous = view;
    view = next;
    window.dispatchEvent(new CustomEvent("UC_UI_VIEW_CHANGED", { detail: { view: next, previousView: previous } }));
  }
  function renderFirstLayer() {
    ensureRoot();
    container.innerHTML =
      '<div id="uc-center-container" role="dialog" aria-modal="true" aria-labelledby="uc-heading-title" ' +
      'data-testid="uc-default-banner">' +
      '<h2 id="uc-heading-title" data-testid="uc-heading-title">Privacy Settings</h2>' +
      '<div id="uc-show-more" data-testid="uc-message-container">This site uses third-party website tracking ' +
      "technologies to provide and continually improve our services, and to display advertisements according " +
      "to users\u2019 interests. I agree and may revoke or change my consent at any time with effect for the " +
      "future.</div>" +
      '<div data-testid="uc-buttons-container">' +
      '<button role="button" data-testid="uc-more-button">Settings</button>' +
      '<button role="button" data-testid="uc-deny-all-button">Deny</button>' +
      '<button role="button" data-testid="uc-accept-all-button">Accept All</button>' +
      "</div></div>";
    container.querySelector("[data-testid=uc-accept-all-button]").addEventListener("click", function () { api.acceptAllConsents(); });
    container.querySelector("[data-testid=uc-deny-all-button]").addEventListener("click", function () { api.denyAllConsents(); });
    container.querySelector("[data-testid=uc-more-button]").addEventListener("click", function () { api.showSecondLayer(); });
    setView("FIRST_LAYER");
  }
  function renderSecondLayer() {
    ensureRoot();
    var toggles = SERVICES.filter(function (s) { return !s.essential; }).map(function (service) {
      return '<label><input type="checkbox" role="switch" data-testid="uc-service-toggle" data-service-id="' +
        service.id + '"' + (statusOf(service) ? " checked" : "") + "> " + service.name + "</label>";
    }).join("");
    container.innerHTML =
      '<div id="uc-center-container" role="dialog" aria-modal="true" data-testid="uc-second-layer">' +
      "<h2>Privacy Settings</h2>" + toggles +
      '<div data-testid="uc-buttons-container">' +
      '<button role="button" data-testid="uc-deny-all-button">Deny</button>' +
      '<button role="button" data-testid="uc-save-button">Save Services</button>' +
      '<button role="button" data-testid="uc-accept-all-button">Accept All</button>' +
      "</div></div>";
    container.querySelector("[data-testid=uc-accept-all-button]").addEventListener("click", function () { api.acceptAllConsents(); });
    container.querySelector("[data-testid=uc-deny-all-button]").addEventListener("click", function () { api.denyAllConsents(); });
    container.querySelector("[data-testid=uc-save-button]").addEventListener("click", function () {
      var statuses = {};
      Array.prototype.forEach.call(container.querySelectorAll("input[data-service-id]"), function (input) {
        statuses[input.getAttribute("data-service-id")] = input.checked;
      });
      save(statuses, "onUpdateServices");
    });
    setView("SECOND_LAYER");
  }
  function closeBanner() {
    ensureRoot();
    container.innerHTML = '<button role="button" data-testid="uc-privacy-button" aria-label="Privacy settings">' +
      "\u2699</button>";
    container.querySelector("[data-testid=uc-privacy-button]").addEventListener("click", function () {
      api.showSecondLayer();
    });
    if (view !== "NONE") setView("NONE");
  }

  var api = {
    __standIn: true,
    isInitialized: function () { return true; },
    acceptAllConsents: function () {
      var statuses = {};
      SERVICES.forEach(function (s) { statuses[s.id] = true; });
      save(statuses, "onAcceptAllServices");
      return Promise.resolve();
    },
    denyAllConsents: function () {
      save({}, "onDenyAllServices");
      return Promise.resolve();
    },
    areAllConsentsAccepted: function () {
      return SERVICES.every(function (s) { return statusOf(s); });
    },
    closeCMP: function () { closeBanner(); return Promise.resolve(); },
    showFirstLayer: function () { renderFirstLayer(); return Promise.resolve(); },
    showSecondLayer: function () { renderSecondLayer(); return Promise.resolve(); },
    getServicesBaseInfo: function () {
      return SERVICES.map(function (s) {
        return { id: s.id, name: s.name, categorySlug: s.categorySlug, isEssential: !!s.essential,
          consent: { status: statusOf(s), history: [] } };
      });
    },
    getControllerId: function () { return settings ? settings.controllerId : null; },
    isConsentRequired: function () { return !interacted; },
  };
  window.UC_UI = api;

  function start() {
    if (interacted) {
      closeBanner();
      activateScripts();
    } else {
      renderFirstLayer();
    }
    publishStatus("onInitialPageLoad");
    window.dispatchEvent(new CustomEvent("UC_UI_INITIALIZED"));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
