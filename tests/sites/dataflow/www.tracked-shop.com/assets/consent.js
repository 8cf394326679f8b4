// The shop's own consent banner: "Accept all" / "Reject all". The choice is kept in the
// first-party cookie ts_consent=all|essential; accepting runs the page's
// <script type="text/plain" data-consent="..." data-src="..."> tags (ordinary <script> elements run
// whatever the visitor chooses).
(function () {
  var stored = (document.cookie.match(/(?:^|; )ts_consent=([^;]*)/) || [])[1];
  function runGatedTags() {
    document.querySelectorAll('script[type="text/plain"][data-consent]').forEach(function (gated) {
      var tag = document.createElement("script");
      tag.src = gated.getAttribute("data-src");
      gated.replaceWith(tag);
    });
  }
  if (stored === "all") return runGatedTags();
  if (stored === "essential") return;
  var banner = document.createElement("div");
  banner.setAttribute("role", "dialog");
  banner.setAttribute("aria-label", "Cookies");
  banner.style.cssText = "position:fixed;inset:auto 0 0 0;background:#102a43;color:#fff;padding:16px 24px;" +
    "display:flex;gap:16px;align-items:center;flex-wrap:wrap;font:15px/1.4 system-ui,sans-serif;z-index:10";
  banner.innerHTML = '<p style="flex:1 1 320px;margin:0">We use cookies to measure our audience and show you ' +
    "relevant offers. Accept them all, or keep only the ones the store needs to work.</p>" +
    '<button type="button" data-choice="essential">Reject all</button>' +
    '<button type="button" data-choice="all">Accept all</button>';
  document.body.appendChild(banner);
  banner.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-choice]");
    if (!button) return;
    var choice = button.getAttribute("data-choice");
    document.cookie = "ts_consent=" + choice + "; path=/; max-age=" + 365 * 86400 + "; SameSite=Lax; Secure";
    banner.remove();
    if (choice === "all") runGatedTags();
  });
})();
