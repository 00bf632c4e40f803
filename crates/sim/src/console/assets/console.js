// Live updates for the simulator's console: server-sent events say what changed, and
// the panels showing it are fetched again as HTML fragments. Embedded in the binary.
"use strict";
(function () {
  // Which fragments each event refreshes.
  var refreshes = {
    journal: ["journal", "ui", "devices", "throttle"],
    devices: ["devices"],
    ui: ["ui"],
    throttle: ["throttle"],
    faults: ["faults"],
    practice: ["ui"],
    all: ["journal", "devices", "ui", "throttle", "faults"]
  };
  var timers = {};

  function refresh(name) {
    if (timers[name]) return;
    timers[name] = setTimeout(function () {
      timers[name] = null;
      var target = document.getElementById("frag-" + name);
      if (!target) return;
      fetch("/console/fragment/" + name, { cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var seen = {};
          target.querySelectorAll("tr[data-seq]").forEach(function (tr) { seen[tr.dataset.seq] = true; });
          target.innerHTML = html;
          if (name === "journal") {
            target.querySelectorAll("tr[data-seq]").forEach(function (tr) {
              if (!seen[tr.dataset.seq]) tr.classList.add("fresh");
            });
          }
        })
        .catch(function () {});
    }, 100);
  }

  function connect() {
    var live = document.getElementById("live");
    var source = new EventSource("/console/events");
    source.onopen = function () {
      live.textContent = "live";
      live.classList.add("on");
      refreshes.all.forEach(refresh);
    };
    source.onerror = function () {
      live.textContent = "reconnecting";
      live.classList.remove("on");
    };
    Object.keys(refreshes).forEach(function (event) {
      source.addEventListener(event, function () { refreshes[event].forEach(refresh); });
    });
  }

  // "Next request in ..." counts down: refresh the throttle while it is on.
  setInterval(function () {
    var state = document.getElementById("throttle-state");
    if (state && state.dataset.mode === "spec") refresh("throttle");
  }, 1000);

  // Load a practice from a file into the form.
  document.addEventListener("DOMContentLoaded", function () {
    connect();
    var file = document.getElementById("practice-file");
    if (file) {
      file.addEventListener("change", function () {
        if (!file.files.length) return;
        file.files[0].text().then(function (text) {
          document.getElementById("practice-json").value = text;
        });
      });
    }
  });
})();
