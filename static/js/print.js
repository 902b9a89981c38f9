// Print page of a notice: the "打印" button (loaded as a file, no inline script, so a strict CSP applies).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
