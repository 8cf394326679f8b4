// Google Consent Mode defaults before any tag, then a home-made banner ("Accept all" / "Reject all"). The
// choice is kept in the first-party cookie site_consent=accepted|rejected; it is sent to Google's tags as a
// Consent Mode update (on the click, and on later pages from the cookie), and accepting runs the page's
// <script type="text/plain" data-consent="..."> tags.
window.dataLayer = window.dataLayer || [];
function gtag() { window.dataLayer.push(arguments); }
(function () {
  function signals(state) {
    return { ad_storage: state, analytics_storage: state, ad_user_data: state, ad_personalization: state };
  }
  gtag("consent", "default", signals("denied"));
  var match = document.cookie.match(/(?:^|; )site_consent=([^;]*)/);
  var choice = match ? match[1] : null;
  if (choice) gtag("consent", "update", signals(choice === "accepted" ? "granted" : "denied"));

  function runTags() {
    Array.prototype.forEach.call(document.querySelectorAll('script[type="text/plain"][data-consent]'), function (old) {
      var fresh = document.createElement("script");
      if (old.getAttribute("data-src")) fresh.src = old.getAttribute("data-src");
      else fresh.textContent = old.textContent;
      old.parentNode.replaceChild(fresh, old);
    });
  }
  function showBanner() {
    var bar = document.createElement("div");
    bar.className = "consent-bar";
    bar.setAttribute("role", "dialog");
    bar.setAttribute("aria-label", "Cookie consent");
    bar.style.cssText = "position:fixed;left:0;right:0;bottom:0;background:#1f2937;color:#fff;padding:16px";
    bar.innerHTML = "<p>We use cookies to understand how visitors use our shop and to show you relevant adverts. " +
      "You can accept them all or reject everything that is not needed to run the shop.</p>" +
      '<button type="button" data-value="essential">Reject all</button> ' +
      '<button type="button" data-value="all">Accept all</button>';
    document.body.appendChild(bar);
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-value]");
      if (!button) return;
      var accepted = button.getAttribute("data-value") === "all";
      document.cookie = "site_consent=" + (accepted ? "accepted" : "rejected") + "; path=/; max-age=" +
        180 * 86400 + "; SameSite=Lax";
      gtag("consent", "update", signals(accepted ? "granted" : "denied"));
      bar.parentNode.removeChild(bar);
      if (accepted) runTags();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (choice === "accepted") runTags();
    else if (!choice) showBanner();
  });
})();
