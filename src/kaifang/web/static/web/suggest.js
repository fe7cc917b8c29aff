/* Suggestions under a search box as one types (GET /api/v1/search/suggest). An input with
   data-suggest becomes a combobox with a listbox of titles, departments and keywords; arrows
   move through them, Enter follows one, Escape closes the list. Without JavaScript the box is
   a plain search box. The titles' highlight comes HTML-escaped from the API (only <mark> added). */
(function () {
  "use strict";
  var DELAY = 120;
  var serial = 0;

  function option(list, id, html, href, kind) {
    var li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.className = "suggest-option suggest-" + kind;
    li.dataset.href = href;
    li.innerHTML = html;
    list.appendChild(li);
  }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span.innerHTML;
  }

  function kind(label) {
    return label ? '<span class="suggest-kind">' + text(label) + "</span>" : "";
  }

  function setup(input) {
    var n = ++serial;
    var list = document.createElement("ul");
    var form = input.form;
    var datasets = input.dataset.suggestDatasets;
    var departments = input.dataset.suggestDepartments;
    var kinds = (input.dataset.suggestKinds || "|").split("|");
    var timer = null;
    var active = -1;
    var asked = "";
    list.id = "suggest-list-" + n;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.suggestLabel || "");
    list.hidden = true;
    form.classList.add("has-suggest");
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function show(answer) {
      list.innerHTML = "";
      active = -1;
      var i = 0;
      answer.titles.forEach(function (t) {
        option(list, list.id + "-" + i++, t.highlight, datasets + encodeURIComponent(t.name) + "/", "title");
      });
      answer.departments.forEach(function (d) {
        option(list, list.id + "-" + i++, text(d.title) + kind(kinds[0]), departments + encodeURIComponent(d.name) + "/", "department");
      });
      answer.keywords.forEach(function (k) {
        option(list, list.id + "-" + i++, text(k) + kind(kinds[1]), form.action + "?q=" + encodeURIComponent(k), "keyword");
      });
      list.hidden = i === 0;
      input.setAttribute("aria-expanded", i ? "true" : "false");
    }

    function ask() {
      var q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q || q.length > 50) { close(); return; }
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) { if (answer && answer.q === input.value.trim()) show(answer); })
        .catch(close);
    }

    function move(step) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      if (active >= 0) options[active].setAttribute("aria-selected", "false");
      // positions -1 (the box itself) to length - 1, wrapping round
      active = ((active + 1 + step + options.length + 1) % (options.length + 1)) - 1;
      if (active < 0) { input.removeAttribute("aria-activedescendant"); return; }
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) return;
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = list.querySelectorAll("[role=option]")[active].dataset.href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    list.addEventListener("mousedown", function (event) {
      var li = event.target.closest("[role=option]");
      if (li) { event.preventDefault(); window.location.href = li.dataset.href; }
    });
  }

  document.querySelectorAll("input[data-suggest]").forEach(setup);
})();
