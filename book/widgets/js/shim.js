// The book's face of the explorers: plays anywidget's model ({get, set, on, off, save_changes,
// send}) from the state the build embedded, and runs each explorer's own ES module on it.
// A classic script, inlined in the page with the modules' text, so it also works from file://
// (Chromium refuses module imports from file:// URLs, but not from blob: URLs made in the page).
(function () {
  "use strict";
  var loaded = {};
  function load(name) {
    if (!loaded[name]) {
      var src = document.querySelector('script[data-lcb-esm="' + name + '"]');
      if (!src) return Promise.reject(new Error("no module " + name + " in this page"));
      var url = URL.createObjectURL(new Blob([src.textContent], { type: "text/javascript" }));
      loaded[name] = import(url);
    }
    return loaded[name];
  }
  function model(state) {
    var handlers = {};
    function emit(ev, arg) { (handlers[ev] || []).slice().forEach(function (f) { f(arg); }); }
    return {
      get: function (k) { return state[k]; },
      set: function (k, v) { state[k] = v; emit("change:" + k, v); emit("change"); },
      on: function (ev, f) { ev.split(" ").forEach(function (e) { (handlers[e] = handlers[e] || []).push(f); }); },
      off: function (ev, f) {
        if (!ev) { handlers = {}; return; }
        ev.split(" ").forEach(function (e) { handlers[e] = f ? (handlers[e] || []).filter(function (g) { return g !== f; }) : []; });
      },
      save_changes: function () {},
      send: function () {},
    };
  }
  function start() {
    var boxes = document.querySelectorAll(".lcb-explorer[data-lcb-module]:not([data-lcb-ready])");
    Array.prototype.forEach.call(boxes, function (box) {
      box.setAttribute("data-lcb-ready", "loading");
      var state = JSON.parse(box.querySelector("script.lcb-state").textContent);
      load(box.getAttribute("data-lcb-module")).then(function (mod) {
        var widget = mod.default || mod;
        var host = document.createElement("div");
        var note = box.querySelector(".lcb-note");
        if (note) note.remove();
        box.appendChild(host);
        return widget.render({ model: model(state), el: host });
      }).then(function () { box.setAttribute("data-lcb-ready", "yes"); },
              function (err) { box.setAttribute("data-lcb-ready", "error"); console.error(err); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
