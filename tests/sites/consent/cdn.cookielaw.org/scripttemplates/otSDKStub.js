// OneTrust stand-in, stage 1: the stub a site embeds
//   <script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" data-domain-script="<id>"></script>
// Like the real stub it only reads data-domain-script from its own tag and loads the banner SDK of a pinned
// version from cdn.cookielaw.org (scripttemplates/<version>/otBannerSdk.js), which builds the banner.
// Written for sitescan's tests; no OneTrust code is included.
(function () {
  var me = document.currentScript;
  var version = "202404.1.0";
  window.OneTrustStub = {
    domainScript: me ? me.getAttribute("data-domain-script") : null,
    version: version,
  };
  var sdk = document.createElement("script");
  sdk.src = "https://cdn.cookielaw.org/scripttemplates/" + version + "/otBannerSdk.js";
  sdk.async = true;
  sdk.charset = "UTF-8";
  (document.head || document.documentElement).appendChild(sdk);
})();
