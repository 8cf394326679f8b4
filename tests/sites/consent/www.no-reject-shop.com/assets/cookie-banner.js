// A home-made banner that offers no way to refuse: "Accept" and "Learn more" (which only unfolds more text in
// the banner). Until "Accept" the gated tags stay off and the banner stays on every page; accepting stores
// cookies_accepted=1 (host only, one year) and runs the page's <script type="text/plain" data-consent> tags.
(function () {
  function runTags() {
    Array.prototype.forEach.call(document.querySelectorAll('script[type="text/plain"][data-consent]'), function (old) {
      var fresh = document.createElement("script");
      fresh.src = old.getAttribute("data-src");
      old.parentNode.replaceChild(fresh, old);
    });
  }
  if (/(?:^|; )cookies_accepted=1(?:;|$)/.test(document.cookie)) { runTags(); return; }

  var style = document.createElement("style");
  style.textContent = ".cookie-notice{position:fixed;left:0;right:0;bottom:0;z-index:1000;background:#fffbe6;" +
    "border-top:2px solid #e0b400;padding:14px 28px;font:15px/1.5 sans-serif;color:#222}" +
    ".cookie-notice .more{display:none}.cookie-notice.open .more{display:block}" +
    ".cookie-notice button{margin-right:10px;padding:8px 18px;border-radius:4px;border:1px solid #333;" +
    "background:#fff;cursor:pointer}.cookie-notice .ok{background:#333;color:#fff}";
  document.head.appendChild(style);
  var notice = document.createElement("div");
  notice.className = "cookie-notice";
  notice.setAttribute("role", "dialog");
  notice.setAttribute("aria-label", "Cookies");
  notice.innerHTML = "<p>This website uses cookies to give you the best shopping experience.</p>" +
    '<p class="more">We and our advertising and analytics partners use cookies to measure visits and to show you ' +
    "offers on other websites. By continuing to use the shop you agree to this.</p>" +
    '<button type="button" class="ok">Accept</button><button type="button" class="info">Learn more</button>';
  document.body.appendChild(notice);
  notice.querySelector(".info").addEventListener("click", function () { notice.classList.toggle("open"); });
  notice.querySelector(".ok").addEventListener("click", function () {
    document.cookie = "cookies_accepted=1; path=/; max-age=" + 365 * 86400 + "; SameSite=Lax";
    notice.parentNode.removeChild(notice);
    runTags();
  });
})();
