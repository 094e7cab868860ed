// SchedulerKit dashboard live updates: when the page shows a runs or jobs table, listen to the
// session's event stream (/events) and refresh those tables from the server-rendered page,
// without a reload. Listening stops while the tab is hidden and resumes (with a refresh) when
// it is shown again. Without JavaScript the pages work the same, minus the updates.
(function () {
  "use strict";
  var tables = function () { return document.querySelectorAll("table[data-live]"); };
  if (!tables().length || !window.EventSource || !window.fetch) { return; }
  var source = null;
  var timer = null;

  function refresh() {
    timer = null;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        tables().forEach(function (table) {
          var fresh = doc.querySelector('table[data-live="' + table.dataset.live + '"] tbody');
          var old = table.querySelector("tbody");
          if (!fresh || !old) { return; }
          var known = {};
          old.querySelectorAll("tr[data-run],tr[data-job]").forEach(function (tr) { known[tr.dataset.run || tr.dataset.job] = tr.innerHTML; });
          fresh.querySelectorAll("tr[data-run],tr[data-job]").forEach(function (tr) {
            var key = tr.dataset.run || tr.dataset.job;
            if (known[key] === undefined) { tr.classList.add("live-new"); }
          });
          old.replaceWith(document.importNode(fresh, true));
        });
        var counts = doc.querySelector("ul.counts");
        var here = document.querySelector("ul.counts");
        if (counts && here) { here.replaceWith(document.importNode(counts, true)); }
      })
      .catch(function () {});
  }

  function schedule() { if (!timer) { timer = setTimeout(refresh, 300); } }

  function start() {
    if (source) { return; }
    source = new EventSource("/events");
    ["run.queued", "run.started", "run.finished", "job.changed", "job.deleted", "resync"].forEach(function (name) {
      source.addEventListener(name, schedule);
    });
  }

  function stop() {
    if (source) { source.close(); source = null; }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { stop(); } else { start(); schedule(); }
  });
  if (!document.hidden) { start(); }
  window.addEventListener("pagehide", stop);
})();

// Destructive buttons ask once more (the confirmation page or checkbox does it without JS).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
});
