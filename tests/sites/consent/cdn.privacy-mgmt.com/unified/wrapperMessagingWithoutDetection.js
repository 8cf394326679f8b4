// Sourcepoint stand-in: https://cdn.privacy-mgmt.com/unified/wrapperMessagingWithoutDetection.js, configured by
// window._sp_ = {config: {accountId, baseEndpoint: "https://cdn.privacy-mgmt.com", propertyId?, gdpr: {},
// events: {...}}} in the page. Written for sitescan's tests from Sourcepoint's public documentation and its
// message's public DOM; no Sourcepoint code is included.
//
// DOM (in the page): div#sp_message_container_987654.sp-message-open holding
//   iframe#sp_message_iframe_987654 (title "SP Consent Message"), whose URL is
//   https://cdn.privacy-mgmt.com/index.html?message_id=987654&consentLanguage=EN&preload_message=true&version=v1&requestUUID=...
//   The first layer lives in that cross-site iframe (buttons .sp_choice_type_11 "Accept", .sp_choice_type_13
//   "Reject", .sp_choice_type_12 "Options" -> /privacy-manager/index.html in the same iframe with
//   .sp_choice_type_ACCEPT_ALL, .sp_choice_type_REJECT_ALL, .sp_choice_type_SAVE_AND_EXIT). The iframe tells this
//   script the choice with postMessage ({name: "sp.choice", choiceTypeId, ...}); this script checks the origin,
//   stores the choice, removes the container and runs the gated tags. <html> has class sp-message-open while
//   the message shows.
// Storage (after a choice only; cookies on the registrable domain, one year): consentUUID, consentDate,
//   euconsent-v2 (IAB TCF v2.2 TC string, CMP id 6), and localStorage _sp_user_consent_<propertyId> (JSON).
// Globals: _sp_ (config, version, gdpr.loadPrivacyManagerModal, executeMessaging, addEventListener), _sp_queue,
//   __tcfapi; config.events callbacks onMessageReady, onMessageChoiceSelect, onPrivacyManagerAction,
//   onMessageChoiceError, onConsentReady(messageType, consentUUID, euconsent, info), onError.
// Gated tags: <script type="text/plain" data-consent="analytics|marketing">.
(function () {
  "use strict";
  var sp = window._sp_ = window._sp_ || {};
  if (sp.__standIn) return;
  var config = sp.config || {};
  var ORIGIN = (config.baseEndpoint || "https://cdn.privacy-mgmt.com").replace(/\/$/, "");
  var PROPERTY_ID = config.propertyId || 33333;
  var MESSAGE_ID = 987654;
  var PM_ID = 765432;
  var YEAR = 365 * 24 * 3600;
  var events = config.events || {};

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
    document.cookie = name + "=" + value + "; path=/; domain=." + baseDomain() + "; max-age=" + YEAR +
      "; SameSite=Lax";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }
  function callEvent(name) {
    var handler = events[name];
    if (typeof handler !== "function") return;
    try { handler.apply(null, Array.prototype.slice.call(arguments, 1)); } catch (e) { /* a site's handler */ }
  }

  // -- stored state -------------------------------------------------------------------------------------
  var STORAGE_KEY = "_sp_user_consent_" + PROPERTY_ID;
  var choice = null;
  var tc = readCookie("euconsent-v2");
  var consentUUID = readCookie("consentUUID");
  (function load() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.gdpr || !consentUUID || !tc) return;
    choice = { analytics: !!saved.gdpr.choice.analytics, marketing: !!saved.gdpr.choice.marketing };
  })();
  var messageOpen = false;

  var TCF = {
    cmpId: 6,
    cmpVersion: 1,
    gvlVersion: 120,
    publisherCC: "GB",
    choice: function () { return choice; },
    tcString: function () { return tc || ""; },
    uiShown: function () { return messageOpen; },
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

  function save(next, actionType) {
    choice = { analytics: !!next.analytics, marketing: !!next.marketing };
    consentUUID = consentUUID || uuid();
    tc = tcString(choice, Date.now());
    var now = new Date().toISOString();
    writeCookie("consentUUID", consentUUID);
    writeCookie("consentDate", now);
    writeCookie("euconsent-v2", tc);
    var purposes = tcfPurposes(choice);
    var grants = {};
    grants["5f1b2fbdb8e05c306f2a1eb9"] = { vendorGrant: !!choice.analytics, purposeGrants: purposes };
    grants["5fac56cd1ba05165880458ad"] = { vendorGrant: !!choice.marketing, purposeGrants: purposes };
    var all = choice.analytics && choice.marketing;
    var none = !choice.analytics && !choice.marketing;
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ gdpr: {
        uuid: consentUUID, euconsent: tc, dateCreated: now, actionType: actionType, choice: choice, grants: grants,
        consentStatus: { consentedAll: all, consentedToAny: !none, rejectedAny: !all, rejectedAll: none,
          hasConsentData: true },
      } }));
    } catch (e) { /* storage may be blocked */ }
    closeMessage();
    activateScripts();
    callEvent("onConsentReady", "gdpr", consentUUID, tc, { applies: true, consentStatus: { consentedAll: all } });
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

  // -- the message container ----------------------------------------------------------------------------
  var container = null;
  function openMessage(path) {
    closeMessage();
    var style = document.getElementById("sp-message-style");
    if (!style) {
      style = document.createElement("style");
      style.id = "sp-message-style";
      style.textContent = "div[id^=sp_message_container_]{position:fixed;inset:0;z-index:2147483647;" +
        "display:flex;align-items:center;justify-content:center;background:rgba(0,0,0,.45)}" +
        "iframe[id^=sp_message_iframe_]{width:640px;max-width:95vw;height:420px;border:0;border-radius:6px;" +
        "background:#fff}";
      document.head.appendChild(style);
    }
    container = document.createElement("div");
    container.id = "sp_message_container_" + MESSAGE_ID;
    container.className = "sp-message-open";
    var frame = document.createElement("iframe");
    frame.id = "sp_message_iframe_" + MESSAGE_ID;
    frame.title = "SP Consent Message";
    frame.src = ORIGIN + path + "?message_id=" + MESSAGE_ID + "&consentLanguage=EN&preload_message=true" +
      "&version=v1&requestUUID=" + uuid() + "&pmTab=purposes";
    container.appendChild(frame);
    document.body.appendChild(container);
    document.documentElement.classList.add("sp-message-open");
    messageOpen = true;
    callEvent("onMessageReady", "gdpr");
    tcfNotify("cmpuishown");
  }
  function closeMessage() {
    if (container && container.parentNode) container.parentNode.removeChild(container);
    container = null;
    document.documentElement.classList.remove("sp-message-open");
    messageOpen = false;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN) return;
    var data = event.data;
    if (!data || data.name !== "sp.choice") return;
    callEvent("onMessageChoiceSelect", "gdpr", data.choiceId || 0, data.choiceTypeId);
    if (data.choiceTypeId === 11 || data.choiceTypeId === "ACCEPT_ALL") {
      save({ analytics: true, marketing: true }, data.choiceTypeId === 11 ? "11" : "ACCEPT_ALL");
    } else if (data.choiceTypeId === 13 || data.choiceTypeId === "REJECT_ALL") {
      save({ analytics: false, marketing: false }, data.choiceTypeId === 13 ? "13" : "REJECT_ALL");
    } else if (data.choiceTypeId === "SAVE_AND_EXIT") {
      callEvent("onPrivacyManagerAction", "gdpr", { purposeConsent: "some" });
      save({ analytics: !!data.analytics, marketing: !!data.marketing }, "SAVE_AND_EXIT");
    }
  });

  sp.__standIn = true;
  sp.version = "4.40.2-standin";
  sp.config = config;
  sp.gdpr = sp.gdpr || {};
  sp.gdpr.loadPrivacyManagerModal = function (pmId) { void pmId; openMessage("/privacy-manager/index.html"); };
  sp.executeMessaging = function () { if (!choice) openMessage("/index.html"); };
  sp.addEventListener = function (name, handler) { events[name] = handler; };
  sp.privacyManagerId = PM_ID;

  function start() {
    if (choice) {
      activateScripts();
      callEvent("onConsentReady", "gdpr", consentUUID, tc, { applies: true });
    } else {
      openMessage("/index.html");
    }
    var queue = window._sp_queue || [];
    window._sp_queue = { push: function (fn) { if (typeof fn === "function") fn(); } };
    queue.forEach(function (fn) { if (typeof fn === "function") fn(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
