// Passkeys: the browser's own dialog for the forms marked `data-passkey`. The page asks the
// server for the ceremony's options (`data-options`), the browser makes or uses the passkey, and
// its answer goes back with the form as the hidden field `passkey`, like any other form post.
// Without WebAuthn (or without this script) everything marked `data-passkey-only` stays hidden
// and the pages offer the other methods.
(function () {
  "use strict";
  var supported = !!(window.PublicKeyCredential && navigator.credentials);

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creation(pk) {
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return pk;
  }

  function request(pk) {
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return pk;
  }

  // The credential as WebAuthn's JSON form (what `toJSON()` gives where browsers have it).
  function answer(cred) {
    var r = cred.response;
    var out = {
      id: cred.id, rawId: toText(cred.rawId), type: cred.type,
      clientExtensionResults: {}, response: { clientDataJSON: toText(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      if (r.userHandle) { out.response.userHandle = toText(r.userHandle); }
    }
    return out;
  }

  function say(form, text) {
    var box = form.querySelector("[data-passkey-error]");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
    box.focus();
  }

  function failed(form, err) {
    if (err && err.fromServer) { say(form, err.message); return; }
    say(form, err && err.name === "NotAllowedError" ? form.dataset.cancelled : form.dataset.failed);
  }

  function options(form) {
    var body = new URLSearchParams();
    body.set("csrf_token", form.querySelector('[name="csrf_token"]').value);
    return fetch(form.dataset.options, {
      method: "POST", body: body, credentials: "same-origin", headers: { accept: "application/json" }
    }).then(function (res) {
      return res.json().then(function (json) {
        if (res.ok) { return json; }
        var e = new Error((json.error && json.error.message) || form.dataset.failed);
        e.fromServer = true;
        throw e;
      });
    });
  }

  // One ceremony: options, the browser's dialog (or the autofill's choice), the form posted.
  function run(form, mediation, signal) {
    return options(form).then(function (o) {
      var pk = o.options.publicKey;
      if (form.dataset.passkey === "register") {
        return navigator.credentials.create({ publicKey: creation(pk) }).then(function (c) { return [o, c]; });
      }
      var req = { publicKey: request(pk) };
      if (mediation) { req.mediation = mediation; req.signal = signal; }
      return navigator.credentials.get(req).then(function (c) { return [o, c]; });
    }).then(function (done) {
      if (!done[1]) { return; }
      form.querySelector('[name="passkey"]').value =
        JSON.stringify({ ceremony: done[0].ceremony, credential: answer(done[1]) });
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!supported) {
      document.querySelectorAll("[data-passkey-unsupported]").forEach(function (el) { el.hidden = false; });
      return;
    }
    document.querySelectorAll("[data-passkey-only]").forEach(function (el) { el.hidden = false; });
    var autofill = null;
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        // The button replaces the autofill's pending request: a page has one at a time.
        if (autofill) { autofill.abort(); autofill = null; }
        var button = form.querySelector('button[type="submit"]');
        run(form).catch(function (err) {
          if (button) { setTimeout(function () { button.disabled = false; }, 0); }
          failed(form, err);
        });
      });
    });
    // The email field offers the passkeys this browser holds for the site (conditional UI).
    var auto = document.querySelector("form[data-passkey-autofill]");
    if (auto && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (!ok) { return; }
        autofill = new AbortController();
        run(auto, "conditional", autofill.signal).catch(function (err) {
          if (err && err.name !== "AbortError") { failed(auto, err); }
        });
      });
    }
  });
})();
