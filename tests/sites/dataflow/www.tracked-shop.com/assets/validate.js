// The shop's own form validation: it listens to what is typed, on its own page, for the visitor.
(function () {
  var email = document.getElementById("email");
  var message = document.getElementById("message");
  var hint = document.getElementById("hint");
  email.addEventListener("input", function () {
    hint.textContent = /.+@.+\..+/.test(email.value) ? "" : "Please enter an e-mail address.";
  });
  message.oninput = function () {
    hint.textContent = message.value.length > 500 ? "Please keep it under 500 characters." : "";
  };
  FormKit.watch(message, function () {});
})();
