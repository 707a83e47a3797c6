// Small improvements only: every page works without this script.
// Pages show moments in the browser's local time: tell the server its time zone (an IANA name,
// not a secret), in a cookie read from the next page on.
(function () {
  var tz; // IANA names are plain cookie characters: letters, digits, / _ + -
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!tz || document.cookie.indexOf("umbral_tz=" + tz) !== -1) { return; }
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "umbral_tz=" + tz + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
})();
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
