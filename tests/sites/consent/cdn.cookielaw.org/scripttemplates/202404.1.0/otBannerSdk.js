// OneTrust stand-in, stage 2: the banner SDK (loaded by otSDKStub.js). Written for sitescan's tests from
// OneTrust's public DOM and documented behaviour; no OneTrust code is included.
//
// DOM: #onetrust-consent-sdk > #onetrust-banner-sdk (first layer, role=region) with
//   #onetrust-accept-btn-handler "Accept All Cookies", #onetrust-reject-all-handler "Reject All",
//   #onetrust-pc-btn-handler "Cookies Settings"; and #onetrust-pc-sdk (preference centre, hidden) with
//   #accept-recommended-btn-handler, .ot-pc-refuse-all-handler, input.category-switch-handler per group and
//   .save-preference-btn-handler.
// Groups: C0001 strictly necessary (always on), C0002 performance, C0003 functional, C0004 targeting.
// Cookies (on the registrable domain, one year): OptanonConsent (URL-encoded query string; written on the
// first page view with interactionCount=0 and groups=C0001:1,C0002:0,..., as the real SDK does) and
// OptanonAlertBoxClosed (ISO date, written only when the visitor makes a choice: it is what hides the banner).
// Globals: OneTrust, Optanon (same object), OnetrustActiveGroups / OptanonActiveGroups (",C0001,...,"),
// calls window.OptanonWrapper() after load and after every choice, pushes OneTrustLoaded /
// OneTrustGroupsUpdated to dataLayer.
// Gated tags: <script type="text/plain" class="optanon-category-C0002"> or data-consent="analytics" (C0002),
// "functional" (C0003), "marketing" (C0004); they run once their group is active.
(function () {
  "use strict";
  if (window.OneTrust && window.OneTrust.__standIn) return;
  var VERSION = "202404.1.0";
  var stub = window.OneTrustStub || {};
  var GROUPS = [
    { id: "C0001", name: "Strictly Necessary Cookies", always: true,
      text: "These cookies are necessary for the website to function and cannot be switched off." },
    { id: "C0002", name: "Performance Cookies",
      text: "These cookies allow us to count visits and traffic sources so we can measure and improve our site." },
    { id: "C0003", name: "Functional Cookies",
      text: "These cookies enable the website to provide enhanced functionality and personalisation." },
    { id: "C0004", name: "Targeting Cookies",
      text: "These cookies may be set through our site by our advertising partners to build a profile of your interests." },
  ];
  var CATEGORY_GROUP = { necessary: "C0001", analytics: "C0002", functional: "C0003", marketing: "C0004" };
  var YEAR = 365 * 24 * 3600;

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
  // OptanonConsent is a form-encoded query string (spaces as '+').
  function parseConsent() {
    var raw = readCookie("OptanonConsent");
    if (!raw) return null;
    var fields = {};
    raw.split("&").forEach(function (pair) {
      var eq = pair.indexOf("=");
      if (eq < 0) return;
      fields[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, " "));
    });
    return fields;
  }
  function encodeField(value) {
    return encodeURIComponent(String(value)).replace(/%20/g, "+");
  }
  function writeConsent(fields) {
    var order = ["isGpcEnabled", "datestamp", "version", "browserGpcFlag", "isIABGlobal", "hosts", "consentId",
      "interactionCount", "isAnonUser", "landingPath", "groups", "AwaitingReconsent"];
    writeCookie("OptanonConsent", order.map(function (key) {
      return key + "=" + encodeField(fields[key] === undefined ? "" : fields[key]);
    }).join("&"));
  }
  function groupsFromString(text) {
    var groups = { C0001: true };
    (text || "").split(",").forEach(function (item) {
      var kv = item.split(":");
      if (kv.length === 2) groups[kv[0]] = kv[1] === "1";
    });
    groups.C0001 = true;
    return groups;
  }
  function groupsToString(groups) {
    return GROUPS.map(function (g) { return g.id + ":" + (groups[g.id] ? "1" : "0"); }).join(",");
  }
  function activeGroupsString(groups) {
    return "," + GROUPS.filter(function (g) { return groups[g.id]; }).map(function (g) { return g.id; }).join(",") + ",";
  }

  var consent = parseConsent();
  var alertClosed = readCookie("OptanonAlertBoxClosed");
  var groups = alertClosed && consent ? groupsFromString(consent.groups) : { C0001: true };
  var changeHandlers = [];

  function baseFields() {
    return {
      isGpcEnabled: 0,
      datestamp: new Date().toString(),
      version: VERSION,
      browserGpcFlag: navigator.globalPrivacyControl ? 1 : 0,
      isIABGlobal: "false",
      hosts: "",
      consentId: (consent && consent.consentId) || uuid(),
      interactionCount: (consent && consent.interactionCount) || 0,
      isAnonUser: 1,
      landingPath: location.href,
      groups: groupsToString(groups),
      AwaitingReconsent: "false",
    };
  }

  // First page view: the real SDK records the landing page before any choice; later pages mark it as
  // NotLandingPage. The banner is governed by OptanonAlertBoxClosed, not by this cookie.
  if (!consent) {
    consent = baseFields();
    writeConsent(consent);
  } else if (consent.landingPath !== "NotLandingPage" && consent.landingPath !== location.href) {
    consent.landingPath = "NotLandingPage";
    consent.datestamp = new Date().toString();
    writeConsent(consent);
  }

  function publishGroups() {
    window.OnetrustActiveGroups = activeGroupsString(groups);
    window.OptanonActiveGroups = window.OnetrustActiveGroups;
  }

  // -- gated tags ---------------------------------------------------------------------------------------
  function groupOf(script) {
    var match = /(?:^|\s)optanon-category-(C\d{4})(?:\s|$)/.exec(script.className || "");
    if (match) return match[1];
    return CATEGORY_GROUP[script.getAttribute("data-consent")] || null;
  }
  function activateScripts() {
    var scripts = document.querySelectorAll('script[type="text/plain"]');
    Array.prototype.forEach.call(scripts, function (old) {
      var group = groupOf(old);
      if (!group || !groups[group]) return;
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
    "#onetrust-consent-sdk{font:14px/1.5 Arial,sans-serif;color:#333}",
    "#onetrust-consent-sdk .ot-hide{display:none!important}",
    "#onetrust-banner-sdk{position:fixed;left:0;right:0;bottom:0;z-index:2147483645;background:#fff;",
    "box-shadow:0 0 18px rgba(0,0,0,.2);padding:20px 30px}",
    "#onetrust-banner-sdk .ot-sdk-row{display:flex;gap:24px;align-items:center;flex-wrap:wrap}",
    "#onetrust-group-container{flex:1 1 420px}",
    "#onetrust-policy-title{font-size:16px;margin:0 0 6px}",
    "#onetrust-policy-text{margin:0}",
    "#onetrust-button-group{display:flex;gap:10px;flex-wrap:wrap}",
    "#onetrust-consent-sdk button{font:600 13px Arial,sans-serif;padding:12px 18px;border:1px solid #68b631;",
    "background:#68b631;color:#fff;cursor:pointer;min-width:120px}",
    "#onetrust-pc-btn-handler{background:#fff!important;color:#68b631!important}",
    ".onetrust-pc-dark-filter{position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:2147483646}",
    "#onetrust-pc-sdk{position:fixed;z-index:2147483647;top:5%;left:50%;transform:translateX(-50%);",
    "width:560px;max-width:95vw;max-height:90vh;overflow:auto;background:#fff;padding:24px}",
    "#onetrust-pc-sdk .ot-cat-item{border-top:1px solid #ddd;padding:10px 0;display:flex;",
    "justify-content:space-between;align-items:center}",
    "#onetrust-pc-sdk .ot-pc-footer{display:flex;gap:10px;justify-content:flex-end;margin-top:16px}",
  ].join("");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  var root, banner, filter, pc;
  function build() {
    var style = el("style", { id: "onetrust-style" });
    style.textContent = CSS;
    document.head.appendChild(style);

    var policyText = el("p", { id: "onetrust-policy-text" });
    policyText.appendChild(document.createTextNode(
      "We and our partners use cookies and similar technologies to run this site, measure its audience and " +
      "show you personalised advertising. Click \u201cAccept All Cookies\u201d to agree, \u201cReject All\u201d " +
      "to refuse everything that is not strictly necessary, or \u201cCookies Settings\u201d to choose. "));
    policyText.appendChild(el("a", { class: "ot-cookie-policy-link", href: "/page2",
      "aria-label": "More information about your privacy", text: "Cookie Policy" }));

    banner = el("div", { id: "onetrust-banner-sdk", class: "otFlat ot-hide", tabindex: "0", role: "region",
      "aria-label": "Cookie banner" }, [
      el("div", { role: "alertdialog", "aria-describedby": "onetrust-policy-text", "aria-modal": "true",
        "aria-label": "Privacy" }, [
        el("div", { class: "ot-sdk-container" }, [
          el("div", { class: "ot-sdk-row" }, [
            el("div", { id: "onetrust-group-container", class: "ot-sdk-eight ot-sdk-columns" }, [
              el("div", { id: "onetrust-policy" }, [
                el("h2", { id: "onetrust-policy-title", text: "We value your privacy" }),
                policyText,
              ]),
            ]),
            el("div", { id: "onetrust-button-group-parent", class: "ot-sdk-three ot-sdk-columns has-reject-all-button" }, [
              el("div", { id: "onetrust-button-group" }, [
                el("button", { id: "onetrust-pc-btn-handler", text: "Cookies Settings" }),
                el("button", { id: "onetrust-reject-all-handler", text: "Reject All" }),
                el("button", { id: "onetrust-accept-btn-handler", text: "Accept All Cookies" }),
              ]),
            ]),
          ]),
        ]),
      ]),
    ]);

    var items = GROUPS.map(function (g) {
      var control = g.always
        ? el("div", { class: "ot-always-active", text: "Always Active" })
        : el("div", { class: "ot-tgl" }, [
          el("input", { type: "checkbox", name: "ot-group-id-" + g.id, id: "ot-group-id-" + g.id,
            "aria-labelledby": "ot-header-id-" + g.id, class: "category-switch-handler",
            "data-optanongroupid": g.id }),
          el("label", { class: "ot-switch", for: "ot-group-id-" + g.id }, [
            el("span", { class: "ot-label-txt", text: g.name }),
          ]),
        ]);
      return el("div", { class: "ot-accordion-layout ot-cat-item", "data-optanongroupid": g.id }, [
        el("div", {}, [
          el("h4", { class: "ot-cat-header", id: "ot-header-id-" + g.id, text: g.name }),
          el("p", { class: "ot-category-desc", text: g.text }),
        ]),
        control,
      ]);
    });
    pc = el("div", { id: "onetrust-pc-sdk", class: "otPcCenter ot-hide ot-fade-in", role: "dialog",
      "aria-modal": "true", "aria-labelledby": "ot-pc-title", lang: "en" }, [
      el("div", { id: "ot-pc-content", class: "ot-pc-scrollbar" }, [
        el("h2", { id: "ot-pc-title", text: "Privacy Preference Center" }),
        el("div", { id: "ot-pc-desc", text: "When you visit any website, it may store or retrieve information on " +
          "your browser, mostly in the form of cookies. You can choose not to allow some types of cookies." }),
        el("button", { id: "accept-recommended-btn-handler", text: "Allow All" }),
        el("section", { class: "ot-sdk-row ot-cat-grp" }, [
          el("h3", { id: "ot-category-title", text: "Manage Consent Preferences" }),
        ].concat(items)),
      ]),
      el("div", { class: "ot-pc-footer" }, [
        el("div", { class: "ot-btn-container" }, [
          el("button", { class: "ot-pc-refuse-all-handler", text: "Reject All" }),
          el("button", { class: "save-preference-btn-handler onetrust-close-btn-handler", text: "Confirm My Choices" }),
        ]),
      ]),
    ]);
    filter = el("div", { class: "onetrust-pc-dark-filter ot-hide ot-fade-in" });
    root = el("div", { id: "onetrust-consent-sdk", "data-nosnippet": "true" }, [filter, banner, pc]);
    document.body.appendChild(root);

    banner.querySelector("#onetrust-accept-btn-handler").addEventListener("click", function () { api.AllowAll(); });
    banner.querySelector("#onetrust-reject-all-handler").addEventListener("click", function () { api.RejectAll(); });
    banner.querySelector("#onetrust-pc-btn-handler").addEventListener("click", function () { api.ToggleInfoDisplay(); });
    pc.querySelector("#accept-recommended-btn-handler").addEventListener("click", function () { api.AllowAll(); });
    pc.querySelector(".ot-pc-refuse-all-handler").addEventListener("click", function () { api.RejectAll(); });
    pc.querySelector(".save-preference-btn-handler").addEventListener("click", function () {
      var chosen = { C0001: true };
      Array.prototype.forEach.call(pc.querySelectorAll("input.category-switch-handler"), function (input) {
        chosen[input.getAttribute("data-optanongroupid")] = input.checked;
      });
      save(chosen);
    });
  }

  function show(node, visible) {
    if (visible) node.classList.remove("ot-hide");
    else node.classList.add("ot-hide");
  }

  function save(chosen) {
    groups = {};
    GROUPS.forEach(function (g) { groups[g.id] = !!(g.always || chosen[g.id]); });
    var fields = baseFields();
    fields.interactionCount = Number(fields.interactionCount || 0) + 1;
    fields.landingPath = "NotLandingPage";
    consent = fields;
    writeConsent(fields);
    alertClosed = new Date().toISOString();
    writeCookie("OptanonAlertBoxClosed", alertClosed);
    show(banner, false);
    show(pc, false);
    show(filter, false);
    publishGroups();
    activateScripts();
    (window.dataLayer = window.dataLayer || []).push({ event: "OneTrustGroupsUpdated",
      OnetrustActiveGroups: window.OnetrustActiveGroups });
    changeHandlers.forEach(function (handler) {
      try { handler({ detail: window.OnetrustActiveGroups.split(",").filter(Boolean) }); } catch (e) { /* ignore */ }
    });
    callWrapper();
  }

  function callWrapper() {
    if (typeof window.OptanonWrapper === "function") {
      try { window.OptanonWrapper(); } catch (e) { /* a site's wrapper must not break the SDK */ }
    }
  }

  var api = {
    __standIn: true,
    version: VERSION,
    AllowAll: function () {
      var all = {};
      GROUPS.forEach(function (g) { all[g.id] = true; });
      save(all);
    },
    RejectAll: function () { save({ C0001: true }); },
    ToggleInfoDisplay: function () {
      Array.prototype.forEach.call(pc.querySelectorAll("input.category-switch-handler"), function (input) {
        input.checked = !!groups[input.getAttribute("data-optanongroupid")];
      });
      var open = pc.classList.contains("ot-hide");
      show(pc, open);
      show(filter, open);
    },
    Close: function () { show(banner, false); show(pc, false); show(filter, false); },
    IsAlertBoxClosed: function () { return !!alertClosed; },
    IsAlertBoxClosedAndValid: function () { return !!alertClosed; },
    OnConsentChanged: function (handler) { if (typeof handler === "function") changeHandlers.push(handler); },
    GetDomainData: function () {
      return { cctId: stub.domainScript, Groups: GROUPS.map(function (g) { return { CustomGroupId: g.id, GroupName: g.name, Status: g.always ? "always active" : "inactive" }; }) };
    },
    getDataSubjectId: function () { return consent && consent.consentId; },
    getGeolocationData: function () { return { country: "GB", state: "" }; },
  };
  window.OneTrust = api;
  window.Optanon = api;

  function start() {
    build();
    publishGroups();
    show(banner, !alertClosed);
    activateScripts();
    (window.dataLayer = window.dataLayer || []).push({ event: "OneTrustLoaded",
      OnetrustActiveGroups: window.OnetrustActiveGroups });
    callWrapper();
  }
  publishGroups();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
