// Volt Admin Portal: the little script the pages need. Live charger updates
// over server-sent events, and confirmation of destructive forms. Pages work
// without it; it only saves reloads.
(function () {
  "use strict";
  function setText(row, sel, text) {
    var el = row.querySelector(sel);
    if (el) el.textContent = text;
  }
  function live(el) {
    var es = new EventSource(el.dataset.live);
    var note = el.querySelector("[data-live-note]");
    es.onopen = function () { if (note) note.textContent = "Live"; };
    es.onerror = function () { if (note) note.textContent = "Reconnecting…"; };
    es.addEventListener("connector", function (e) {
      var d = JSON.parse(e.data);
      var row = document.querySelector('[data-connector="' + d.connectorId + '"]');
      if (!row) return;
      var cell = row.querySelector("[data-status]");
      if (cell) {
        cell.textContent = "";
        var b = document.createElement("span");
        b.className = "badge " + d.class;
        b.textContent = d.status;
        cell.appendChild(b);
        if (d.errorCode && d.errorCode !== "NoError") {
          var s = document.createElement("small");
          s.textContent = " " + d.errorCode;
          cell.appendChild(s);
        }
      }
      setText(row, "[data-at]", d.at);
    });
    es.addEventListener("session", function (e) {
      var d = JSON.parse(e.data);
      var row = document.querySelector('[data-connector="' + d.connectorId + '"]');
      if (!row) return;
      setText(row, "[data-tx]", d.active ? "#" + d.transactionId : "—");
      setText(row, "[data-power]", d.active ? d.power : "—");
      setText(row, "[data-energy]", d.energy);
      setText(row, "[data-cost]", d.cost);
    });
    es.addEventListener("online", function (e) {
      var d = JSON.parse(e.data);
      var o = el.querySelector("[data-online]");
      if (!o) return;
      o.textContent = "";
      var b = document.createElement("span");
      b.className = "badge " + (d.online ? "st-ok" : "st-off");
      b.textContent = d.online ? "Online" : "Offline";
      o.appendChild(b);
    });
  }
  // A live region (data-live-refresh="/admin/live", with an id) reloads
  // itself from the server whenever the stream says the network changed:
  // the page is fetched again and the region with the same id swapped in,
  // so figures and lists stay rendered (and scoped) on the server.
  function refresher(el) {
    var note = document.querySelector("[data-refresh-note]");
    var busy = false, again = false;
    function reload() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Volt-Live": "1" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(el.id);
          if (fresh) el.innerHTML = fresh.innerHTML;
          el.dataset.refreshed = String(Date.now());
        })
        .catch(function () {})
        .then(function () { busy = false; if (again) { again = false; reload(); } });
    }
    var es = new EventSource(el.dataset.liveRefresh);
    es.onopen = function () { if (note) note.textContent = "Live"; };
    es.onerror = function () { if (note) note.textContent = "Reconnecting…"; };
    es.addEventListener("changed", reload);
  }
  // The Menu button folds the navigation away on phone-sized screens.
  function menu() {
    var b = document.querySelector(".menu-toggle"), nav = document.getElementById("main-nav");
    if (!b || !nav) return;
    document.body.classList.add("js-nav");
    b.hidden = false;
    b.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    menu();
    document.querySelectorAll("[data-live]").forEach(live);
    document.querySelectorAll("[data-live-refresh][id]").forEach(refresher);
    // A button that can interrupt charging asks first, naming the charger
    // and its running sessions (the form has other buttons that do not).
    document.querySelectorAll("button[data-confirm-click]").forEach(function (b) {
      b.addEventListener("click", function (e) {
        if (!window.confirm(b.dataset.confirmClick)) e.preventDefault();
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        // A chosen option may name what the action reaches (the bulk
        // form: the group's chargers and running sessions).
        var opt = f.querySelector("select option:checked[data-confirm-detail]");
        var q = f.dataset.confirm + (opt ? " " + opt.dataset.confirmDetail : "");
        if (!window.confirm(q)) e.preventDefault();
      });
    });
  });
})();
