// CookieYes stand-in: https://cdn-cookieyes.com/client_data/<site key>/script.js (embedded as
// <script id="cookieyes" src="...">). Written for sitescan's tests from CookieYes' public documentation and its
// banner's public DOM; no CookieYes code is included.
//
// DOM: .cky-consent-container (> .cky-consent-bar[data-cky-tag=notice]) with the buttons
//   button.cky-btn-customize[data-cky-tag=settings-button] "Customize",
//   button.cky-btn-reject[data-cky-tag=reject-button] "Reject All",
//   button.cky-btn-accept[data-cky-tag=accept-button] "Accept All".
//   Customize opens .cky-modal (class cky-modal-open while shown) with a checkbox per category and
//   [data-cky-tag=detail-reject-button] / [data-cky-tag=detail-save-button] / [data-cky-tag=detail-accept-button].
//   After a choice the banner gets class cky-hide and the floating revisit button
//   .cky-btn-revisit-wrapper[data-cky-tag=revisit-consent] appears.
// Cookie (after a choice only; registrable domain, one year): cookieyes-consent =
//   consentid:<id>,consent:yes|no,action:yes,necessary:yes,functional:<yes|no>,analytics:<yes|no>,
//   performance:<yes|no>,advertisement:<yes|no>,other:<yes|no>
// Globals: getCkyConsent() -> {activeLaw, categories: {...}, isUserActionCompleted, consentID, languageCode},
//   revisitCkyConsent(); document events cookieyes_banner_load and cookieyes_consent_update
//   (detail {accepted: [...], rejected: [...]}).
// Gated tags: <script type="text/plain" data-cookieyes="cookieyes-analytics|cookieyes-advertisement"> or
//   data-consent="analytics|marketing" (marketing = advertisement).
(function () {
  "use strict";
  if (window.getCkyConsent && window.getCkyConsent.__standIn) return;
  var YEAR = 365 * 24 * 3600;
  var CATEGORIES = ["necessary", "functional", "analytics", "performance", "advertisement", "other"];
  var OPTIONAL = [
    { key: "functional", label: "Functional" },
    { key: "analytics", label: "Analytics" },
    { key: "performance", label: "Performance" },
    { key: "advertisement", label: "Advertisement" },
  ];
  var CONSENT_CATEGORY = { analytics: "analytics", marketing: "advertisement", functional: "functional",
    performance: "performance", necessary: "necessary" };

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
  function consentId() {
    var bytes = "";
    for (var i = 0; i < 32; i++) bytes += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(Math.random() * 62)];
    return btoa(bytes).replace(/=+$/, "");
  }

  var state = null;
  (function load() {
    var raw = readCookie("cookieyes-consent");
    if (!raw) return;
    var fields = {};
    decodeURIComponent(raw).split(",").forEach(function (pair) {
      var colon = pair.indexOf(":");
      fields[pair.slice(0, colon)] = pair.slice(colon + 1);
    });
    if (fields.action !== "yes") return;
    state = { id: fields.consentid, categories: {} };
    CATEGORIES.forEach(function (c) { state.categories[c] = fields[c] === "yes"; });
    state.categories.necessary = true;
  })();

  function save(categories) {
    var next = { id: (state && state.id) || consentId(), categories: { necessary: true } };
    CATEGORIES.forEach(function (c) { if (c !== "necessary") next.categories[c] = !!categories[c]; });
    state = next;
    var any = OPTIONAL.some(function (c) { return next.categories[c.key]; });
    var value = "consentid:" + next.id + ",consent:" + (any ? "yes" : "no") + ",action:yes," +
      CATEGORIES.map(function (c) { return c + ":" + (next.categories[c] ? "yes" : "no"); }).join(",");
    document.cookie = "cookieyes-consent=" + value + "; path=/; domain=." + baseDomain() + "; max-age=" + YEAR +
      "; SameSite=Lax";
    hideBanner();
    activateScripts();
    var accepted = CATEGORIES.filter(function (c) { return next.categories[c]; });
    var rejected = CATEGORIES.filter(function (c) { return !next.categories[c]; });
    document.dispatchEvent(new CustomEvent("cookieyes_consent_update",
      { detail: { accepted: accepted, rejected: rejected } }));
  }

  // -- gated tags ---------------------------------------------------------------------------------------
  function categoryOf(script) {
    var tag = script.getAttribute("data-cookieyes");
    if (tag) return tag.replace(/^cookieyes-/, "");
    return CONSENT_CATEGORY[script.getAttribute("data-consent")] || null;
  }
  function activateScripts() {
    if (!state) return;
    var scripts = document.querySelectorAll('script[type="text/plain"]');
    Array.prototype.forEach.call(scripts, function (old) {
      var category = categoryOf(old);
      if (!category || !state.categories[category]) return;
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
    ".cky-consent-container{position:fixed;left:40px;bottom:40px;width:440px;max-width:calc(100vw - 80px);",
    "z-index:9999999;font:14px/1.5 Arial,sans-serif;color:#212121}",
    ".cky-consent-bar{background:#fff;border:1px solid #f4f4f4;box-shadow:0 5px 16px rgba(0,0,0,.2);",
    "border-radius:6px;padding:20px}",
    ".cky-title{font-weight:700;font-size:18px;margin:0 0 8px}",
    ".cky-notice-btn-wrapper{display:flex;gap:8px;margin-top:12px;flex-wrap:wrap}",
    ".cky-btn{flex:1;padding:8px 10px;border:2px solid #1863dc;border-radius:2px;background:transparent;",
    "color:#1863dc;font-weight:500;cursor:pointer}",
    ".cky-btn-accept{background:#1863dc;color:#fff}",
    ".cky-hide{display:none!important}",
    ".cky-modal{position:fixed;inset:0;z-index:99999999;display:none;align-items:center;justify-content:center;",
    "background:rgba(0,0,0,.5)}",
    ".cky-modal.cky-modal-open{display:flex}",
    ".cky-preference-center{background:#fff;width:560px;max-width:95vw;padding:22px;border-radius:6px}",
    ".cky-preference-center label{display:block;margin:6px 0}",
    ".cky-prefrence-btn-wrapper{display:flex;gap:8px;margin-top:14px}",
    ".cky-btn-revisit-wrapper{position:fixed;left:15px;bottom:15px;z-index:999999}",
    ".cky-btn-revisit{width:45px;height:45px;border-radius:50%;border:0;background:#0056a7;color:#fff;cursor:pointer}",
  ].join("");
  var banner, modal, revisit;
  function build() {
    var style = document.createElement("style");
    style.id = "cky-style";
    style.textContent = CSS;
    document.head.appendChild(style);

    banner = document.createElement("div");
    banner.className = "cky-consent-container cky-box-bottom-left" + (state ? " cky-hide" : "");
    banner.setAttribute("tabindex", "0");
    banner.setAttribute("aria-label", "We value your privacy");
    banner.setAttribute("role", "region");
    banner.innerHTML =
      '<div class="cky-consent-bar" data-cky-tag="notice"><div class="cky-notice">' +
      '<p class="cky-title" role="heading" aria-level="1" data-cky-tag="title">We value your privacy</p>' +
      '<div class="cky-notice-group"><div class="cky-notice-des" data-cky-tag="description"><p>We use cookies to ' +
      "enhance your browsing experience, serve personalised ads or content, and analyse our traffic. By " +
      "clicking \u201cAccept All\u201d, you consent to our use of cookies.</p></div>" +
      '<div class="cky-notice-btn-wrapper" data-cky-tag="notice-buttons">' +
      '<button class="cky-btn cky-btn-customize" aria-label="Customize" data-cky-tag="settings-button">Customize</button>' +
      '<button class="cky-btn cky-btn-reject" aria-label="Reject All" data-cky-tag="reject-button">Reject All</button>' +
      '<button class="cky-btn cky-btn-accept" aria-label="Accept All" data-cky-tag="accept-button">Accept All</button>' +
      "</div></div></div></div>";
    document.body.appendChild(banner);

    modal = document.createElement("div");
    modal.className = "cky-modal";
    modal.setAttribute("tabindex", "-1");
    modal.innerHTML =
      '<div class="cky-preference-center" role="dialog" aria-modal="true" data-cky-tag="detail">' +
      '<span class="cky-preference-title" role="heading" aria-level="1" data-cky-tag="detail-title">Customize ' +
      "Consent Preferences</span>" +
      '<label><input type="checkbox" id="ckySwitchnecessary" checked disabled> Necessary (Always Active)</label>' +
      OPTIONAL.map(function (c) {
        return '<label><input type="checkbox" id="ckySwitch' + c.key + '" data-cky-category="' + c.key + '"> ' +
          c.label + "</label>";
      }).join("") +
      '<div class="cky-prefrence-btn-wrapper">' +
      '<button class="cky-btn cky-btn-reject" aria-label="Reject All" data-cky-tag="detail-reject-button">Reject All</button>' +
      '<button class="cky-btn cky-btn-preferences" aria-label="Save My Preferences" data-cky-tag="detail-save-button">Save My Preferences</button>' +
      '<button class="cky-btn cky-btn-accept" aria-label="Accept All" data-cky-tag="detail-accept-button">Accept All</button>' +
      "</div></div>";
    document.body.appendChild(modal);

    revisit = document.createElement("div");
    revisit.className = "cky-btn-revisit-wrapper cky-revisit-bottom-left" + (state ? "" : " cky-revisit-hide cky-hide");
    revisit.setAttribute("data-cky-tag", "revisit-consent");
    revisit.setAttribute("data-tooltip", "Consent Preferences");
    revisit.innerHTML = '<button class="cky-btn-revisit" aria-label="Consent Preferences">\u2699</button>';
    document.body.appendChild(revisit);

    function allOn() {
      var c = {};
      OPTIONAL.forEach(function (o) { c[o.key] = true; });
      c.other = true;
      return c;
    }
    banner.querySelector("[data-cky-tag=accept-button]").addEventListener("click", function () { save(allOn()); });
    banner.querySelector("[data-cky-tag=reject-button]").addEventListener("click", function () { save({}); });
    banner.querySelector("[data-cky-tag=settings-button]").addEventListener("click", function () { openModal(); });
    modal.querySelector("[data-cky-tag=detail-accept-button]").addEventListener("click", function () { save(allOn()); });
    modal.querySelector("[data-cky-tag=detail-reject-button]").addEventListener("click", function () { save({}); });
    modal.querySelector("[data-cky-tag=detail-save-button]").addEventListener("click", function () {
      var c = {};
      Array.prototype.forEach.call(modal.querySelectorAll("input[data-cky-category]"), function (input) {
        c[input.getAttribute("data-cky-category")] = input.checked;
      });
      save(c);
    });
    revisit.querySelector("button").addEventListener("click", function () { openModal(); });
  }
  function openModal() {
    Array.prototype.forEach.call(modal.querySelectorAll("input[data-cky-category]"), function (input) {
      input.checked = !!(state && state.categories[input.getAttribute("data-cky-category")]);
    });
    modal.classList.add("cky-modal-open");
  }
  function hideBanner() {
    banner.classList.add("cky-hide");
    modal.classList.remove("cky-modal-open");
    revisit.classList.remove("cky-revisit-hide", "cky-hide");
  }

  window.getCkyConsent = function () {
    var categories = {};
    CATEGORIES.forEach(function (c) {
      if (c !== "other") categories[c] = c === "necessary" ? true : !!(state && state.categories[c]);
    });
    return { activeLaw: "gdpr", categories: categories, isUserActionCompleted: !!state,
      consentID: state ? state.id : "", languageCode: "en" };
  };
  window.getCkyConsent.__standIn = true;
  window.revisitCkyConsent = function () { openModal(); };

  function start() {
    build();
    activateScripts();
    document.dispatchEvent(new CustomEvent("cookieyes_banner_load", { detail: window.getCkyConsent() }));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
