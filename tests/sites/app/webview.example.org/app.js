// The in-app page's consent, as iQommerce's apps pass it: the URL parameter `consent` on the first page
// (kept in the first-party cookie app_consent for the next pages), the cookie app_consent, or the
// localStorage entry `consent`. "granted" runs the tags; "denied" or nothing does not. A value the page
// does not understand is overwritten with "denied" (so an app that hands over the wrong format is caught).
(function () {
  var KNOWN = { granted: true, denied: true };
  var param = new URLSearchParams(location.search).get("consent");
  var cookie = (document.cookie.match(/(?:^|; )app_consent=([^;]*)/) || [])[1];
  var stored = localStorage.getItem("consent");
  var choice = param || cookie || stored;
  if (param && KNOWN[param]) {
    document.cookie = "app_consent=" + param + "; path=/; max-age=" + 365 * 86400 + "; SameSite=Lax; Secure";
  } else if (cookie && !KNOWN[cookie]) {
    document.cookie = "app_consent=denied; path=/; max-age=" + 365 * 86400 + "; SameSite=Lax; Secure";
    choice = "denied";
  }
  if (choice !== "granted") return;
  ["https://www.googletagmanager.com/gtag/js?id=G-TEST123", "https://connect.facebook.net/en_US/fbevents.js"]
    .forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      document.head.appendChild(script);
    });
})();
