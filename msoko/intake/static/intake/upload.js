// Upload with a progress bar: the form is sent by XMLHttpRequest so that the browser reports
// how much of a large file has gone; without JavaScript the form posts as usual.
(function () {
  "use strict";
  // Only the fields the chosen kind uses: no year for the registry itself, no procedure for
  // a kind that has one, no subject or grade where the kind has none.
  function showFieldsOfKind(form) {
    var data = document.getElementById("kind-fields");
    var select = form.querySelector("select[name=kind]");
    if (!data || !select) return;
    var fields = JSON.parse(data.textContent);
    function apply() {
      var used = fields[select.value] || [];
      form.querySelectorAll("[data-optional]").forEach(function (box) {
        box.hidden = used.indexOf(box.getAttribute("data-optional")) < 0;
      });
    }
    select.addEventListener("change", apply);
    apply();
  }
  function init() {
    var form = document.getElementById("upload-form");
    if (form) showFieldsOfKind(form);
    if (!form || !window.XMLHttpRequest || !window.FormData) return;
    function showError(text) {
      var alert = form.querySelector(".upload-error") || document.createElement("div");
      alert.className = "alert upload-error";
      alert.setAttribute("role", "alert");
      alert.textContent = text;
      form.insertBefore(alert, form.firstChild);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // The size limit, before a byte is sent (the server refuses it too).
      var input = form.querySelector("input[type=file]");
      var limit = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      if (limit && input && input.files && input.files[0] && input.files[0].size > limit) {
        showError(form.getAttribute("data-too-large"));
        return;
      }
      var box = document.getElementById("upload-progress");
      var bar = document.getElementById("upload-bar");
      var label = document.getElementById("upload-percent");
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      box.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var pct = Math.round((100 * e.loaded) / e.total);
        bar.value = pct;
        label.textContent = pct + " %";
      });
      xhr.addEventListener("load", function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
        if (xhr.status === 200 && data.redirect) {
          window.location.assign(data.redirect);
          return;
        }
        button.disabled = false;
        box.hidden = true;
        var errors = data.errors || {"__all__": ["Файл не удалось отправить (код " + xhr.status + ")."]};
        var text = Object.keys(errors).map(function (k) { return errors[k].join(" "); }).join(" ");
        showError(text);
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        box.hidden = true;
      });
      xhr.send(new FormData(form));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
