// A home-made consent bar: "Accept all" / "Reject all", the choice kept in site_consent.
(function () {
  if (/(?:^|; )site_consent=/.test(document.cookie)) return;
  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.createElement("div");
    bar.setAttribute("role", "dialog");
    bar.setAttribute("aria-label", "Cookie consent");
    bar.style.cssText = "position:fixed;left:0;right:0;bottom:0;padding:16px;background:#222;color:#fff";
    bar.innerHTML = "<p>We use cookies to run the shop and, with your consent, to measure visits.</p>" +
      '<button type="button" data-value="rejected">Reject all</button> ' +
      '<button type="button" data-value="accepted">Accept all</button>';
    document.body.appendChild(bar);
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-value]");
      if (!button) return;
      document.cookie = "site_consent=" + button.getAttribute("data-value") + "; path=/; max-age=15552000; Secure; SameSite=Lax";
      bar.remove();
    });
  });
})();
