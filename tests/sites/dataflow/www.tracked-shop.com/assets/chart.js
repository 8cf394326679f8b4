// The shop's own chart: bars, their labels drawn inside save()/restore() as chart libraries do, and the
// chart exported as an image for download. A logo with text is drawn once and never read back.
(function () {
  var logo = document.getElementById("logo").getContext("2d");
  logo.font = "20px serif";
  logo.fillStyle = "#a00";
  logo.fillText("Tracked Shop, since 1999", 4, 24);

  var canvas = document.getElementById("sales");
  var context = canvas.getContext("2d");
  var sales = [12, 19, 7, 15, 22];
  sales.forEach(function (value, i) {
    context.fillStyle = "#3b82f6";
    context.fillRect(20 + i * 70, 180 - value * 7, 50, value * 7);
  });
  sales.forEach(function (value, i) {
    context.save();
    context.fillStyle = "#111";
    context.font = "12px sans-serif";
    context.fillText("Q" + (i + 1) + ": " + value, 25 + i * 70, 195);
    context.restore();
  });
  document.getElementById("export").src = canvas.toDataURL("image/png");
})();
