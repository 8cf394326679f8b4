// Puts the payloads of payloads.json everywhere a scanned value comes from. Every value is set as data
// (textContent, setAttribute, storage, cookies): this page itself runs no payload.
// "@LONG@" in a value stands for 3000 "L"s (tests/test_escaping.py expands it the same way).
window.loadPayloads = function () {
  "use strict";
  return fetch("/assets/payloads.json", {cache: "no-store"})
    .then(function (response) { return response.json(); })
    .then(function (payloads) {
      var long = "L".repeat(3000);
      return JSON.parse(JSON.stringify(payloads), function (key, value) {
        return typeof value === "string" ? value.split("@LONG@").join(long) : value;
      });
    });
};
window.addElement = function (parent, tag, attributes, text) {
  "use strict";
  var element = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
  if (text) element.textContent = text;
  parent.appendChild(element);
  return element;
};
