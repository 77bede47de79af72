// jianfu: small enhancements written here; every page works without them.
"use strict";

// Filter the org tree as you type, opening the branches that match.
(function () {
  const q = document.getElementById("org-q");
  const tree = document.getElementById("org-tree");
  if (!q || !tree) return;
  q.addEventListener("input", function () {
    const needle = q.value.trim();
    const items = tree.querySelectorAll("li");
    items.forEach(function (li) {
      const text = li.textContent || "";
      const hit = needle === "" || text.indexOf(needle) !== -1;
      li.hidden = !hit;
      const d = li.querySelector(":scope > details");
      if (d && needle !== "") d.open = hit;
    });
  });
})();

// An error page's way back: the browser restores the form as it was
// filled.
(function () {
  const back = document.getElementById("go-back");
  if (!back) return;
  if (window.history.length < 2) { back.hidden = true; return; }
  back.addEventListener("click", function () { window.history.back(); });
})();

// Ask before disabling an account, before submitting a task (saying how
// many cells are still empty), and before any step marked data-confirm.
document.addEventListener("submit", function (e) {
  const form = e.target;
  if (form.id === "submit-form") {
    const gapsEl = document.querySelector('#counts [data-k="gaps"]');
    const gaps = gapsEl ? parseInt(gapsEl.textContent, 10) || 0 : 0;
    const text = gaps > 0
      ? form.dataset.confirmGaps.replace("{n}", String(gaps))
      : form.dataset.confirm;
    if (!window.confirm(text)) e.preventDefault();
    return;
  }
  // Steps that cannot be taken back (publishing, accepting, disabling an
  // account) say so first, in the page's language (data-confirm).
  if (form.dataset.confirm && form.id !== "submit-form") {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  }
});

// The filling grid: behaves like a spreadsheet. Arrow keys, Tab and Enter
// move; typing into a yellow (gap) cell edits it; Enter, Tab or leaving the
// cell saves it at once through the API, so a dropped connection loses at
// most the cell being typed. A block copied from Excel pastes from the
// focused cell; Ctrl+Z undoes the last paste. The server validates every
// cell and answers in Chinese; a refused cell is marked and keeps its text.
// The grid's own messages come in the page's language from its data-msg-*
// attributes.
(function () {
  const grid = document.getElementById("fill-grid");
  if (!grid) return;
  const task = grid.dataset.task;
  const csrf = grid.dataset.csrf;
  const editable = grid.dataset.editable === "true";
  const msg = document.getElementById("grid-msg");
  const words = grid.dataset;
  const rows = () => Array.from(grid.tBodies[0].rows);
  rows().forEach(function (tr) {
    Array.from(tr.cells).forEach(function (td) {
      if (!td.hasAttribute("tabindex")) td.tabIndex = -1;
    });
  });
  let lastPaste = [];

  function cellAt(r, c) {
    const tr = rows()[r];
    return tr ? tr.cells[c] : null;
  }
  function pos(td) {
    return [td.parentElement.sectionRowIndex, td.cellIndex];
  }
  function say(text) {
    if (msg) msg.textContent = text || "";
  }
  function counts(c) {
    if (!c) return;
    document.querySelectorAll("#counts b[data-k]").forEach(function (b) {
      if (c[b.dataset.k] !== undefined) b.textContent = c[b.dataset.k];
    });
  }

  // Saves one cell; resolves to true when the server accepted it.
  function save(td, value) {
    const tr = td.parentElement;
    td.classList.add("saving");
    return fetch("/api/v1/tasks/" + task + "/cells", {
      method: "PUT",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ row: tr.dataset.row, col: td.cellIndex, value: value, seen: td.dataset.value }),
    }).then(function (r) {
      return r.json().then(function (body) {
        td.classList.remove("saving");
        if (!r.ok) {
          td.classList.add("error");
          td.title = body.error || "";
          say(body.error || words.msgSaveFailed);
          return false;
        }
        td.classList.remove("error", "gap", "filled", "manual");
        td.classList.add(body.cell.state);
        // A number is masked once stored; the person who just typed it may
        // still check their own input, until the page is reloaded.
        const masked = body.cell.display.indexOf("*") !== -1 && value.trim() !== "";
        td.textContent = masked ? value.trim() : body.cell.display;
        td.dataset.value = body.cell.value;
        td.title = masked ? (grid.getAttribute("data-masked-note") || "") : "";
        counts(body.counts);
        say(body.replaced ? words.msgReplaced.replace("{value}", body.replaced) : "");
        return true;
      });
    }).catch(function () {
      td.classList.remove("saving");
      td.classList.add("error");
      say(words.msgOffline);
      return false;
    });
  }

  function edit(td, initial) {
    if (!editable || td.dataset.edit !== "1" || td.querySelector("input")) return;
    const old = td.dataset.value || "";
    const input = document.createElement("input");
    input.value = initial !== undefined ? initial : td.textContent;
    td.textContent = "";
    td.appendChild(input);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    let done = false;
    function finish(commit, move) {
      if (done) return;
      done = true;
      const v = input.value.trim();
      td.removeChild(input);
      td.textContent = commit ? v : old;
      if (commit && v !== old) save(td, v);
      if (move) move(); else td.focus();
    }
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); finish(true, function () { go(td, 1, 0); }); }
      else if (e.key === "Tab") { e.preventDefault(); finish(true, function () { go(td, 0, e.shiftKey ? -1 : 1); }); }
      else if (e.key === "Escape") { e.preventDefault(); finish(false); }
      e.stopPropagation();
    });
    input.addEventListener("blur", function () { finish(true, function () {}); });
  }

  function go(td, dr, dc) {
    const p = pos(td);
    const next = cellAt(p[0] + dr, p[1] + dc);
    if (next) next.focus();
  }

  grid.addEventListener("keydown", function (e) {
    const td = e.target.closest("td");
    if (!td || e.target.tagName === "INPUT") return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Enter: [1, 0] };
    if (e.key === "Tab") { e.preventDefault(); go(td, 0, e.shiftKey ? -1 : 1); }
    else if (moves[e.key]) { e.preventDefault(); go(td, moves[e.key][0], moves[e.key][1]); }
    else if (e.key === "F2") { e.preventDefault(); edit(td); }
    else if ((e.ctrlKey || e.metaKey) && e.key === "z") { e.preventDefault(); undo(); }
    else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); edit(td, e.key); }
    else if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); edit(td, ""); }
    else if ((e.key === "Process" || e.keyCode === 229) && td.dataset.edit === "1" && !composing) {
      // An input method is about to compose: what it writes replaces the
      // cell's text, as a typed key would.
      const sel = window.getSelection();
      if (sel) sel.selectAllChildren(td);
    }
  });

  // Input methods (拼音, 五笔) and phone keyboards send no single-character
  // key: they compose text into the focused element. Editable cells are
  // contenteditable so that the composition lands in the cell; when it
  // ends, the composed text becomes the start of an ordinary edit.
  let composing = false;
  grid.querySelectorAll('td[data-edit="1"]').forEach(function (td) {
    td.contentEditable = "true";
    td.spellcheck = false;
  });
  function composedInto(e) {
    const td = e.target.closest ? e.target.closest("td") : null;
    if (!td || e.target.tagName === "INPUT" || td.dataset.edit !== "1" || td.querySelector("input")) return null;
    return td;
  }
  grid.addEventListener("compositionstart", function (e) {
    if (composedInto(e)) composing = true;
  });
  grid.addEventListener("compositionend", function (e) {
    composing = false;
    const td = composedInto(e);
    if (td) edit(td, td.textContent);
  });
  // A phone keyboard may insert text without composing.
  grid.addEventListener("input", function (e) {
    if (composing || e.isComposing) return;
    const td = composedInto(e);
    if (td) edit(td, td.textContent);
  });
  grid.addEventListener("drop", function (e) { e.preventDefault(); });
  grid.addEventListener("dblclick", function (e) {
    const td = e.target.closest("td");
    if (td) edit(td);
  });

  grid.addEventListener("paste", function (e) {
    const td = e.target.closest("td");
    if (!td || !editable || e.target.tagName === "INPUT") return;
    e.preventDefault();
    const text = (e.clipboardData || window.clipboardData).getData("text");
    const block = text.replace(/\r/g, "").replace(/\n$/, "").split("\n").map(function (l) { return l.split("\t"); });
    const start = pos(td);
    const jobs = [];
    lastPaste = [];
    block.forEach(function (line, i) {
      line.forEach(function (v, j) {
        const target = cellAt(start[0] + i, start[1] + j);
        if (!target || target.dataset.edit !== "1") return;
        const value = v.trim();
        if (value === (target.dataset.value || "")) return;
        lastPaste.push({ td: target, before: target.dataset.value || "" });
        target.textContent = value;
        jobs.push(save(target, value));
      });
    });
    Promise.all(jobs).then(function (ok) {
      const bad = ok.filter(function (x) { return !x; }).length;
      say(bad
        ? words.msgPastedBad.replace("{n}", String(ok.length)).replace("{bad}", String(bad))
        : words.msgPasted.replace("{n}", String(ok.length)));
    });
  });

  function undo() {
    const cells = lastPaste;
    lastPaste = [];
    if (!cells.length) return;
    Promise.all(cells.map(function (c) {
      c.td.textContent = c.before;
      return save(c.td, c.before);
    })).then(function () { say(words.msgUndone); });
  }

  // Adding a person: the household is chosen in the same form (an existing
  // one of the community, found by head, member or address, or a new one),
  // so the row's household cells can be filled like any other gap.
  const add = document.getElementById("add-row");
  const kindSel = document.getElementById("row-household-kind");
  const hhQuery = document.getElementById("row-household-q");
  const hhPick = document.getElementById("row-household-id");
  function showHouseholdPart() {
    if (!add || !kindSel) return;
    add.querySelectorAll("[data-household]").forEach(function (el) {
      el.hidden = el.getAttribute("data-household") !== kindSel.value;
    });
    if (kindSel.value === "existing" && hhPick && hhPick.options.length === 0) findHouseholds();
  }
  // Messages of the add-row form appear beside it, not above the grid.
  const addMsg = document.getElementById("add-row-msg");
  function addSay(text) { if (addMsg) addMsg.textContent = text || ""; else say(text); }
  let findTimer = null;
  function findHouseholds() {
    const q = hhQuery ? hhQuery.value : "";
    fetch("/api/v1/tasks/" + task + "/households?q=" + encodeURIComponent(q))
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { addSay(res.body.error); return; }
        addSay("");
        while (hhPick.firstChild) hhPick.removeChild(hhPick.firstChild);
        // Nothing is chosen for the worker: a careless click must not put
        // a person in the wrong family.
        const none = document.createElement("option");
        none.value = "";
        none.textContent = add.getAttribute("data-pick-one");
        hhPick.appendChild(none);
        res.body.households.forEach(function (h) {
          const o = document.createElement("option");
          o.value = h.id;
          o.textContent = [h.head || add.getAttribute("data-no-head"), h.address,
            add.getAttribute("data-members").replace("{n}", h.members)].filter(Boolean).join(" · ");
          hhPick.appendChild(o);
        });
        if (res.body.households.length === 0) addSay(add.getAttribute("data-none-found"));
      });
  }
  if (kindSel) { kindSel.addEventListener("change", showHouseholdPart); showHouseholdPart(); }
  if (hhQuery) hhQuery.addEventListener("input", function () {
    clearTimeout(findTimer);
    findTimer = setTimeout(findHouseholds, 250);
  });
  function householdChoice() {
    const kind = kindSel ? kindSel.value : "none";
    if (kind === "existing") {
      return { kind: "existing", id: Number(hhPick.value || 0), relation: add.elements["relation"].value };
    }
    if (kind === "new") return { kind: "new", address: add.elements["address"].value };
    return { kind: "none" };
  }
  if (add) add.addEventListener("submit", function (e) {
    e.preventDefault();
    if (kindSel && kindSel.value === "existing" && (!hhPick || !hhPick.value)) {
      addSay(add.getAttribute("data-pick-first"));
      return;
    }
    if (kindSel && kindSel.value === "existing" && !add.elements["relation"].value) {
      addSay(add.getAttribute("data-pick-relation"));
      return;
    }
    fetch("/api/v1/tasks/" + task + "/rows", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ id_number: add.elements["id_number"].value, name: add.elements["name"].value,
                             household: householdChoice() }),
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { addSay(body.error); return; }
        // Say it was added, after the reload that shows the new row.
        const url = new URL(window.location.href);
        url.searchParams.set("added", "1");
        window.location.href = url.toString();
      });
    });
  });
})();

// Admission request form: show only the fields of the chosen kind. Without
// this every kind's fields show, and the server reads the chosen kind's.
(function () {
  const kind = document.getElementById("adm-kind");
  const form = document.getElementById("admission-form");
  if (!kind || !form) return;
  function show() {
    form.querySelectorAll("[data-kind]").forEach(function (el) {
      const kinds = el.getAttribute("data-kind").split(" ");
      el.hidden = kinds.indexOf(kind.value) === -1;
    });
  }
  kind.addEventListener("change", show);
  show();
})();

// Usage bars on the caps page. Their width comes from data-bar and is set
// here because the Content-Security-Policy allows no inline style
// attributes (a script may still set element.style).
document.querySelectorAll(".bar > [data-bar]").forEach(function (el) {
  const v = Number(el.getAttribute("data-bar"));
  if (isFinite(v)) el.style.width = Math.max(0, Math.min(100, v)) + "%";
});

// The printable assessment's print button (a link to a script URL would be
// blocked by the Content-Security-Policy).
(function () {
  const b = document.getElementById("print-page");
  if (b) b.addEventListener("click", function () { window.print(); });
})();

// 直报 receipt: copy the code. The clipboard API needs a secure context;
// on a plain-http intranet the code is selected instead, for Ctrl+C or the
// phone's own copy menu.
(function () {
  // The address is printed in full: a printed receipt has no link.
  document.querySelectorAll(".site-origin").forEach(function (e) { e.textContent = location.origin; });
  const b = document.getElementById("copy-code");
  const code = document.getElementById("receipt-code");
  if (!b || !code) return;
  b.hidden = false;
  // The code is shown once and kept nowhere: leaving the page before
  // copying it asks first (the browser shows its own wording).
  let copied = false;
  const warn = function (e) {
    if (!copied) { e.preventDefault(); e.returnValue = ""; }
  };
  window.addEventListener("beforeunload", warn);
  code.addEventListener("copy", function () { copied = true; });
  b.addEventListener("click", function () {
    copied = true;
    const text = code.textContent.trim();
    const done = function () { b.textContent = b.dataset.copied; };
    const select = function () {
      const range = document.createRange();
      range.selectNodeContents(code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, select);
    } else {
      select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* selected */ }
    }
  });
})();

// Design form: the element picker is a datalist (searched by name, alias
// and pinyin initials, which the option labels carry); the element's name
// beside the box follows what is typed or picked.
(function () {
  const list = document.getElementById("element-list");
  if (!list) return;
  const names = {};
  list.querySelectorAll("option").forEach(function (o) {
    names[o.value] = o.getAttribute("data-name");
    // A name typed in full is understood too (the server resolves it).
    names[o.getAttribute("data-name")] = o.getAttribute("data-name");
  });
  document.querySelectorAll("input.element-pick").forEach(function (input) {
    const target = document.getElementById(input.getAttribute("data-name-for"));
    function follow() { if (target) target.textContent = names[input.value.trim()] || ""; }
    input.addEventListener("input", follow);
    input.addEventListener("change", follow);
  });
  // The filter's variables, narrowed as one types.
  const q = document.getElementById("filter-vars-q");
  const table = document.getElementById("filter-vars-table");
  if (q && table) q.addEventListener("input", function () {
    const needle = q.value.trim().toLowerCase();
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      tr.hidden = needle !== "" && tr.textContent.toLowerCase().indexOf(needle) === -1;
    });
  });
})();

// A monitoring point's confirmation counts as burden too: the time from the
// first change to sending is measured (the server caps it) and goes on the
// ledger as the point's own minutes.
(function () {
  const form = document.getElementById("confirm-form");
  const field = document.getElementById("confirm-active");
  if (!form || !field) return;
  let started = 0;
  form.addEventListener("input", function () { if (!started) started = Date.now(); });
  form.addEventListener("submit", function () {
    field.value = String(started ? Date.now() - started : 0);
  });
})();

// Quick dates beside a date field: one tap for today or yesterday, the
// days a hidden demand usually happened on; the date is still the
// reporter's choice, never filled in for them.
(function () {
  document.querySelectorAll(".quick-dates").forEach(function (box) {
    const input = document.getElementById(box.dataset.for);
    if (!input) return;
    box.hidden = false;
    box.querySelectorAll("button[data-days]").forEach(function (b) {
      b.addEventListener("click", function () {
        const d = new Date();
        d.setDate(d.getDate() - Number(b.dataset.days));
        const pad = function (n) { return String(n).padStart(2, "0"); };
        input.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  });
})();

// A page meant for paper (the rating QR code) offers its print button.
(function () {
  const b = document.getElementById("print-page");
  if (!b) return;
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
})();
