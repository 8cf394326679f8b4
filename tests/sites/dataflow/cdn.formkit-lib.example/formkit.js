// A form library served from a CDN: it attaches listeners only when the site's own code asks it to.
window.FormKit = {
  watch: function (field, callback) {
    field.addEventListener("keyup", callback);
  },
};
