// Volt driver app: progressive enhancement only. Every page works without it.
(function () {
  "use strict";
  var $ = function (s) { return document.querySelector(s); };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(function () {});
  }

  // Find: nearest first with the browser's position, when allowed.
  var locate = $("#locate");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (p) {
        location.search = "?lat=" + p.coords.latitude.toFixed(5) + "&lon=" + p.coords.longitude.toFixed(5);
      }, function () { locate.disabled = false; banner("Location is off: showing all chargers."); }, { timeout: 10000 });
    });
  }

  // Find and charger pages: live availability.
  var list = document.querySelectorAll("[data-cpid]");
  var connStatus = document.querySelectorAll("[data-conn-status]");
  if (window.EventSource && (list.length || connStatus.length)) {
    var cpids = [];
    list.forEach(function (el) { cpids.push(el.dataset.cpid); });
    var m = location.pathname.match(/^\/app\/c\/(\d{6})$/);
    if (m) cpids = [m[1]];
    var live = new EventSource("/app/live?cpid=" + cpids.slice(0, 200).join(","));
    live.addEventListener("open", function () { document.documentElement.dataset.live = "open"; });
    live.addEventListener("status", function (ev) {
      var d = JSON.parse(ev.data);
      var sel = m ? '[data-conn-status="' + d.connectorId + '"]' : '[data-cpid="' + d.cpid + '"] [data-conn="' + d.connectorId + '"] .badge';
      document.querySelectorAll(sel).forEach(function (b) { b.textContent = d.label; b.classList.toggle("free", d.free); });
      if (m) startOnOff(d);
    });
  }

  // Charger page: a connector that frees up turns Start on; the last
  // busy one turns it off again, with the reason.
  function startOnOff(d) {
    var radio = document.querySelector('input[name=connector][value="' + d.connectorId + '"]');
    var start = $("#start"), why = $("#start-why");
    if (!radio || !start) return;
    radio.disabled = !d.free;
    if (why && why.dataset.blocked === "offline") return;
    var any = document.querySelector("input[name=connector]:not(:disabled)");
    if (any && !document.querySelector("input[name=connector]:checked:not(:disabled)")) any.checked = true;
    start.disabled = !any;
    if (why) why.hidden = !!any;
  }

  // Map: Leaflet is loaded only when a tile server is configured.
  var map = $("#map");
  if (map) {
    var s = document.createElement("script");
    s.src = map.dataset.js;
    s.onload = function () {
      var L = window.L, lm = L.map(map), pts = [];
      L.tileLayer(map.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(lm);
      list.forEach(function (el) {
        var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
        if (!lat && !lon) return;
        pts.push([lat, lon]);
        // The pin's colour is the charger's availability (free, in use, offline).
        var title = "Charger " + el.dataset.cpid + ": " + el.dataset.availLabel;
        var icon = L.divIcon({ className: "pin pin-" + el.dataset.avail, iconSize: [22, 22] });
        L.marker([lat, lon], { title: title, alt: title, icon: icon }).addTo(lm).bindPopup('<a href="/app/c/' + el.dataset.cpid + '">' + title + "</a>");
      });
      // Partner networks' locations (issue 14): a square pin of their own,
      // titled with the partner's name and its price with the margin.
      document.querySelectorAll("#roaming [data-location]").forEach(function (el) {
        var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
        if (!lat && !lon) return;
        pts.push([lat, lon]);
        var price = el.querySelector(".price");
        var title = el.dataset.partner + ": " + el.dataset.name + " · " + el.dataset.availLabel + (price ? " · " + price.textContent.trim() : "");
        var icon = L.divIcon({ className: "pin pin-roaming", iconSize: [22, 22] });
        var a = document.createElement("a");
        a.href = el.dataset.href;
        a.textContent = title;
        L.marker([lat, lon], { title: title, alt: title, icon: icon }).addTo(lm).bindPopup(a);
      });
      if (pts.length) lm.fitBounds(pts, { maxZoom: 15 }); else lm.setView([51.5, -0.12], 10);
    };
    document.head.appendChild(s);
  }

  // Charge on a partner network (issue 14): the partner's answers to the
  // start and stop, and its session, arrive later; the page fetches itself
  // every 2 s and swaps the part that changes, until it is over.
  var roam = $("#roam-live");
  if (roam && roam.dataset.poll && window.fetch && window.DOMParser) {
    var roamTimer = setInterval(function () {
      fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
        return r.ok ? r.text() : "";
      }).then(function (html) {
        var next = html && new DOMParser().parseFromString(html, "text/html").getElementById("roam-live");
        if (!next) return;
        roam.replaceWith(next);
        roam = next;
        if (!next.dataset.poll) clearInterval(roamTimer);
      }).catch(function () { /* offline a moment: the next tick tries again */ });
    }, +roam.dataset.poll || 2000);
  }

  document.querySelectorAll("[data-print]").forEach(function (b) { b.hidden = false; b.addEventListener("click", function () { window.print(); }); });

  function banner(msg) {
    var b = $("#banner");
    if (!b) return;
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = msg;
    b.replaceChildren(p);
  }
  function notify(msg) {
    banner(msg);
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification(document.title.split(" · ").pop(), { body: msg, tag: "volt-session" }); } catch (e) { /* page notifications unsupported */ }
    }
  }

  // Session: live figures over server-sent events; the server sends the
  // whole state on every (re)connect, so reload and sleep lose nothing.
  var sess = $("#live");
  if (!sess) return;
  var active = sess.dataset.active === "true", started = +sess.dataset.started, idleFeeFrom = +sess.dataset.idleFeeFrom || 0;
  var idleTimer = null, stoppedAt = 0;
  var nb = $("#notify");
  if (nb && "Notification" in window && Notification.permission === "default") {
    nb.hidden = false;
    nb.addEventListener("click", function () { Notification.requestPermission().then(function () { nb.hidden = true; }); });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    if (!active) return;
    var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
    var h = Math.floor(s / 3600), mm = Math.floor(s / 60) % 60;
    $("#duration").textContent = h > 0 ? h + "h " + pad(mm) + "m" : mm + "m " + pad(s % 60) + "s";
  }
  function scheduleIdle(at) {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (!at || !active) return;
    idleTimer = setTimeout(function () { notify("Idle fees have begun: please move your car."); }, Math.max(0, at - Date.now()));
  }
  function apply(st) {
    $("#power").textContent = st.power;
    $("#energy").textContent = st.energy;
    $("#cost").textContent = st.cost;
    $("#cost-label").textContent = st.costLabel;
    $("#soc").textContent = st.soc || "";
    $("#soc-box").hidden = !st.soc;
    $("#eta").textContent = st.eta || "";
    $("#eta").hidden = !st.eta;
    $("#duration").textContent = st.duration;
    $("#idle").hidden = !st.idle;
    var load = $("#load");
    if (load) { load.textContent = st.load || ""; load.hidden = !st.load; }
    var give = $("#giveback");
    if (give) { give.textContent = st.giveBack || ""; give.hidden = !st.giveBack; }
    var now = $("#charge-now");
    if (now) { now.hidden = !st.held; }
    $("#live-status").textContent = "Energy " + st.energy + ", cost " + st.cost + ".";
    if (st.idleFeeFrom !== idleFeeFrom) { idleFeeFrom = st.idleFeeFrom || 0; scheduleIdle(idleFeeFrom); }
    if (active && !st.active && !stoppedAt) {
      active = false;
      stoppedAt = st.stoppedAt;
      notify("Charging has stopped: " + st.energy + ", " + st.cost + ".");
      setTimeout(function () { location.reload(); }, 2500);
    }
  }
  var es = null;
  function connect() {
    if (es) es.close();
    es = new EventSource("/app/s/" + sess.dataset.session + "/events");
    es.addEventListener("state", function (ev) { apply(JSON.parse(ev.data)); });
  }
  if (active && window.EventSource) {
    connect();
    setInterval(tick, 1000);
    scheduleIdle(idleFeeFrom);
    // After sleep the stream may be dead without an error: reopen it.
    document.addEventListener("visibilitychange", function () { if (!document.hidden && active) connect(); });
  }
})();
