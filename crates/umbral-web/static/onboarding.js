// The company form: the tax id's local name follows the country, the tax id is checked as it is
// typed, and a postal code fills the address it is known for. The form works without this.
document.addEventListener("DOMContentLoaded", function () {
  var country = document.getElementById("country");
  var taxId = document.getElementById("tax_id");
  var taxLabel = document.getElementById("tax_id-label");
  var taxStatus = document.getElementById("tax_id-status");
  var postal = document.getElementById("postal_code");
  var postalStatus = document.getElementById("postal_code-status");
  if (!country || !taxId || !postal) { return; }
  var lang = document.documentElement.lang || "en";

  function label() {
    var opt = country.options[country.selectedIndex];
    taxLabel.textContent = (opt && opt.dataset.taxLabel) || taxLabel.dataset.default;
  }

  var taxTimer = null;
  function checkTaxId() {
    var value = taxId.value.trim();
    if (!value) { taxStatus.textContent = ""; taxStatus.className = "hint"; return; }
    var url = "/api/v1/tax-ids/validate?lang=" + encodeURIComponent(lang) + "&country=" +
      encodeURIComponent(country.value) + "&value=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (b) {
      if (b.valid) {
        taxStatus.textContent = "✓ " + b.formatted;
        taxStatus.className = "hint ok";
        taxId.removeAttribute("aria-invalid");
      } else if (b.reason) {
        taxStatus.textContent = b.reason.message;
        taxStatus.className = "hint error";
      }
    }).catch(function () {});
  }

  // A lookup fills what is empty, and replaces what an earlier lookup filled (a new postal
  // code, a new address); what the person typed is theirs and stays.
  function fill(id, value) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var ours = el.dataset.filled !== undefined && el.value === el.dataset.filled;
    if (!el.value || ours) {
      el.value = value || "";
      el.dataset.filled = el.value;
    }
  }
  var addressFields = ["street", "neighbourhood", "city", "state"];

  function lookUp() {
    var code = postal.value.trim();
    if (code.length < 3) { return; }
    var url = "/api/v1/postal-codes/" + encodeURIComponent(country.value) + "/" + encodeURIComponent(code) +
      "?lang=" + encodeURIComponent(lang);
    postalStatus.textContent = postalStatus.dataset.searching || "…";
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (b) { return { status: r.status, body: b }; });
    }).then(function (res) {
      if (res.status === 200) {
        addressFields.forEach(function (id) { fill(id, res.body[id]); });
        postalStatus.textContent = res.body.message || "";
        var number = document.getElementById("number");
        if (number && !number.value) { number.focus(); }
      } else {
        // Not this code's address any more.
        addressFields.forEach(function (id) { fill(id, ""); });
        postalStatus.textContent = (res.body.error && res.body.error.message) || "";
      }
    }).catch(function () { postalStatus.textContent = ""; });
  }

  country.addEventListener("change", function () { label(); checkTaxId(); });
  taxId.addEventListener("input", function () {
    // The server's message about the value sent before is stale once the person types.
    var stale = document.getElementById("tax_id-error");
    if (stale) { stale.hidden = true; }
    clearTimeout(taxTimer);
    taxTimer = setTimeout(checkTaxId, 300);
  });
  postal.addEventListener("change", lookUp);
  postal.addEventListener("blur", lookUp);
  label();
});
