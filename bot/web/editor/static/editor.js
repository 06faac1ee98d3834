// The edit page's live preview: as you type, ask the server for the rendered web and SMS text
// and the publish gate's verdict. Without JavaScript the "Check" button does the same.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("edit-form");
  if (!form) { return; }
  var target = document.getElementById("preview");
  var status = document.getElementById("lint-status");
  var counter = document.getElementById("sms-counter");
  var sms = document.getElementById("sms_text");
  var token = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var sequence = 0;
  var dirty = false;

  function refresh() {
    var mine = ++sequence;
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.content : "" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      if (mine !== sequence) { return; }
      target.innerHTML = html;
      var inner = target.querySelector("[data-summary]");
      if (inner && status) { status.textContent = inner.getAttribute("data-summary"); }
    }).catch(function () {
      if (status) { status.textContent = "The preview could not be updated. Use Check."; }
    });
  }

  function countSms() {
    if (sms && counter) {
      var length = sms.value.replace(/\s+/g, " ").trim().length;
      counter.textContent = length + " of 320 characters";
      counter.classList.toggle("bad", length > 320);
    }
  }

  form.addEventListener("input", function () {
    dirty = true;
    countSms();
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
