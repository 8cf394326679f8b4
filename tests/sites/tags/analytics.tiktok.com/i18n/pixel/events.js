// TikTok Pixel stand-in (for tests/test_hits.py): the pixel code comes from the script's sdkid; the
// commands the page's base code queued in window.ttq run in order: identify({email}) hashes the e-mail
// (SHA-256), page() and track(event, properties) send JSON by sendBeacon to analytics.tiktok.com/api/v2/pixel
// with the page, the referrer and the identified user in its context.
(function () {
  var code = new URL(document.currentScript.src).searchParams.get("sdkid");
  var user = {};
  var ready = Promise.resolve();

  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      return Array.from(new Uint8Array(digest)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }
  function send(event, properties) {
    var payload = {
      event: event,
      context: { pixel: { code: code }, page: { url: location.href, referrer: document.referrer }, user: user },
    };
    if (properties) payload.properties = properties;
    navigator.sendBeacon("https://analytics.tiktok.com/api/v2/pixel", JSON.stringify(payload));
  }
  function run(command) {
    var method = command[0];
    if (method === "identify") {
      var email = command[1] && command[1].email;
      if (email) ready = ready.then(function () { return sha256(email.trim().toLowerCase()); }).then(function (hash) { user.email = hash; });
    } else if (method === "page") {
      ready = ready.then(function () { send("Pageview"); });
    } else if (method === "track") {
      ready = ready.then(function () { send(command[1], command[2]); });
    }
  }
  var queued = Array.isArray(window.ttq) ? window.ttq.slice() : [];
  window.ttq = {
    page: function () { run(["page"]); },
    track: function (event, properties) { run(["track", event, properties]); },
    identify: function (data) { run(["identify", data]); },
  };
  queued.forEach(run);
})();
