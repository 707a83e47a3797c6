// Small improvements only: every page works without this script.
document.addEventListener("DOMContentLoaded", function () {
  var bad = document.querySelector('[aria-invalid="true"]');
  if (bad) { bad.focus(); }
  // "Forgot your password?" takes the email typed so far to the recovery page.
  document.querySelectorAll("a[data-carry]").forEach(function (a) {
    var field = document.getElementById(a.dataset.carry);
    if (!field) { return; }
    var base = a.getAttribute("href").split("?")[0];
    field.addEventListener("input", function () {
      var v = field.value.trim();
      a.setAttribute("href", v ? base + "?email=" + encodeURIComponent(v) : base);
    });
  });
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function () {
      var b = f.querySelector('button[type="submit"]');
      if (b) { setTimeout(function () { b.disabled = true; }, 0); }
    });
  });
});
