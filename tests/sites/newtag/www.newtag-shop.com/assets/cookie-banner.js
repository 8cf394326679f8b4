// A home-made consent banner (no consent platform): "Accept all" / "Reject all". The choice is kept in the
// first-party cookie site_consent=accepted|rejected (host only, 180 days); accepting runs the page's
// <script type="text/plain" data-consent="..."> tags.
(function () {
  var NAME = "site_consent";
  function read() {
    var match = document.cookie.match(/(?:^|; )site_consent=([^;]*)/);
    return match ? match[1] : null;
  }
  function runTags() {
    Array.prototype.forEach.call(document.querySelectorAll('script[type="text/plain"][data-consent]'), function (old) {
      var fresh = document.createElement("script");
      fresh.src = old.getAttribute("data-src");
      old.parentNode.replaceChild(fresh, old);
    });
  }
  var choice = read();
  if (choice === "accepted") { runTags(); return; }
  if (choice === "rejected") return;

  var style = document.createElement("style");
  style.textContent = ".consent-bar{position:fixed;left:0;right:0;bottom:0;z-index:1000;background:#1f2937;" +
    "color:#fff;padding:16px 32px;display:flex;gap:24px;align-items:center;flex-wrap:wrap;font:15px/1.5 sans-serif}" +
    ".consent-bar p{flex:1 1 360px;margin:0}.consent-bar .btn{padding:10px 18px;border-radius:6px;border:1px solid " +
    "#fff;background:transparent;color:#fff;font-weight:600;cursor:pointer}.consent-bar .btn-primary{background:#fff;" +
    "color:#1f2937}";
  document.head.appendChild(style);
  var bar = document.createElement("div");
  bar.className = "consent-bar";
  bar.setAttribute("role", "dialog");
  bar.setAttribute("aria-label", "Cookie consent");
  bar.innerHTML = "<p>We use cookies to understand how visitors use our shop and to show you relevant adverts. " +
    "You can accept them all or reject everything that is not needed to run the shop.</p>" +
    '<div class="consent-bar__actions">' +
    '<button type="button" class="btn btn-outline" data-value="essential">Reject all</button> ' +
    '<button type="button" class="btn btn-primary" data-value="all">Accept all</button>' +
    "</div>";
  document.body.appendChild(bar);
  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-value]");
    if (!button) return;
    var accepted = button.getAttribute("data-value") === "all";
    document.cookie = NAME + "=" + (accepted ? "accepted" : "rejected") + "; path=/; max-age=" + 180 * 86400 +
      "; SameSite=Lax";
    bar.parentNode.removeChild(bar);
    if (accepted) runTags();
  });
})();
