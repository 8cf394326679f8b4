// Hotjar stand-in: first-party _hjSessionUser_<site> (1 year) and _hjSession_<site> (30 minutes)
// cookies and a localStorage entry from script; its first data upload leaves three seconds after load,
// as a keepalive fetch to in.hotjar.com.
(function () {
  var site = "3210";
  var labels = location.hostname.split(".");
  var domain = labels.slice(-2).join(".");
  document.cookie = "_hjSessionUser_" + site + "=" + btoa(String(Math.random())) + "; path=/; domain=" + domain +
    "; max-age=31536000; SameSite=Lax";
  document.cookie = "_hjSession_" + site + "=" + btoa(String(Date.now())) + "; path=/; domain=" + domain +
    "; max-age=1800; SameSite=Lax";
  localStorage.setItem("_hjSessionUser_" + site, JSON.stringify({ created: Date.now() }));
  function upload() {
    setTimeout(function () {
      fetch("https://in.hotjar.com/api/v2/client/sites/" + site + "/visit-data", {
        method: "POST", keepalive: true, body: JSON.stringify({ url: location.href }),
      });
    }, 3000);
  }
  if (document.readyState === "complete") upload(); else window.addEventListener("load", upload);
})();
