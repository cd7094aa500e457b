// supportbot dashboard: keeps SLA countdowns live and the queue fresh. The pages work without
// it; it only re-renders what the server already sent.
"use strict";
(function () {
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h + ":" + pad(m) + ":" + pad(sec);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      var state = due <= now ? "sla-breached" : (!isNaN(warn) && warn <= now ? "sla-warning" : "sla-ok");
      el.classList.remove("sla-ok", "sla-warning", "sla-breached");
      el.classList.add(state);
      var text = el.querySelector(".countdown-text");
      var tpl = due <= now ? el.dataset.late : el.dataset.left;
      if (text && tpl) text.textContent = tpl.replace("{}", span(due - now));
    });
  }
  function refreshQueue() {
    var table = document.getElementById("queue");
    if (!table || !window.fetch || !window.DOMParser) return;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#queue tbody");
        var old = table.querySelector("tbody");
        if (fresh && old) { old.replaceWith(fresh); tick(); }
      })
      .catch(function () { /* keep what is shown; the next round tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    var table = document.getElementById("queue");
    var every = table ? parseInt(table.dataset.refresh, 10) : 0;
    if (every > 0) setInterval(refreshQueue, every * 1000);
  });
})();
