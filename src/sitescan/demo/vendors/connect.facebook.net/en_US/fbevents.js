// Meta Pixel stand-in: a first-party _fbp cookie (90 days) from script and a PageView hit as a
// detached image to www.facebook.com/tr (the pixel's <img> fallback does the same).
(function () {
  var labels = location.hostname.split(".");
  var domain = labels.slice(-2).join(".");
  if (document.cookie.indexOf("_fbp=") === -1) {
    document.cookie = "_fbp=fb.1." + Date.now() + "." + Math.floor(Math.random() * 1e9) + "; path=/; domain=" +
      domain + "; max-age=7776000; SameSite=Lax";
  }
  window.fbq = function (command, event) {
    var pixel = new Image();
    pixel.src = "https://www.facebook.com/tr/?id=1234567890&ev=" + encodeURIComponent(event || "PageView") +
      "&dl=" + encodeURIComponent(location.href);
  };
  window.fbq("track", "PageView");
})();
