// Bandeau de consentement maison (sans plateforme), en français : « Tout accepter » / « Tout refuser ».
// Le choix est gardé dans le témoin first-party consentement_temoins=accepte|refuse (hôte seul, 180 jours);
// accepter exécute les balises <script type="text/plain" data-consent="..."> de la page.
(function () {
  var NAME = "consentement_temoins";
  function read() {
    var match = document.cookie.match(/(?:^|; )consentement_temoins=([^;]*)/);
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
  if (choice === "accepte") { runTags(); return; }
  if (choice === "refuse") return;

  var style = document.createElement("style");
  style.textContent = ".bandeau-temoins{position:fixed;left:16px;right:16px;bottom:16px;z-index:1000;background:#fff;" +
    "border:1px solid #c8102e;border-radius:8px;padding:18px 24px;box-shadow:0 4px 18px rgba(0,0,0,.2);" +
    "font:15px/1.5 sans-serif;color:#222}.bandeau-temoins h2{font-size:17px;margin:0 0 6px}" +
    ".bandeau-temoins .actions{display:flex;gap:12px;margin-top:12px}.bandeau-temoins button{padding:10px 20px;" +
    "border-radius:4px;border:2px solid #c8102e;background:#fff;color:#c8102e;font-weight:700;cursor:pointer}" +
    ".bandeau-temoins .principal{background:#c8102e;color:#fff}";
  document.head.appendChild(style);
  var bar = document.createElement("section");
  bar.className = "bandeau-temoins";
  bar.setAttribute("role", "dialog");
  bar.setAttribute("aria-label", "Gestion des témoins");
  bar.innerHTML = "<h2>Votre vie privée</h2>" +
    "<p>Nous utilisons des témoins (cookies) pour mesurer l’audience de notre boutique et pour vous présenter " +
    "des publicités pertinentes. Vous pouvez tout accepter ou refuser les témoins qui ne sont pas essentiels au " +
    "fonctionnement du site.</p>" +
    '<div class="actions">' +
    '<button type="button" class="secondaire" data-valeur="non">Tout refuser</button>' +
    '<button type="button" class="principal" data-valeur="oui">Tout accepter</button>' +
    "</div>";
  document.body.appendChild(bar);
  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-valeur]");
    if (!button) return;
    var accepted = button.getAttribute("data-valeur") === "oui";
    document.cookie = NAME + "=" + (accepted ? "accepte" : "refuse") + "; path=/; max-age=" + 180 * 86400 +
      "; SameSite=Lax";
    bar.parentNode.removeChild(bar);
    if (accepted) runTags();
  });
})();
