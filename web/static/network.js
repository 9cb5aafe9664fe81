// Volt network map: sites as markers on a Leaflet map. Tiles come from the
// configured tile URL; without one the markers stand on a plain background.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el || !window.L) return;
    var markers = JSON.parse(el.dataset.markers || "[]");
    var map = L.map(el, { scrollWheelZoom: false });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "Map data © OpenStreetMap contributors" }).addTo(map);
    }
    var bounds = [];
    markers.forEach(function (m) {
      var mk = L.marker([m.lat, m.lng], { title: m.name, alt: m.name }).addTo(map);
      var div = document.createElement("div");
      var a = document.createElement("a");
      a.href = m.href;
      a.textContent = m.name;
      div.appendChild(a);
      if (m.city) div.appendChild(document.createTextNode(" · " + m.city));
      mk.bindPopup(div);
      bounds.push([m.lat, m.lng]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    else map.setView([54.5, -3], 5);
  });
})();
