// Microsoft UET stand-in (for tests/test_hits.py): new UET({ti}) returns a queue whose push("pageLoad")
// and push("event", action, {...}) send image hits to bat.bing.com/action/0 with the documented
// parameters (ti, Ver, evt, ea, ec, el, ev, gv, gc, p, tl, r) and the cache-busting rn.
window.UET = function (options) {
  var encode = encodeURIComponent;
  var BEACON_NAMES = { event_category: "ec", event_label: "el", event_value: "ev", revenue_value: "gv", currency: "gc" };
  function hit(params) {
    var query = "ti=" + encode(options.ti) + "&Ver=2&" + params + "&p=" + encode(location.href) + "&tl=" +
      encode(document.title) + (document.referrer ? "&r=" + encode(document.referrer) : "") + "&rn=" +
      Math.floor(Math.random() * 1e6);
    new Image().src = "https://bat.bing.com/action/0?" + query;
  }
  this.push = function (command, action, params) {
    if (command === "pageLoad") {
      hit("evt=pageLoad");
    } else if (command === "event") {
      var query = "evt=custom&ea=" + encode(action);
      Object.keys(params || {}).forEach(function (key) {
        query += "&" + (BEACON_NAMES[key] || key) + "=" + encode(params[key]);
      });
      hit(query);
    }
  };
};
