// Members' pages: a visitor without a session goes to the login page; a member sees the account menu,
// and the page echoes the username (from member_email, written at login) where a site might.
(function () {
  var session = /(?:^|; )signed_in=1(?:;|$)/.test(document.cookie);
  var found = document.cookie.match(/(?:^|; )member_email=([^;]*)/);
  if (!session || !found) {
    location.replace("/account/login/");
    return;
  }
  var email = decodeURIComponent(found[1]);
  document.title = document.title + ": " + email;
  localStorage.setItem("recent_user:" + email, "1");
  document.cookie = "greeted_" + encodeURIComponent(email) + "=1; path=/; Secure; SameSite=Lax";
  document.addEventListener("DOMContentLoaded", function () {
    var menu = document.createElement("nav");
    menu.className = "account-menu";
    menu.innerHTML = '<a href="/account/orders/?customer=' + encodeURIComponent(email) + '">Your orders</a> ' +
      '<a href="/account/logout" title="⏻">⏻</a> <a href="/account/goodbye">Sign out</a>';
    document.body.prepend(menu);
  });
})();
