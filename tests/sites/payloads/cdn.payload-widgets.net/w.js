// A third-party widget: a first-party cookie written by a script whose URL holds payloads, and a beacon.
(function () {
  "use strict";
  loadPayloads().then(function (p) {
    document.cookie = p.widget_cookie[0] + "=" + p.widget_cookie[1] + "; path=/";
    navigator.sendBeacon("https://cdn.payload-widgets.net/collect?" + p.beacon_query, "x");
  });
})();
