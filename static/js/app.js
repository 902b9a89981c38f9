// Site-wide behaviour, loaded as a file (no inline scripts, so a strict CSP can apply).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches("select[data-autosubmit]")) {
    target.form.submit();
  }
});
