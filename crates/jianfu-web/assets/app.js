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

// Ask before disabling an account.
document.addEventListener("submit", function (e) {
  const form = e.target;
  if (form.action && /\/disable$/.test(form.action)) {
    const msg = document.documentElement.lang === "en" ? "Disable this account?" : "确定停用该账号？";
    if (!window.confirm(msg)) e.preventDefault();
  }
});
