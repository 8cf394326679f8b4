// Canvas fingerprint: a pangram drawn twice in two colours on a canvas nobody sees, read back as a PNG.
(function () {
  var canvas = document.createElement("canvas");
  canvas.width = 240;
  canvas.height = 60;
  var context = canvas.getContext("2d");
  context.textBaseline = "top";
  context.font = "14px Arial";
  context.fillStyle = "#f60";
  context.fillRect(125, 1, 62, 20);
  context.fillStyle = "#069";
  context.fillText("Cwm fjordbank glyphs vext quiz", 2, 15);
  context.fillStyle = "rgba(102, 204, 0, 0.7)";
  context.fillText("Cwm fjordbank glyphs vext quiz", 4, 17);
  window.__canvasFingerprint = canvas.toDataURL().length;
})();
