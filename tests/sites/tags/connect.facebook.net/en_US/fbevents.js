// Meta Pixel stand-in with advanced matching (for tests/test_hits.py). fbq("init", id, {em}) hashes the
// e-mail (SHA-256 of the trimmed, lower-cased address) into ud[em]; PageView is an image hit to
// www.facebook.com/tr/, other events a sendBeacon POST of the same form-encoded fields, with cd[...] for
// their custom data. Commands queued by the page's base code run in order once the hashing is done.
(function () {
  var pixel = null;
  var userData = {};
  var ready = Promise.resolve();

  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      return Array.from(new Uint8Array(digest)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }
  function send(event, custom) {
    var params = new URLSearchParams({ id: pixel, ev: event, dl: location.href });
    if (document.referrer) params.set("rl", document.referrer);
    Object.keys(custom || {}).forEach(function (key) { params.set("cd[" + key + "]", String(custom[key])); });
    Object.keys(userData).forEach(function (key) { params.set("ud[" + key + "]", userData[key]); });
    if (event === "PageView") new Image().src = "https://www.facebook.com/tr/?" + params.toString();
    else navigator.sendBeacon("https://www.facebook.com/tr/", params);
  }
  function run(args) {
    if (args[0] === "init") {
      pixel = args[1];
      var email = args[2] && args[2].em;
      if (email) ready = ready.then(function () { return sha256(email.trim().toLowerCase()); }).then(function (hash) { userData.em = hash; });
    } else if (args[0] === "track") {
      ready = ready.then(function () { send(args[1], args[2]); });
    }
  }
  var queued = (window.fbq && window.fbq.queue) || [];
  window.fbq = function () { run(arguments); };
  queued.forEach(run);
})();
