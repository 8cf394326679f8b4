// Font enumeration: a string measured in each candidate family with each fallback; a width that differs
// from the fallback's own means the font is installed.
(function () {
  var candidates = ["Arial Black", "Bookman Old Style", "Calibri", "Cambria", "Candara", "Century Gothic",
    "Comic Sans MS", "Consolas", "Constantia", "Corbel", "Courier New", "Franklin Gothic Medium", "Futura",
    "Garamond", "Geneva", "Georgia", "Gill Sans", "Helvetica Neue", "Impact", "Lucida Console",
    "Lucida Sans Unicode", "Menlo", "Monaco", "Optima", "Palatino Linotype", "Segoe UI", "Tahoma",
    "Trebuchet MS", "Ubuntu", "Verdana"];
  var fallbacks = ["monospace", "sans-serif", "serif"];
  var context = document.createElement("canvas").getContext("2d");
  var probe = "mmmmmmmmmmlli";
  var base = {};
  fallbacks.forEach(function (fallback) {
    context.font = "72px " + fallback;
    base[fallback] = context.measureText(probe).width;
  });
  window.__installedFonts = candidates.filter(function (family) {
    return fallbacks.some(function (fallback) {
      context.font = "72px '" + family + "', " + fallback;
      return context.measureText(probe).width !== base[fallback];
    });
  });
})();
