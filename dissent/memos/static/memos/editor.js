/* The message editor: autosave that never loses typed text.
 *
 * - Every change is copied at once into sessionStorage (this tab only, gone when the tab
 *   closes, so a shared computer keeps no message text on disk after sign-out), and the
 *   copy is removed only when the server confirms a save of exactly that text.
 * - A few seconds after changes stop, the form is posted in the background (Accept: JSON).
 * - A conflict (a co-drafter saved meanwhile) is shown with their version; autosave pauses
 *   and the typed text stays untouched until the drafter chooses Save.
 * - Errors (too long, marking above the ceiling) appear next to the field; text is kept.
 * Loaded as a file with the page's nonce: the CSP allows no inline script.
 */
(function () {
  "use strict";
  var form = document.getElementById("memo-editor");
  if (!form) { return; }
  var FIELDS = ["title", "summary", "body", "recommendations"];
  var DELAY_MS = 5000;
  var RETRY_MS = 10000;
  var key = form.dataset.storageKey;
  var statusEl = document.getElementById("autosave-status");
  var conflictEl = document.getElementById("conflict");
  var restoreEl = document.getElementById("restore");
  var baseInput = form.querySelector("input[name=base_version]");
  var timer = null;
  var inFlight = false;
  var submitAfterSave = false;
  var submitting = false;
  var dirty = form.dataset.unsaved === "true";
  var paused = form.dataset.paused === "true";

  function field(name) { return form.elements.namedItem(name); }
  function values() {
    var out = {};
    FIELDS.forEach(function (name) { out[name] = field(name).value; });
    return out;
  }
  function same(a, b) {
    return FIELDS.every(function (name) { return a[name] === b[name]; });
  }
  function status(text) { if (statusEl) { statusEl.textContent = text; } }
  function clock() {
    var d = new Date();
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  // --- the copy kept in this tab ---------------------------------------------------
  function readCopy(k) {
    try { return JSON.parse(window.sessionStorage.getItem(k || key) || "null"); }
    catch (e) { return null; }
  }
  function writeCopy() {
    try {
      window.sessionStorage.setItem(key, JSON.stringify({
        fields: values(), base: baseInput.value, at: new Date().toISOString()
      }));
    } catch (e) { /* storage full or disabled: the server save still protects the text */ }
  }
  function dropCopy(k) {
    try { window.sessionStorage.removeItem(k || key); } catch (e) { /* nothing to do */ }
  }

  // --- errors next to fields (the USWDS error pattern) -------------------------------
  function clearErrors() {
    FIELDS.forEach(function (name) {
      var input = field(name);
      var msg = document.getElementById("id_" + name + "-error");
      var group = input.closest(".usa-form-group");
      if (msg) { msg.textContent = ""; msg.classList.add("dc-hidden"); msg.removeAttribute("role"); }
      if (group) { group.classList.remove("usa-form-group--error"); }
      input.classList.remove("usa-input--error");
      input.removeAttribute("aria-invalid");
    });
  }
  function showError(name, message) {
    var input = FIELDS.indexOf(name) >= 0 ? field(name) : null;
    if (!input) { return; }
    var msg = document.getElementById("id_" + name + "-error");
    var group = input.closest(".usa-form-group");
    if (msg) {
      msg.textContent = message;
      msg.classList.remove("dc-hidden");
      msg.setAttribute("role", "alert");
    }
    if (group) { group.classList.add("usa-form-group--error"); }
    input.classList.add("usa-input--error");
    input.setAttribute("aria-invalid", "true");
  }

  // --- saving ------------------------------------------------------------------------
  function schedule(delay) {
    if (timer || paused) { return; }
    timer = window.setTimeout(function () { timer = null; save(); }, delay);
  }
  function finished() {
    inFlight = false;
    if (submitAfterSave) { submitting = true; form.submit(); }
  }
  function save() {
    if (inFlight || paused || !dirty) { return; }
    if (!field("title").value.trim()) {
      status("Give the message a title and it will be saved automatically.");
      return;
    }
    var sent = values();
    inFlight = true;
    status("Saving…");
    window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect") {  // sent to the sign-in page
        status("Not saved: your session has ended. Your text is kept in this tab; " +
               "sign in again in another tab, then choose Save.");
        return null;
      }
      if (type.indexOf("application/json") < 0) {
        status("Not saved: the server answered " + response.status + ". Your text is " +
               "kept in this tab; choose Save to try again.");
        return null;
      }
      return response.json().then(function (data) { handle(response.status, data, sent); });
    }).catch(function () {
      status("Not saved yet: no connection. Your text is kept in this tab; trying again shortly.");
      schedule(RETRY_MS);
    }).then(finished, finished);
  }
  function setBase(number) {
    baseInput.value = String(number);
    var label = document.getElementById("base-version-label");
    if (label) { label.textContent = String(number); }
  }
  function handle(code, data, sent) {
    clearErrors();
    if (code === 200 && data.saved) {
      setBase(data.version);
      if (data.edit_url && form.getAttribute("action") !== data.edit_url) {
        // A new message now exists: keep editing it at its own address.
        var oldKey = key;
        form.setAttribute("action", data.edit_url);
        key = "dissent-draft:" + data.id;
        form.dataset.storageKey = key;
        dropCopy(oldKey);
        window.history.replaceState(null, "", data.edit_url);
      }
      if (same(values(), sent)) {
        dirty = false;
        dropCopy();
        status("Saved as version " + data.version + " at " + clock() + ".");
      } else {
        writeCopy();
        status("Saved version " + data.version + "; newer changes not saved yet.");
        schedule(DELAY_MS);
      }
      return;
    }
    var error = data.error || { message: "the server refused the save", field: null };
    if (code === 409 && data.conflict_html) {
      paused = true;
      conflictEl.innerHTML = data.conflict_html;  // server-rendered, escaped by Django
      setBase(data.latest_version);
      status("Not saved: a co-drafter saved version " + data.latest_version +
             " meanwhile. Compare above, then choose Save.");
      conflictEl.focus();
      return;
    }
    showError(error.field, error.message);
    status("Not saved: " + error.message + ". Your text is kept.");
  }

  // --- counters ----------------------------------------------------------------------
  var encoder = new TextEncoder();
  function countBytes() {
    document.querySelectorAll("[data-byte-count-for]").forEach(function (el) {
      var input = document.getElementById(el.dataset.byteCountFor);
      var max = Number(input.dataset.maxBytes);
      var used = encoder.encode(input.value).length;
      var kb = function (n) { return (n / 1024).toFixed(1) + " KB"; };
      el.textContent = kb(used) + " of " + kb(max) + " used" +
        (used > max ? " — " + kb(used - max) + " over the limit" : "");
      el.classList.toggle("usa-error-message", used > max);
    });
  }

  // --- events --------------------------------------------------------------------------
  form.addEventListener("input", function () {
    dirty = true;
    writeCopy();
    countBytes();
    if (!paused) { status("Changes not saved yet."); }
    schedule(DELAY_MS);
  });
  form.addEventListener("submit", function (event) {
    writeCopy();
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (inFlight) {  // let the background save land first, or we would conflict with it
      event.preventDefault();
      submitAfterSave = true;
      return;
    }
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- on load: offer back any text this tab kept but the server never confirmed -------
  var copy = readCopy();
  if (copy && copy.fields && !same(copy.fields, values())) {
    var when = restoreEl.querySelector("[data-restore-time]");
    if (when && copy.at) { when.textContent = " at " + new Date(copy.at).toLocaleString(); }
    restoreEl.classList.remove("dc-hidden");
    restoreEl.querySelector("[data-restore=yes]").addEventListener("click", function () {
      FIELDS.forEach(function (name) { field(name).value = copy.fields[name] || ""; });
      // Save on top of the version that text was based on: if anyone saved since, the
      // server answers with a conflict instead of silently replacing their work.
      if (copy.base) { setBase(copy.base); }
      restoreEl.classList.add("dc-hidden");
      form.dispatchEvent(new Event("input", { bubbles: true }));
      field("body").focus();
    });
    restoreEl.querySelector("[data-restore=no]").addEventListener("click", function () {
      dropCopy();
      restoreEl.classList.add("dc-hidden");
    });
  } else if (copy && !dirty) {
    dropCopy();
  }
  if (key !== "dissent-draft:new") {
    // A new message saved with the Save button arrives here under its own id.
    var fresh = readCopy("dissent-draft:new");
    if (fresh && fresh.fields && same(fresh.fields, values())) { dropCopy("dissent-draft:new"); }
  }
  // Text typed before this script ran, or put back by the browser on "Back", differs from
  // what the server sent: treat it as typed now.
  var typedEarly = FIELDS.some(function (name) {
    return field(name).value !== field(name).defaultValue;
  });
  if (typedEarly) { dirty = true; schedule(DELAY_MS); }
  if (dirty) { writeCopy(); }
  countBytes();
  form.dataset.ready = "true";
})();
