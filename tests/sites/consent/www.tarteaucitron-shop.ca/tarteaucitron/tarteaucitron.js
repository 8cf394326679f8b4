// Stand-in for tarteaucitron.js (the open-source French consent manager, self-hosted), written for these
// tests: the real script's DOM (#tarteaucitronRoot > #tarteaucitronAlertBig with #tarteaucitronPersonalize2
// "Tout accepter", #tarteaucitronAllDenied2 "Tout refuser", #tarteaucitronCloseAlert "Personnaliser"), its
// cookie `tarteaucitron=!gtag=true|false!facebookpixel=true|false` (registrable domain, 365 days) and its
// globals `tarteaucitron.init`, `tarteaucitron.job`, `tarteaucitron.userInterface.respondAll(bool)`.
// sitescan's own platform rules do not know it: DuckDuckGo autoconsent's "tarteaucitron deny" rule does.
(function () {
  var SERVICES = {
    gtag: "https://www.googletagmanager.com/gtag/js?id=G-TEST123",
    facebookpixel: "https://connect.facebook.net/en_US/fbevents.js",
  };
  function stored() {
    var match = document.cookie.match(/(?:^|; )tarteaucitron=([^;]*)/);
    if (!match) return null;
    var state = {};
    match[1].split("!").forEach(function (pair) {
      if (pair) state[pair.split("=")[0]] = pair.split("=")[1] === "true";
    });
    return state;
  }
  function store(allowed) {
    var value = tarteaucitron.job.map(function (name) { return "!" + name + "=" + allowed; }).join("");
    var domain = location.hostname.replace(/^www\./, "");
    document.cookie = "tarteaucitron=" + value + "; path=/; domain=." + domain + "; max-age=" + 365 * 86400 +
      "; SameSite=Lax";
  }
  function load(name) {
    if (!SERVICES[name]) return;
    var script = document.createElement("script");
    script.src = SERVICES[name];
    document.head.appendChild(script);
  }
  function closeAlert() {
    var big = document.getElementById("tarteaucitronAlertBig");
    if (big) big.style.display = "none";
    document.getElementById("tarteaucitronRoot").className = "tarteaucitronAfterVisible";
  }
  function build() {
    var style = document.createElement("style");
    style.textContent = "#tarteaucitronAlertBig{position:fixed;left:0;right:0;bottom:0;z-index:2147483645;" +
      "background:#333;color:#fff;padding:16px 24px;font:15px/1.5 sans-serif;text-align:center}" +
      ".tarteaucitronCTAButton{margin:8px 6px 0;padding:8px 16px;border:0;border-radius:4px;cursor:pointer;" +
      "font-weight:700}.tarteaucitronAllow{background:#1b870b;color:#fff}.tarteaucitronDeny{background:#9c1a1a;" +
      "color:#fff}#tarteaucitronCloseAlert{background:#fff;color:#333}";
    document.head.appendChild(style);
    var root = document.createElement("div");
    root.id = "tarteaucitronRoot";
    root.className = "tarteaucitronBeforeVisible";
    root.innerHTML = '<div id="tarteaucitronAlertBig" class="tarteaucitronAlertBigBottom" role="alert">' +
      '<span id="tarteaucitronDisclaimerAlert">Ce site utilise des cookies et vous donne le contrôle sur ceux ' +
      "que vous souhaitez activer</span>" +
      '<button type="button" class="tarteaucitronCTAButton tarteaucitronAllow" id="tarteaucitronPersonalize2">' +
      '<span class="tarteaucitronCheck" aria-hidden="true"></span> Tout accepter</button>' +
      '<button type="button" class="tarteaucitronCTAButton tarteaucitronDeny" id="tarteaucitronAllDenied2">' +
      '<span class="tarteaucitronCross" aria-hidden="true"></span> Tout refuser</button>' +
      '<button type="button" id="tarteaucitronCloseAlert" class="tarteaucitronCTAButton">Personnaliser</button>' +
      "</div>";
    document.body.appendChild(root);
    document.getElementById("tarteaucitronPersonalize2").addEventListener("click", function () {
      tarteaucitron.userInterface.respondAll(true);
    });
    document.getElementById("tarteaucitronAllDenied2").addEventListener("click", function () {
      tarteaucitron.userInterface.respondAll(false);
    });
  }
  window.tarteaucitron = {
    job: window.tarteaucitron && window.tarteaucitron.job ? window.tarteaucitron.job : [],
    userInterface: {
      respondAll: function (allowed) {
        store(allowed);
        closeAlert();
        if (allowed) tarteaucitron.job.forEach(load);
      },
    },
    init: function () {
      document.addEventListener("DOMContentLoaded", function () {
        var state = stored();
        if (state === null) return build();
        tarteaucitron.job.forEach(function (name) { if (state[name]) load(name); });
      });
    },
  };
})();
